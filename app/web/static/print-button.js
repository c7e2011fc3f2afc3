// The print view's "Print / save as PDF" button: shown and wired only when scripts run (the
// browser's own Print works without it). A file of our own: the page policy allows no
// inline script.
(function () {
  document.querySelectorAll("button.print-now").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
