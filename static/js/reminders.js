/* Turn on reminders on this device, after a tap: on the reminders page and in Today's notice
 * when reminders reach no device ([data-push-place] holds the button and what it may say).
 * The browser's permission prompt comes only from the button, never on page load (iOS and
 * Chromium both require a user gesture). On an iPhone or iPad, push works only for Tend on
 * the Home Screen, so there the page explains how to add it instead of offering the button. */
(function () {
  "use strict";

  var DISMISSED_KEY = "tend-reminders-here-dismissed";
  var DISMISS_DAYS = 30;

  function isIos() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function isInstalled() {
    return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  }

  function show(place, selector) {
    var element = place.querySelector(selector);
    if (element) { element.hidden = false; }
  }

  function say(place, setup, message) {
    var status = place.querySelector("[data-push-status]");
    if (status) { status.textContent = setup.dataset[message] || ""; }
  }

  async function turnOn(place, setup, button) {
    button.disabled = true;
    say(place, setup, "msgWorking");
    try {
      var permission = await Notification.requestPermission();
      if (permission !== "granted") {
        show(place, "[data-push-denied]");
        say(place, setup, "msgNotAllowed");
        return;
      }
      await TendPush.register(setup.dataset.vapidKey, setup.dataset.subscribeUrl);
      say(place, setup, "msgDone");
      window.location.reload();
    } catch (error) {
      say(place, setup, "msgFailed");
    } finally {
      button.disabled = false;
    }
  }

  function dismissedLately() {
    try {
      var when = Date.parse(localStorage.getItem(DISMISSED_KEY) || "");
      return when && Date.now() - when < DISMISS_DAYS * 86400000;
    } catch (e) { return false; }
  }

  function wireDismiss(place) {
    if (!place.hasAttribute("data-push-dismissable")) { return; }
    if (dismissedLately()) { place.hidden = true; return; }
    var button = place.querySelector("[data-push-dismiss]");
    if (!button) { return; }
    button.addEventListener("click", function () {
      place.hidden = true;
      try { localStorage.setItem(DISMISSED_KEY, new Date().toISOString()); } catch (e) { /* private mode */ }
    });
  }

  function initPlace(place) {
    wireDismiss(place);
    var setup = place.querySelector("[data-push-setup]");
    if (!setup) { return; }
    if (isIos() && !isInstalled()) {
      show(place, "[data-push-ios]");  // before any offer: it can't work in a Safari tab
      return;
    }
    var supported = "serviceWorker" in navigator && "PushManager" in window &&
      "Notification" in window && window.TendPush;
    if (!supported) {
      show(place, "[data-push-unsupported]");
      return;
    }
    if (Notification.permission === "denied") { show(place, "[data-push-denied]"); }
    setup.hidden = false;
    show(place, "[data-push-hint]");
    var button = setup.querySelector("[data-push-subscribe]");
    button.addEventListener("click", function () { turnOn(place, setup, button); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-push-place]").forEach(initPlace);
  });
})();
