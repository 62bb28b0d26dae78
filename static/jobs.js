// A background job's page: ask for its status every second and move the bar; reload the page when the job has
// finished, so the server shows its outcome. Without JavaScript the page refreshes itself (<noscript> meta).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-job-status");
  var bar = document.getElementById("job-bar");

  function show(field, text) {
    var element = box.querySelector('[data-field="' + field + '"]');
    if (element) {
      element.textContent = text;
    }
  }

  function update(status) {
    show("state_label", status.state_label);
    show("rows_read", status.rows_read.toLocaleString("en"));
    show("rows_written", status.rows_written.toLocaleString("en"));
    show("time_left", status.time_left || "—");
    if (bar && status.percent !== null) {
      bar.value = status.percent;
      bar.textContent = status.percent + "%";
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (status) {
        if (status && status.finished) {
          window.location.reload();
          return;
        }
        if (status) {
          update(status);
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 1000);
})();
