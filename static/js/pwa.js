/* The installable app on the page side: registers the service worker, offers a new version
 * ("A new version of Tend is ready" + Reload), offers to install Tend (or explains how on an
 * iPhone), keeps what is stored on the phone tied to the signed-in account, and keeps this
 * device's reminders subscribed (TendPush). */
(function () {
  "use strict";

  /* The page's words for scripts, in a <template> so they are never part of the page. */
  function pageText(selector) {
    var words = document.getElementById("pwa-texts");
    return words ? words.content.querySelector(selector) : null;
  }

  var DISMISSED_KEY = "tend-install-dismissed";

  function text(key) {
    var node = pageText('[data-text="' + key + '"]');
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
    navigator.serviceWorker.ready.then(function (registration) {
      askToBeControlled(registration);
      tellLanguage(registration);
    });
  }

  /* A worker claims the open pages when it activates, but a page still loading at that
     moment is passed over (Chromium) and would stay uncontrolled, so not usable offline,
     until the next navigation. Such a page asks the active worker to claim it. */
  function askToBeControlled(registration) {
    if (!navigator.serviceWorker.controller && registration.active) {
      registration.active.postMessage({ type: "CLAIM" });
    }
  }

  /* The worker keeps the offline pages in the language of the pages the person reads: the
     account's once signed in, the browser's own ("") before. A language is not a new
     version of the app: the same worker fetches them again when it changes. The offline
     pages themselves (no tend-user) say nothing, so they never switch it. */
  function tellLanguage(registration) {
    var user = metaContent("tend-user");
    if (user === null || !registration.active) { return; }
    registration.active.postMessage({
      type: "LANGUAGE", language: user ? document.documentElement.lang : ""
    });
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

  /* --- Reminders on this device: subscribe, and notice when they stopped. --- */

  function applicationServerKey(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": metaContent("csrf-token") },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  /* Subscribe this browser (a fresh subscription when ``fresh``, replacing the one it held)
   * and tell the server; the service worker is told too, so that it can report a
   * subscription the browser replaces later (pushsubscriptionchange). */
  function register(vapidKey, url, fresh) {
    var registration, replaced = null;
    return navigator.serviceWorker.ready.then(function (ready) {
      registration = ready;
      return registration.pushManager.getSubscription();
    }).then(function (held) {
      if (held && !fresh) { return held; }
      replaced = held ? held.endpoint : null;
      return (held ? held.unsubscribe().catch(function () {}) : Promise.resolve()).then(function () {
        return registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: applicationServerKey(vapidKey)
        });
      });
    }).then(function (subscription) {
      var data = subscription.toJSON();
      var body = { endpoint: data.endpoint, p256dh: data.keys.p256dh, auth: data.keys.auth };
      if (replaced) { body.replaces = replaced; }
      return postJson(url, body).then(function () {
        if (registration.active) { registration.active.postMessage({ type: "PUSH_SUBSCRIBED" }); }
      });
    });
  }

  var CHECKED_KEY = "tend-push-checked";

  /* Every app open (once per window), while notifications are allowed: does the server still
   * hold this browser's subscription? If reminders are meant to reach it and no working
   * subscription is on record (the push service ended it, iOS dropped it, it keeps failing),
   * subscribe again silently. Nothing happens where reminders were never turned on. */
  function checkThisDevice() {
    var url = metaContent("tend-push-check");
    if (!url || !("serviceWorker" in navigator) || !("PushManager" in window) ||
        !("Notification" in window) || Notification.permission !== "granted") {
      return Promise.resolve();
    }
    try {
      if (sessionStorage.getItem(CHECKED_KEY)) { return Promise.resolve(); }
      sessionStorage.setItem(CHECKED_KEY, new Date().toISOString());
    } catch (e) { /* private mode: check on every page */ }
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (held) {
      return postJson(url, { endpoint: held ? held.endpoint : null });
    }).then(function (answer) {
      if (answer.state === "renew") {
        return register(answer.vapid_key, answer.renew_url, true);
      }
    }).catch(function () { /* offline or refused: the next app open asks again */ });
  }

  /* --- Whose data is on this phone. --- */

  var claimed = null;

  /* This account owns what is stored here (another account's data is wiped first, entries
   * this one kept at sign-out come back). Runs once, whoever asks first. */
  function claimForThisAccount() {
    if (!claimed) {
      claimed = TendOffline.claim(metaContent("tend-user"), metaContent("csrf-token"),
                                  metaContent("tend-offline-key"));
    }
    return claimed;
  }

  function pendingEntries() {
    return claimForThisAccount().catch(function () {}).then(TendOffline.entries);
  }

  /* Sign out for real: the server ends the session (and sends Clear-Site-Data, unless the
   * person kept their unsent entries, which this page then leaves encrypted, with nothing
   * else stored). */
  function submitSignOut(form, keep) {
    var done = keep ? TendOffline.keepForNextSignIn(metaContent("tend-offline-key"))
      : TendOffline.wipe();
    return done.then(function () {
      if (keep) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "keep_unsent";
        input.value = "1";
        form.appendChild(input);
      }
    }, function () { /* the server's Clear-Site-Data wipes it all */ }).then(function () {
      form.dataset.wiped = "yes";
      form.submit();
    });
  }

  /* Unsent entries at sign-out: send them now, keep them for this account's next sign-in,
   * delete them, or stay signed in. */
  function askAboutUnsent(form, dialog) {
    var status = dialog.querySelector("[data-signout-status]");
    var buttons = dialog.querySelectorAll("button");
    function busy(on) { buttons.forEach(function (button) { button.disabled = on; }); }
    function tell(key) { status.textContent = text(key); status.hidden = !key; }
    function act(selector, action) {
      var button = dialog.querySelector(selector);
      button.onclick = function () { busy(true); action(); };
    }
    act("[data-signout-send]", function () {
      tell("signout-sending");
      TendOffline.flush().catch(function () {}).then(TendOffline.entries).then(function (left) {
        if (!left.length) { return submitSignOut(form, false); }
        busy(false);
        tell("signout-not-sent");
      });
    });
    act("[data-signout-keep]", function () { submitSignOut(form, true); });
    act("[data-signout-delete]", function () { submitSignOut(form, false); });
    act("[data-signout-stay]", function () { busy(false); dialog.close(); });
    tell(navigator.onLine ? "signout-not-sent" : "signout-offline");
    if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
  }

  /* In place from the moment the page is interactive (this deferred script runs then): a
   * sign-out tapped at once is held until the unsent entries are seen to. Entries are sent
   * first when the phone is online; only what is still left is asked about. */
  function guardSignOut() {
    document.addEventListener("submit", function (event) {
      var form = event.target.closest("form.signout");
      if (!form || form.dataset.wiped) { return; }
      event.preventDefault();
      if (form.dataset.checking) { return; }
      form.dataset.checking = "yes";
      pendingEntries().then(function (left) {
        if (left.length && navigator.onLine) {
          return TendOffline.flush().catch(function () {}).then(TendOffline.entries);
        }
        return left;
      }).then(function (left) {
        delete form.dataset.checking;
        var dialog = document.querySelector("[data-signout-dialog]");
        if (!left.length || !dialog) { return submitSignOut(form, false); }
        askAboutUnsent(form, dialog);
      }, function () {
        delete form.dataset.checking;
        submitSignOut(form, false);
      });
    }, true);
  }

  /* True unless the browser can tell that nothing was ever stored (a first visit then
   * creates no database). */
  function mayHoldOfflineData() {
    if (!indexedDB.databases) { return Promise.resolve(true); }
    return indexedDB.databases().then(function (found) {
      return found.some(function (db) { return db.name === TendOffline.DB_NAME; });
    }, function () { return true; });
  }

  function storesOfflineData() {
    return metaContent("tend-user") !== null && window.TendOffline && window.indexedDB;
  }

  function guardOfflineData() {
    var user = metaContent("tend-user");
    if (!storesOfflineData()) {
      return Promise.resolve();  // the offline page: nobody to check
    }
    if (user !== "") {
      return claimForThisAccount();
    }
    var signedOut = new URLSearchParams(window.location.search).has("signed_out");
    return mayHoldOfflineData().then(function (found) {
      if (!found) { return; }
      return signedOut ? TendOffline.wipeAllButKept() : TendOffline.forgetRecord();
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
  if (storesOfflineData() && metaContent("tend-user") !== "") { guardSignOut(); }
  window.TendPush = { register: register };
  window.TendShell = {
    ready: whenLoaded().then(function () {
      registerWorker();
      return guardOfflineData();
    }).then(function () {
      return checkThisDevice();
    })
  };
})();
