// Console copy buttons: <button data-copy="FIELD-ID" data-copied="Copied" hidden>. The button
// stays hidden without JavaScript (the field itself is readable and selectable); with it, a
// click copies the field's value. A file of our own: the page policy allows no inline script.
(function () {
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      (navigator.clipboard ? navigator.clipboard.writeText(field.value)
        : Promise.resolve(document.execCommand("copy")))
        .then(function () { button.textContent = button.getAttribute("data-copied"); });
    });
  });
}());
