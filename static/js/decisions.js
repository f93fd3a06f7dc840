/* New experiment: while the client hasn't edited a checkpoint date, it follows the day of the
   change (2, 4 and 8 weeks after). Without this script the dates simply stay as suggested. */
(function () {
  "use strict";

  function plusWeeks(iso, weeks) {
    var parts = iso.split("-").map(Number);
    var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + weeks * 7));
    return day.toISOString().slice(0, 10);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var change = document.querySelector("[data-change-date]");
    if (!change) { return; }
    var fields = Array.prototype.slice.call(document.querySelectorAll("[data-checkpoint-weeks]"));
    fields.forEach(function (field) {
      field.addEventListener("input", function () { field.dataset.edited = "yes"; });
    });
    change.addEventListener("change", function () {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(change.value)) { return; }
      fields.forEach(function (field) {
        if (!field.dataset.edited) {
          field.value = plusWeeks(change.value, Number(field.dataset.checkpointWeeks));
        }
      });
    });
  });
})();
