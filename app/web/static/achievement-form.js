// The micro-credential form's completeness panel, kept up to date as the form is filled: the
// form is posted (with its CSRF field) to /console/{slug}/achievements/check, which runs the
// same validation and EU completeness rules as a submit. Without this script the panel is
// rendered by the server on every submit.
(function () {
  "use strict";
  var form = document.querySelector("form[data-check-url]");
  var panel = document.querySelector("[data-testid=completeness]");
  if (!form || !panel || !window.fetch || !window.FormData) { return; }
  var timer = null;
  var pending = null;

  function show(answer) {
    answer.elements.forEach(function (item) {
      var row = panel.querySelector('li[data-element="' + item.element + '"]');
      if (!row) { return; }
      var state = row.querySelector(".state");
      row.setAttribute("data-status", item.status);
      row.className = item.done ? "done" : "todo";
      row.querySelector(".mark").textContent = item.done ? "\u2713" : "\u2717";
      state.textContent = item.status === "at-issue" ? state.getAttribute("data-at-issue")
        : (item.done ? state.getAttribute("data-done") : state.getAttribute("data-todo"));
      state.title = item.reason || "";
    });
    var summary = panel.querySelector("[data-testid=completeness-summary]");
    summary.textContent = summary.getAttribute(answer.complete ? "data-done-text" : "data-todo-text");
  }

  function check() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.getAttribute("data-check-url"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }, signal: pending.signal
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer) { show(answer); }
    }).catch(function () { /* offline or aborted: the next submit shows the panel */ });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
