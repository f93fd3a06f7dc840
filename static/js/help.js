/* Get help without a connection.
 *
 * - On the client's pages while online: keeps a copy of Get help (contacts, emergency
 *   number, in the words the server wrote them) in IndexedDB, after this account has claimed
 *   what is stored on the phone (static/js/pwa.js), so another account's copy is never
 *   shown; it goes with the rest at sign-out. Every page refreshes it, so a changed contact
 *   is kept as soon as Get help opens again.
 * - On the offline Get help page (the worker's answer for /help without a connection):
 *   fills the page from that copy. */
(function () {
  "use strict";

  var COPY = "help";
  var COPY_URL = "/help/offline-copy";

  function keepCopy() {
    return fetch(COPY_URL, { credentials: "same-origin", cache: "no-store",
                             headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(COPY_URL + ": " + response.status); }
        return response.json();
      })
      .then(function (data) { return TendOffline.saveSnapshot(COPY, data); })
      .catch(function () { /* offline or signed out: keep the last copy */ });
  }

  function filled(template, values) {
    var node = template.content.firstElementChild.cloneNode(true);
    Object.keys(values).forEach(function (name) {
      node.querySelectorAll("[data-fill=\"" + name + "\"]").forEach(function (target) {
        target.textContent = values[name];
      });
    });
    return node;
  }

  function link(node, selector, href, shown) {
    var anchor = node.querySelector(selector);
    if (!shown) { anchor.remove(); return; }
    anchor.href = href;
  }

  function showNumbers(page, copy) {
    page.querySelector("[data-help-danger]").textContent = copy.danger_sentence;
    var box = page.querySelector("[data-help-numbers]");
    var template = document.getElementById("help-number");
    copy.numbers.forEach(function (number) {
      var node = filled(template, { number: number.number });
      node.href = "tel:" + number.tel;
      box.appendChild(node);
    });
    box.hidden = copy.numbers.length === 0;
    var source = page.querySelector("[data-help-source]");
    if (copy.source) {
      source.querySelector("[data-fill=\"region\"]").textContent = copy.region_name;
      source.querySelector("[data-fill=\"source\"]").textContent = copy.source;
      source.hidden = false;
    }
  }

  function showContacts(page, copy) {
    var list = page.querySelector("[data-help-contacts]");
    var template = document.getElementById("help-contact");
    copy.contacts.forEach(function (contact) {
      var node = filled(template, { kind: contact.kind_label, name: contact.name,
                                    phone: contact.phone, note: contact.note });
      if (!contact.note) { node.querySelector("[data-fill=\"note\"]").remove(); }
      link(node, "[data-call]", "tel:" + contact.tel, true);
      link(node, "[data-text-message]", "sms:" + contact.tel, contact.texting);
      list.appendChild(node);
    });
    list.hidden = copy.contacts.length === 0;
    page.querySelector("[data-help-no-contacts]").hidden = copy.contacts.length > 0;
  }

  function showCopy(page) {
    return TendOffline.snapshot(COPY).then(function (kept) {
      if (!kept) {
        page.querySelector("[data-help-not-kept]").hidden = false;
        return;
      }
      showNumbers(page, kept.data);
      showContacts(page, kept.data);
    }).catch(function () {
      page.querySelector("[data-help-not-kept]").hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.TendOffline || !window.indexedDB) { return; }
    var page = document.querySelector("[data-help-offline]");
    if (page) { showCopy(page); return; }
    var user = document.querySelector('meta[name="tend-user"]');
    if (user && user.hasAttribute("data-keeps-record") && navigator.onLine && window.TendShell) {
      window.TendShell.ready.then(keepCopy);
    }
  });
})();
