/* Print buttons: an installed app has no browser menu to print from. A button marked
 * `data-print` (hidden until this script shows it) prints the page; the print stylesheet
 * leaves out what is only for the screen (`.no-print`). */
(function () {
  "use strict";
  if (typeof window.print !== "function") { return; }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
