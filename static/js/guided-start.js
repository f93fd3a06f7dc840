/* The guided start. The first medication: the time boxes a preset needs (one, two, none
 * for "As needed"; without this script all show and the server ignores the unused ones).
 * The install step: says Tend is installed when it runs from the Home Screen, offers the
 * browser's own install prompt where there is one, and otherwise says where the browser
 * keeps it. The user agent is read only to tell Safari on an iPhone or iPad to use
 * Share > Add to Home Screen (it has no install prompt to detect). */
(function () {
  "use strict";

  var presetForm = document.querySelector("[data-preset-form]");
  if (presetForm) {
    var showTimes = function () {
      var chosen = presetForm.querySelector('input[name="preset"]:checked');
      var preset = chosen ? chosen.value : "";
      presetForm.querySelector('[data-preset-time="first"]').hidden = preset === "as_needed";
      presetForm.querySelector('[data-preset-time="second"]').hidden = preset !== "twice";
    };
    presetForm.addEventListener("change", showTimes);
    showTimes();
  }

  var step = document.querySelector("[data-install-step]");
  if (!step) { return; }

  function show(selector, visible) {
    var node = step.querySelector(selector);
    if (node) { node.hidden = !visible; }
    return node;
  }

  function isInstalled() {
    return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  }

  function isIosSafari() {
    var ua = navigator.userAgent;
    return /iPhone|iPad|iPod/.test(ua) && !/CriOS|FxiOS|EdgiOS/.test(ua);
  }

  function markDone() {
    step.querySelector("[data-install-done]").closest("form").submit();
  }

  if (isInstalled()) {
    show("[data-install-installed]", true);
    return;
  }
  if (isIosSafari()) {
    show("[data-install-ios]", true);
    return;
  }
  show("[data-install-menu]", true);
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    show("[data-install-menu]", false);
    var prompt = show("[data-install-prompt]", true);
    prompt.querySelector("[data-install-button]").addEventListener("click", function () {
      event.prompt();
      event.userChoice.then(function (choice) {
        if (choice.outcome === "accepted") { markDone(); }
      });
    }, { once: true });
  });
  window.addEventListener("appinstalled", markDone);
})();
