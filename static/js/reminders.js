/* Turn on reminders on this device, after a tap: on the reminders page, in Today's notice
 * when reminders reach no device and in the guided start ([data-push-place] holds the button
 * and what it may say). The browser's permission prompt comes only from the button, never on
 * page load (iOS and Chromium both require a user gesture). What the browser can do is
 * detected, not guessed from its name; the one exception: on an iPhone or iPad push works
 * only for Tend on the Home Screen, so there the page explains how to add it instead.
 * Each way it can fail has its own words: notifications turned off earlier in the browser,
 * refused just now (by the person or, unasked, by the browser: a page can't tell which),
 * push not offered by this browser, or push refused by it although notifications are
 * allowed. None of them is the connection's fault, and none says so. */
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

  function hideExplanations(place) {
    place.querySelectorAll("[data-push-explains]").forEach(function (node) { node.hidden = true; });
  }

  function explain(place, setup, selector, message) {
    hideExplanations(place);
    if (place.querySelector(selector)) { show(place, selector); say(place, setup, ""); }
    else { say(place, setup, message); }
  }

  async function turnOn(place, setup, button) {
    button.disabled = true;
    say(place, setup, "msgWorking");
    try {
      var permission = await Notification.requestPermission();
      if (permission === "denied") {  // answered Block, or refused by the browser unasked
        explain(place, setup, place.querySelector("[data-push-refused]") ?
          "[data-push-refused]" : "[data-push-denied]", "msgNotAllowed");
        return;
      }
      if (permission !== "granted") {  // the prompt was closed unanswered: ask again later
        say(place, setup, "msgNotAllowed");
        return;
      }
      await TendPush.register(setup.dataset.vapidKey, setup.dataset.subscribeUrl);
      say(place, setup, "msgDone");
      window.location.reload();
    } catch (error) {
      if (error && error.name === "NotAllowedError") {  // allowed, yet push is refused here
        explain(place, setup, "[data-push-blocked]", "msgFailed");
      } else {
        say(place, setup, "msgFailed");
      }
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
    if (Notification.permission === "denied") {  // blocked earlier: the button can't ask
      show(place, "[data-push-denied]");
      return;
    }
    setup.hidden = false;
    show(place, "[data-push-hint]");
    // Buttons in the notification itself (Chromium) or none (Firefox, Safari).
    show(place, Notification.maxActions > 0 ? "[data-push-actions]" : "[data-push-no-actions]");
    if (isIos()) { show(place, "[data-push-ios-installed]"); }
    var button = setup.querySelector("[data-push-subscribe]");
    button.addEventListener("click", function () { turnOn(place, setup, button); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-push-place]").forEach(initPlace);
  });
})();
