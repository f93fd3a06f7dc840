/* Reminders settings: turn on push notifications on this device, after a tap.
 * The page explains what a reminder looks like first; the browser's permission prompt comes
 * only from the button, never on page load (iOS and Chromium both require a user gesture). */
(function () {
  "use strict";

  function applicationServerKey(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function isIos() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function isInstalled() {
    return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  }

  function show(selector) {
    var element = document.querySelector(selector);
    if (element) { element.hidden = false; }
  }

  function say(setup, message) {
    var status = document.querySelector("[data-push-status]");
    if (status) { status.textContent = setup.dataset[message] || ""; }
  }

  async function subscribe(setup, button) {
    button.disabled = true;
    say(setup, "msgWorking");
    try {
      var permission = await Notification.requestPermission();
      if (permission !== "granted") {
        show("[data-push-denied]");
        say(setup, "msgNotAllowed");
        return;
      }
      var registration = await navigator.serviceWorker.ready;
      var subscription = await registration.pushManager.getSubscription() ||
        await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: applicationServerKey(setup.dataset.vapidKey)
        });
      var data = subscription.toJSON();
      var response = await fetch(setup.dataset.subscribeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ endpoint: data.endpoint, p256dh: data.keys.p256dh,
                               auth: data.keys.auth })
      });
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      say(setup, "msgDone");
      window.location.reload();
    } catch (error) {
      say(setup, "msgFailed");
    } finally {
      button.disabled = false;
    }
  }

  function init() {
    var setup = document.querySelector("[data-push-setup]");
    if (!setup) { return; }
    var supported = "serviceWorker" in navigator && "PushManager" in window &&
      "Notification" in window;
    if (!supported) {
      show(isIos() && !isInstalled() ? "[data-push-ios]" : "[data-push-unsupported]");
      return;
    }
    if (Notification.permission === "denied") { show("[data-push-denied]"); }
    setup.hidden = false;
    var button = setup.querySelector("[data-push-subscribe]");
    button.addEventListener("click", function () { subscribe(setup, button); });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
