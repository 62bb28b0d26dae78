/* The suggestions page (claims/admin_suggestions.py): jump between a highlight and its form, check all, and start a
   new figure or quote from a selection of the text. A static file: the Content-Security-Policy allows no inline
   script. Offsets come from each piece's data-start, so they index the source's text as stored. */
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function mark(prefix, on) {
    document.querySelectorAll(".suggestions-text [data-for]").forEach(function (piece) {
      var names = piece.getAttribute("data-for").split(" ");
      piece.classList.toggle("current", on && names.indexOf(prefix) !== -1);
    });
  }

  function offsetOf(node, offset) {
    // A text node inside a piece: the piece's data-start plus the offset in it.
    var piece = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (piece && !piece.hasAttribute("data-start") && node.nodeType !== Node.TEXT_NODE) {
      var child = node.childNodes[Math.min(offset, node.childNodes.length - 1)];
      if (child && child.nodeType === Node.ELEMENT_NODE && child.hasAttribute("data-start")) {
        return Number(child.getAttribute("data-start")) + (offset >= node.childNodes.length ? child.textContent.length : 0);
      }
    }
    piece = piece && piece.closest("[data-start]");
    if (!piece) { return null; }
    return Number(piece.getAttribute("data-start")) + (node.nodeType === Node.TEXT_NODE ? offset : 0);
  }

  function selected(text) {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) { return null; }
    var range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) { return null; }
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) { return null; }
    return { start: start, end: end };
  }

  ready(function () {
    var text = document.getElementById("source-text");
    if (!text) { return; }
    text.addEventListener("click", function (event) {
      var piece = event.target.closest("[data-for]");
      if (!piece || !window.getSelection().isCollapsed) { return; }
      var prefix = piece.getAttribute("data-for").split(" ").filter(function (name) {
        return document.getElementById(name);
      })[0];
      if (!prefix) { return; }
      var form = document.getElementById(prefix);
      document.querySelectorAll("fieldset.suggestion.current").forEach(function (f) { f.classList.remove("current"); });
      form.classList.add("current");
      form.scrollIntoView({ block: "center" });
      mark(prefix, true);
    });
    document.querySelectorAll("a.jump").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var prefix = link.getAttribute("data-mark");
        mark(prefix, true);
        var first = text.querySelector('[data-for~="' + prefix + '"]');
        if (first) { first.scrollIntoView({ block: "center" }); }
      });
    });
    var checkAll = document.getElementById("check-all");
    if (checkAll) {
      checkAll.addEventListener("click", function () {
        var boxes = document.querySelectorAll('fieldset.suggestion input[type="checkbox"][name$="-checked"]');
        var any = Array.prototype.some.call(boxes, function (box) { return !box.checked; });
        boxes.forEach(function (box) { box.checked = any; });
        checkAll.textContent = any ? "Uncheck all" : "Check all";
      });
    }
    var buttons = ["figure", "quote"].map(function (kind) {
      return { kind: kind, button: document.getElementById("new-" + kind + "-from-selection") };
    }).filter(function (entry) { return entry.button; });
    var current = null;
    document.addEventListener("selectionchange", function () {
      current = selected(text);
      buttons.forEach(function (entry) { entry.button.disabled = current === null; });
    });
    buttons.forEach(function (entry) {
      entry.button.addEventListener("click", function () {
        if (!current) { return; }
        var params = new URLSearchParams(window.location.search);
        params.set("select", current.start + "-" + current.end);
        params.set("kind", entry.kind);
        window.location.search = params.toString();
      });
    });
  });
})();
