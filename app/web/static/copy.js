// The share page's copy button. Progressive enhancement only: the link is readable and
// selectable without JavaScript. A file of our own, so the page policy needs no inline script.
(function () {
  var button = document.getElementById("copy");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var field = document.getElementById("share-link");
    field.select();
    (navigator.clipboard ? navigator.clipboard.writeText(field.value)
      : Promise.resolve(document.execCommand("copy")))
      .then(function () { button.textContent = button.dataset.copied; });
  });
}());
