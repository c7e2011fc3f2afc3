// Copy buttons: the share page's (#copy, for #share-link) and any button whose data-copy
// names the read-only field to copy (the console's one-time links and API keys).
// Progressive enhancement only: the text is readable and selectable without JavaScript.
// A file of our own, so the page policy needs no inline script.
(function () {
  function wire(button, field) {
    if (!button || !field) { return; }
    button.addEventListener("click", function () {
      field.select();
      (navigator.clipboard ? navigator.clipboard.writeText(field.value)
        : Promise.resolve(document.execCommand("copy")))
        .then(function () { if (button.dataset.copied) { button.textContent = button.dataset.copied; } });
    });
  }
  wire(document.getElementById("copy"), document.getElementById("share-link"));
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    wire(button, document.querySelector(button.dataset.copy));
  });
}());
