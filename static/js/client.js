/* The client's pages: small enhancements only. Without this script every form still works
 * (all time boxes show, both schedule sections show, a double tap is caught by the server). */
(function () {
  "use strict";

  /* Show the dose fields that fit the chosen schedule kind: each section names the kinds
   * it is for (without this script all show, each saying which kinds it is for). */
  function scheduleSections(form) {
    var sections = form.querySelectorAll("[data-schedule]");
    form.querySelectorAll("[data-schedule-for]").forEach(function (hint) {
      hint.hidden = true;
    });
    function update() {
      var checked = form.querySelector('input[name="schedule"]:checked');
      var chosen = checked ? checked.value : "fixed";
      sections.forEach(function (section) {
        section.hidden = section.getAttribute("data-schedule").split(" ").indexOf(chosen) < 0;
      });
    }
    form.querySelectorAll('input[name="schedule"]').forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  /* The step plan form: the fields of the way the steps are entered (by a step size, or as
   * a list), or only the checkpoint's days when a checkpoint is asked for. */
  function planSections(form) {
    var sections = form.querySelectorAll("[data-way]");
    var checkpoint = form.querySelector('input[name="checkpoint"]');
    var days = form.querySelector("[data-checkpoint-days]");
    function update() {
      var checked = form.querySelector('input[name="way"]:checked');
      var chosen = checked ? checked.value : "by_size";
      sections.forEach(function (section) {
        section.hidden = section.getAttribute("data-way") !== chosen;
      });
      if (checkpoint && days) { days.hidden = !checkpoint.checked; }
    }
    form.querySelectorAll('input[name="way"], input[name="checkpoint"]').forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  }

  /* Show filled time boxes plus one empty one; "Add another time" reveals the next. */
  function timeSlots(form) {
    var button = form.querySelector("[data-add-time]");
    if (!button) { return; }
    var slots = Array.prototype.slice.call(form.querySelectorAll(".time-input"));
    var firstEmptyShown = false;
    slots.forEach(function (slot) {
      var empty = !slot.querySelector("input").value;
      slot.hidden = empty && firstEmptyShown;
      if (empty) { firstEmptyShown = true; }
    });
    function refresh() {
      button.hidden = !slots.some(function (slot) { return slot.hidden; });
    }
    button.addEventListener("click", function () {
      var next = slots.filter(function (slot) { return slot.hidden; })[0];
      if (next) {
        next.hidden = false;
        next.querySelector("input").focus();
      }
      refresh();
    });
    refresh();
  }

  /* One tap logs once: once the form is really sent, its buttons are disabled. A script
   * that handles the submit itself (the offline queue calls preventDefault) keeps them. */
  function guardDoubleSubmit(form) {
    form.addEventListener("submit", function (event) {
      window.setTimeout(function () {
        if (event.defaultPrevented) { return; }
        form.querySelectorAll('button[type="submit"]').forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-schedule-form]").forEach(function (form) {
      scheduleSections(form);
      timeSlots(form);
    });
    document.querySelectorAll("form[data-plan-form]").forEach(planSections);
    document.querySelectorAll('form[method="post"]').forEach(guardDoubleSubmit);
  });

  /* Coming back with the Back button shows the page as it was left: enable its buttons. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll('form[method="post"] button[disabled]').forEach(function (button) {
      button.disabled = false;
    });
  });
})();
