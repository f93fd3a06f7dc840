/* "Taken" far ahead of a dose's time asks once, inline: tapping Taken on the 20:00 dose in the
 * morning asks "This is the 20:00 dose. Log it as taken now?". It never blocks: "Log it as
 * taken" sends the entry as it was (online, with `confirm_far` so the server doesn't ask
 * again; offline, to the queue). How far is the server's rule (tend/client/dose_timing.py),
 * given to each form as `data-ask-minutes`; the dose's time as `data-due-at` (ISO) and
 * `data-dose-time` (as the page shows it). Without this script the server asks instead. */
(function () {
  "use strict";

  /* The page's words for scripts, in a <template> so they are never part of the page. */
  function pageText(selector) {
    var words = document.getElementById("pwa-texts");
    return words ? words.content.querySelector(selector) : null;
  }

  function text(key, value) {
    var node = pageText('[data-text="' + key + '"]');
    var words = node ? node.textContent.trim() : "";
    return value === undefined ? words : words.replace("{}", value);
  }

  function isFarAhead(form) {
    var due = Date.parse(form.getAttribute("data-due-at") || "");
    var minutes = Number(form.getAttribute("data-ask-minutes"));
    return !isNaN(due) && minutes > 0 && due - Date.now() > minutes * 60000;
  }

  function button(label, className, action) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = "button " + className;
    node.textContent = label;
    node.addEventListener("click", action);
    return node;
  }

  function ask(form) {
    var item = form.closest(".dose") || form.parentNode;
    var question = item.querySelector("[data-far-question]");
    if (question) { question.remove(); }
    question = document.createElement("div");
    question.className = "notice dose-question";
    question.setAttribute("role", "alertdialog");
    question.setAttribute("data-far-question", "");
    var words = document.createElement("p");
    words.id = "far-question-" + Math.random().toString(36).slice(2);
    words.textContent = text("far-question", form.getAttribute("data-dose-time"));
    question.setAttribute("aria-labelledby", words.id);
    question.appendChild(words);
    var actions = document.createElement("div");
    actions.className = "pwa-toast-actions";
    var yes = button(text("far-yes"), "button-primary", function () {
      question.remove();
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirm_far";
      confirmed.value = "1";
      form.appendChild(confirmed);
      form.requestSubmit();
    });
    actions.appendChild(yes);
    actions.appendChild(button(text("far-no"), "button-quiet", function () {
      question.remove();
      form.querySelector('button[type="submit"]').focus();
    }));
    question.appendChild(actions);
    var row = form.closest(".dose-actions") || form;  // below the row of buttons
    row.parentNode.insertBefore(question, row.nextSibling);
    yes.focus();
  }

  /* On the window, in the capture phase: before the offline queue or the page sees it. */
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-ask-minutes]") || form.querySelector('[name="confirm_far"]')) {
      return;
    }
    if (!isFarAhead(form)) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    ask(form);
  }, true);
})();
