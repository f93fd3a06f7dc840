/* The installable app on the page side: registers the service worker, offers a new version
 * ("A new version of Tend is ready" + Reload), offers to install Tend (or explains how on an
 * iPhone), and keeps what is stored on the phone tied to the signed-in account. */
(function () {
  "use strict";

  var DISMISSED_KEY = "tend-install-dismissed";

  function text(key) {
    var node = document.querySelector('#pwa-texts [data-text="' + key + '"]');
    return node ? node.textContent.trim() : "";
  }

  function show(selector) {
    var node = document.querySelector(selector);
    if (node) { node.hidden = false; }
    return node;
  }

  function metaContent(name) {
    var meta = document.querySelector('meta[name="' + name + '"]');
    return meta ? meta.getAttribute("content") : null;
  }

  /* --- Updates: a new worker waits until the person chooses to reload. --- */

  var reloadRequested = false;

  function offerUpdate(worker) {
    var prompt = show("[data-pwa-update]");
    if (!prompt) { return; }
    prompt.querySelector("[data-pwa-reload]").addEventListener("click", function () {
      reloadRequested = true;
      worker.postMessage({ type: "SKIP_WAITING" });
    });
  }

  function watchForUpdates(registration) {
    if (registration.waiting && navigator.serviceWorker.controller) {
      offerUpdate(registration.waiting);
    }
    registration.addEventListener("updatefound", function () {
      var worker = registration.installing;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && navigator.serviceWorker.controller) {
          offerUpdate(worker);
        }
      });
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { registration.update().catch(function () {}); }
    });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (reloadRequested) { reloadRequested = false; window.location.reload(); }
    });
    navigator.serviceWorker.register("/sw.js", { scope: "/", updateViaCache: "none" })
      .then(watchForUpdates)
      .catch(function () { /* the site works without the worker, just not offline */ });
    navigator.serviceWorker.ready.then(askToBeControlled);
  }

  /* A worker claims the open pages when it activates, but a page still loading at that
     moment is passed over (Chromium) and would stay uncontrolled, so not usable offline,
     until the next navigation. Such a page asks the active worker to claim it. */
  function askToBeControlled(registration) {
    if (!navigator.serviceWorker.controller && registration.active) {
      registration.active.postMessage({ type: "CLAIM" });
    }
  }

  /* --- Install: the browser's own prompt where there is one, instructions on an iPhone. --- */

  function installDismissed() {
    try { return Boolean(localStorage.getItem(DISMISSED_KEY)); } catch (e) { return false; }
  }

  function dismissInstall(prompt) {
    prompt.hidden = true;
    try { localStorage.setItem(DISMISSED_KEY, new Date().toISOString()); } catch (e) { /* private mode */ }
  }

  function isStandalone() {
    return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  }

  function isIPhoneSafari() {
    var ua = navigator.userAgent;
    return /iPhone|iPad|iPod/.test(ua) && /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS/.test(ua);
  }

  function wireDismiss(prompt) {
    prompt.querySelectorAll("[data-pwa-dismiss]").forEach(function (button) {
      button.addEventListener("click", function () { dismissInstall(prompt); });
    });
  }

  function offerInstall() {
    if (isStandalone() || installDismissed()) { return; }
    if (isIPhoneSafari()) {
      var instructions = show("[data-pwa-ios]");
      if (instructions) { wireDismiss(instructions); }
      return;
    }
    window.addEventListener("beforeinstallprompt", function (event) {
      event.preventDefault();
      var prompt = show("[data-pwa-install]");
      if (!prompt) { return; }
      wireDismiss(prompt);
      prompt.querySelector("[data-pwa-install-button]").addEventListener("click", function () {
        prompt.hidden = true;
        event.prompt();
      }, { once: true });
    });
    window.addEventListener("appinstalled", function () {
      document.querySelectorAll("[data-pwa-install]").forEach(function (node) { node.hidden = true; });
    });
  }

  /* --- Whose data is on this phone. --- */

  /* Before the sign-out form goes, wipe this account's offline data (the response also sends
   * Clear-Site-Data; this covers browsers without it). Unsent entries are sent first if
   * possible, and the person is asked before any are deleted. */
  function wipeOnSignOut() {
    document.querySelectorAll("form.signout").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.wiped) { return; }
        event.preventDefault();
        var send = navigator.onLine ? TendOffline.flush().catch(function () {}) : Promise.resolve();
        send.then(TendOffline.entries).then(function (left) {
          if (left.length && !window.confirm(text("signout-pending"))) { return; }
          return TendOffline.wipe().catch(function () {}).then(function () {
            form.dataset.wiped = "yes";
            form.submit();
          });
        });
      });
    });
  }

  /* True unless the browser can tell that nothing was ever stored (a first visit then
   * creates no database). */
  function mayHoldOfflineData() {
    if (!indexedDB.databases) { return Promise.resolve(true); }
    return indexedDB.databases().then(function (found) {
      return found.some(function (db) { return db.name === TendOffline.DB_NAME; });
    }, function () { return true; });
  }

  function guardOfflineData() {
    var user = metaContent("tend-user");
    if (user === null || !window.TendOffline || !window.indexedDB) {
      return Promise.resolve();  // the offline page: nobody to check
    }
    if (user !== "") {
      wipeOnSignOut();
      return TendOffline.claim(user, metaContent("csrf-token"));
    }
    var signedOut = new URLSearchParams(window.location.search).has("signed_out");
    return mayHoldOfflineData().then(function (found) {
      if (!found) { return; }
      return signedOut ? TendOffline.wipe() : TendOffline.forgetRecord();
    }).catch(function () {});
  }

  /* Once the page has loaded and the browser is idle, so none of this competes with
   * showing the page. */
  function whenLoaded() {
    var loaded = document.readyState === "complete" ? Promise.resolve() :
      new Promise(function (resolve) { window.addEventListener("load", resolve); });
    return loaded.then(function () {
      return new Promise(function (resolve) {
        if (window.requestIdleCallback) { window.requestIdleCallback(resolve, { timeout: 2000 }); }
        else { window.setTimeout(resolve, 200); }
      });
    });
  }

  offerInstall();
  window.TendShell = {
    ready: whenLoaded().then(function () {
      registerWorker();
      return guardOfflineData();
    })
  };
})();
