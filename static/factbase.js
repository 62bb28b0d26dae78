// factbase's only script: a filter form submits only the fields that are filled, so every filtered view has
// one clean, shareable address (?metric=death-toll, not ?q=&metric=death-toll&status=&value_min=…). Without
// it the server redirects to the same clean address.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "get") return;
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form, event.submitter)) {
    if (typeof value === "string" && value.trim() !== "") params.append(name, value);
  }
  event.preventDefault();
  const query = params.toString();
  const action = new URL(form.action || window.location.href, window.location.href);
  window.location.assign(action.pathname + (query ? "?" + query : ""));
});
