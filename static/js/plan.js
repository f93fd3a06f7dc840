/* The plan for hard times on this phone, for when there is no connection.
 *
 * - On the plan page (online, `[data-plan]`): once the page has claimed what is stored here
 *   for the signed-in account (TendShell.ready), keep a copy of the plan as shown, in the
 *   same IndexedDB as the rest of the offline record (static/js/offline-queue.js). Every
 *   change to the plan comes back to this page, so the copy follows each edit. Like the
 *   rest, it is wiped when another account signs in or at sign-out, and dropped when the
 *   session runs out.
 *   A change tried without a connection is held back with a line saying so, rather than
 *   leaving the page for the browser's error.
 * - On the offline copy (`[data-plan-offline]`, shown by the service worker): fill its
 *   sections from that copy, or say that the plan isn't kept here yet. */
(function () {
  "use strict";

  var SNAPSHOT = "plan";

  function planShown(root) {
    var sections = {};
    root.querySelectorAll("[data-plan-section]").forEach(function (section) {
      sections[section.getAttribute("data-plan-section")] = Array.prototype.map.call(
        section.querySelectorAll("[data-plan-text]"),
        function (node) { return node.textContent.trim(); });
    });
    var updated = document.querySelector("[data-plan-updated]");
    // The day as the page wrote it (tend/formatting.py), so the offline copy reads the same.
    return { sections: sections, updated_on: updated ? updated.getAttribute("data-plan-updated") : null };
  }

  function keep(root) {
    return window.TendShell.ready.then(function () {
      return TendOffline.owner();
    }).then(function (owner) {
      if (!owner) { return; }
      return TendOffline.saveSnapshot(SNAPSHOT, planShown(root));
    }).then(function () {
      document.documentElement.setAttribute("data-plan-kept", "");
    }).catch(function () { /* nothing kept: the page itself still works */ });
  }

  function holdChangesWhileOffline(root) {
    var notice = document.querySelector("[data-plan-offline-notice]");
    root.addEventListener("submit", function (event) {
      if (navigator.onLine || !notice) { return; }
      event.preventDefault();
      notice.hidden = false;
      notice.scrollIntoView({ block: "center" });
    });
    window.addEventListener("online", function () { if (notice) { notice.hidden = true; } });
  }

  function words(key, value) {
    var template = document.getElementById("plan-texts");
    var node = template ? template.content.querySelector('[data-text="' + key + '"]') : null;
    return node ? node.textContent.trim().replace("{}", value) : "";
  }

  function itemFor(text) {
    var item = document.createElement("li");
    item.className = "list-item";
    var body = document.createElement("div");
    var line = document.createElement("p");
    line.className = "prose plan-text";
    line.textContent = text;
    body.appendChild(line);
    item.appendChild(body);
    return item;
  }

  function fill(shell, kept) {
    if (!kept) {
      shell.querySelector("[data-plan-not-kept]").hidden = false;
      return;
    }
    var sections = kept.data.sections || {};
    shell.querySelectorAll("[data-plan-section]").forEach(function (section) {
      var texts = sections[section.getAttribute("data-plan-section")] || [];
      var list = section.querySelector("[data-plan-items]");
      texts.forEach(function (text) { list.appendChild(itemFor(text)); });
      list.hidden = texts.length === 0;
      section.querySelector("[data-plan-empty]").hidden = texts.length > 0;
    });
    if (kept.data.updated_on) {
      shell.querySelector("[data-plan-changed]").textContent = words("changed",
                                                                     kept.data.updated_on);
    }
    shell.querySelector("[data-plan-kept]").hidden = false;
  }

  function show(shell) {
    return window.TendShell.ready.then(function () {
      return TendOffline.owner();
    }).then(function (owner) {
      return owner ? TendOffline.snapshot(SNAPSHOT) : null;
    }).then(function (kept) { fill(shell, kept); }, function () { fill(shell, null); })
      .then(function () { document.documentElement.setAttribute("data-plan-ready", ""); });
  }

  /* A deferred script that may come before pwa.js on the page: starts once every deferred
   * script has run (TendShell is there then). */
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.TendOffline || !window.indexedDB || !window.TendShell) { return; }
    var page = document.querySelector("[data-plan]");
    var shell = document.querySelector("[data-plan-offline]");
    if (page) { keep(page); holdChangesWhileOffline(page); }
    if (shell) { show(shell); }
  });
})();
