/* Tend's page script: small progressive enhancements, nothing a page needs to work. */
(function () {
  "use strict";

  /* Preselect the browser's own time zone on forms that ask for one. */
  function prefillTimeZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    document.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
      if (zone && select.querySelector('option[value="' + zone + '"]')) { select.value = zone; }
    });
  }

  /* Move focus to an error summary so screen readers announce it. */
  function focusAlerts() {
    var alert = document.querySelector("[data-autofocus]");
    if (alert) { alert.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    prefillTimeZone();
    focusAlerts();
  });
})();
