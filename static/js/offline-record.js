/* The client's record without a connection.
 *
 * - Keeps a copy of Today and the medication list in IndexedDB while online (client pages).
 * - Forms marked `data-offline="dose|side-effect|checkin"` and `data-api="<JSON endpoint>"` are
 *   queued instead of posted when the phone is offline (always on the offline page, which has
 *   no server to post to). Their field names are the API's (`data-field-prefix` is stripped,
 *   `csrf_token` and `next` left out); the form's
 *   `idempotency_key` input is reused (made if empty) so the same entry sent twice counts once.
 * - Lists what waits on this phone ("Saved on this phone, waiting to sync") and what the server
 *   refused, with the server's message, until the client removes or resends it.
 * - Sends the queue when the connection returns (Background Sync where there is one, else on
 *   `online`), when a page opens, and every minute while anything waits.
 * - On the offline page, shows the kept copy of Today with buttons to log each dose. */
(function () {
  "use strict";

  var RETRY_EVERY_MS = 60000;
  var offlinePage = document.body.hasAttribute("data-offline-page");
  var userMeta = document.querySelector('meta[name="tend-user"]');
  var keepsRecord = userMeta && userMeta.hasAttribute("data-keeps-record");
  var zone;  // the client's time zone, from the kept copy of Today

  if (!window.TendOffline || !window.indexedDB || !(offlinePage || keepsRecord)) { return; }

  function text(key, value) {
    var node = document.querySelector('#pwa-texts [data-text="' + key + '"]');
    var words = node ? node.textContent.trim() : "";
    return value === undefined ? words : words.replace("{}", value);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
            hex.slice(20)].join("-");
  }

  function localDay(timezone) {
    try {
      return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric",
                                                 month: "2-digit", day: "2-digit" })
        .format(new Date());
    } catch (e) {
      return new Date().toISOString().slice(0, 10);
    }
  }

  /* "2026-03-31" as the page's language writes it: "Tuesday, 31 March". */
  function dayName(isoDate) {
    if (!isoDate) { return ""; }
    return new Date(isoDate + "T12:00:00Z").toLocaleDateString(
      document.documentElement.lang || undefined,
      { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
  }

  /* --- The copy of the record kept on this phone. --- */

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store",
                        headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  function keepRecord() {
    return Promise.all(["today", "medications"].map(function (name) {
      return getJSON("/api/v1/" + name).then(function (data) {
        return TendOffline.saveSnapshot(name, data);
      });
    })).catch(function () { /* offline or signed out: keep the last copy */ });
  }

  /* --- Entries made offline. --- */

  function payloadFrom(form) {
    var prefix = form.getAttribute("data-field-prefix") || "";
    var body = {};
    new FormData(form).forEach(function (value, rawName) {
      var name = rawName.indexOf(prefix) === 0 ? rawName.slice(prefix.length) : rawName;
      if (name === "csrf_token" || name === "next" || value === "") { return; }
      if (name in body) { body[name] = [].concat(body[name], value); } else { body[name] = value; }
    });
    if (form.getAttribute("data-status")) { body.status = form.getAttribute("data-status"); }
    return body;
  }

  /* The form's own key, made once and written back so a second tap sends the same one. */
  function keyOf(form) {
    var input = form.querySelector('input[name$="idempotency_key"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = (form.getAttribute("data-field-prefix") || "") + "idempotency_key";
      form.appendChild(input);
    }
    if (!input.value) { input.value = newKey(); }
    return input.value;
  }

  function labelFor(kind, body) {
    return Promise.all([TendOffline.snapshot("today"), TendOffline.snapshot("medications")])
      .then(function (found) {
        if (kind === "side-effect") { return text("side-effect", body.symptom || ""); }
        if (kind === "checkin") { return text("checkin", dayName(body.date)); }
        var meds = found[1] ? found[1].data.medications : [];
        var med = meds.filter(function (m) { return String(m.id) === String(body.medication_id); })[0];
        var doses = found[0] ? found[0].data.doses : [];
        var planned = doses.filter(function (d) { return String(d.id) === String(body.planned_dose_id); })[0];
        var what = med ? med.name : text("a-dose");
        return (planned ? planned.local_time + " " : "") + what + ": " + text(body.status || "taken");
      });
  }

  function queueForm(form) {
    var kind = form.getAttribute("data-offline");
    var body = payloadFrom(form);
    body.idempotency_key = keyOf(form);
    if (kind === "dose" && body.status === "taken" && !body.taken_at) {
      body.taken_at = new Date().toISOString();  // when it was tapped, not when it syncs
    }
    return labelFor(kind, body).then(function (label) {
      return TendOffline.enqueue({ url: form.getAttribute("data-api"), body: body, kind: kind,
                                   label: label });
    }).then(function (entry) {
      markSaved(form, entry);
      askForBackgroundSync();
      return showPending();
    });
  }

  /* Show, where the entry was made, that it is kept on this phone. */
  function markSaved(form, entry) {
    var dose = entry.kind === "dose" && form.closest("[data-planned-dose]");
    if (dose) {
      markDosePending(dose);
      return;
    }
    var note = form.parentNode.querySelector("[data-saved-here]");
    if (!note) {
      note = document.createElement("p");
      note.className = "notice notice-ok";
      note.setAttribute("data-saved-here", "");
      note.setAttribute("role", "status");
      form.parentNode.insertBefore(note, form);
    }
    note.textContent = text("saved-here");
    if (entry.kind === "side-effect") {  // ready for the next one, with a new key
      form.reset();
      form.querySelector('input[name$="idempotency_key"]').value = "";
      fillToday(form);
    }
  }

  function markDosePending(item, rejected) {
    item.querySelectorAll("form, details, .dose-more").forEach(function (node) {
      node.hidden = true;
    });
    var status = item.querySelector(".dose-status");
    if (status) {
      status.textContent = "";
      var badge = document.createElement("span");
      badge.className = "state state-pending";
      badge.textContent = text(rejected ? "not-saved" : "waiting");
      status.appendChild(badge);
    }
  }

  function interceptForms() {
    document.addEventListener("submit", function (event) {
      var form = event.target.closest("form[data-offline][data-api]");
      if (!form) { return; }
      if (!offlinePage && navigator.onLine) { return; }  // online: the form posts as usual
      event.preventDefault();
      queueForm(form);
    }, true);
  }

  /* --- What waits on this phone. --- */

  function entryItem(entry) {
    var item = document.createElement("li");
    item.className = "list-item";
    var body = document.createElement("div");
    var title = document.createElement("p");
    title.className = "list-title";
    title.textContent = entry.label;
    body.appendChild(title);
    var state = document.createElement("p");
    state.className = entry.status === "rejected" ? "field-error" : "muted";
    if (entry.status === "rejected") {
      var fields = entry.error.fields || {};
      var details = Object.keys(fields).map(function (name) { return fields[name].join(" "); });
      state.textContent = [text("rejected")].concat(
        details.length ? details : [entry.error.message]).join(" ");
    } else {
      state.textContent = text("waiting");
    }
    body.appendChild(state);
    item.appendChild(body);
    if (entry.status === "rejected") {
      item.appendChild(entryButton(text("retry"), function () {
        return TendOffline.retry(entry.key).then(sync);
      }));
      item.appendChild(entryButton(text("remove"), function () {
        return TendOffline.remove(entry.key).then(showPending);
      }));
    }
    return item;
  }

  function entryButton(label, action) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-quiet";
    button.textContent = label;
    button.addEventListener("click", action);
    return button;
  }

  function showPending() {
    var card = document.querySelector("[data-offline-pending]");
    return TendOffline.entries().then(function (entries) {
      if (!card) { return entries; }
      var list = card.querySelector("[data-offline-pending-list]");
      list.textContent = "";
      entries.forEach(function (entry) { list.appendChild(entryItem(entry)); });
      card.hidden = entries.length === 0;
      entries.forEach(function (entry) {
        if (entry.kind !== "dose") { return; }
        var item = document.querySelector('[data-planned-dose="' + entry.body.planned_dose_id + '"]');
        if (item) { markDosePending(item, entry.status === "rejected"); }
      });
      return entries;
    });
  }

  /* --- Sending. --- */

  function askForBackgroundSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) { return registration.sync.register(TendOffline.SYNC_TAG); }
    }).catch(function () { /* the page sends on `online` and on its timer instead */ });
  }

  var syncing = null;

  function sync() {
    if (syncing) { return syncing; }
    syncing = TendOffline.entries().then(function (entries) {
      var waiting = entries.some(function (entry) { return entry.status === "pending"; });
      return waiting && navigator.onLine ? TendOffline.flush() : { sent: 0 };
    }).then(function (outcome) {
      return showPending().then(function () { return outcome; });
    }).then(function (outcome) {
      syncing = null;
      if (outcome.sent && (offlinePage || document.querySelector("[data-planned-dose]"))) {
        window.location.reload();  // show the record as the server now has it
      } else if (keepsRecord && outcome.sent) {
        keepRecord();
      }
      return outcome;
    }, function () { syncing = null; });
    return syncing;
  }

  /* --- The offline page: Today as this phone last saw it. --- */

  function fillToday(scope) {
    var day = localDay(zone);
    scope.querySelectorAll("[data-today]").forEach(function (input) {
      if (!input.value) { input.value = day; }
    });
  }

  function doseItem(template, medication, dose) {
    var item = template.content.firstElementChild.cloneNode(true);
    var name = medication.name + (medication.strength ? " " + medication.strength +
      " " + (medication.unit || "") : "");
    item.querySelector(".dose-name").textContent = name;
    var time = item.querySelector(".dose-time");
    if (time) { time.textContent = dose ? dose.local_time : ""; }
    item.querySelectorAll("[data-dose-label]").forEach(function (label) {
      label.textContent = " " + name + (dose ? " " + dose.local_time : "");
    });
    item.querySelectorAll("form").forEach(function (form) {
      addHidden(form, "medication_id", medication.id);
      if (dose) { addHidden(form, "planned_dose_id", dose.id); }
      addHidden(form, "idempotency_key", newKey());
    });
    if (dose) {
      item.setAttribute("data-planned-dose", dose.id);
      if (dose.event) {
        item.querySelector(".dose-actions").hidden = true;
        var badge = document.createElement("span");
        badge.className = "state state-taken";
        badge.textContent = text(dose.event.status);
        item.querySelector(".dose-status").appendChild(badge);
      }
    }
    return item;
  }

  function addHidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  function showKeptToday() {
    var section = document.querySelector("[data-offline-record]");
    if (!section) { return Promise.resolve(); }
    return TendOffline.owner().then(function (owner) {
      if (!owner) { return null; }
      return TendOffline.snapshot("today");
    }).then(function (kept) {
      if (!kept) { return; }
      var today = kept.data;
      zone = today.timezone;
      section.querySelector("[data-offline-day]").textContent = dayName(today.date);
      section.querySelector("[data-offline-as-of]").textContent = text("as-of",
        new Date(kept.savedAt).toLocaleTimeString(document.documentElement.lang || undefined,
                                                  { hour: "2-digit", minute: "2-digit" }));
      var doses = section.querySelector("[data-offline-doses]");
      var doseTemplate = document.getElementById("offline-dose");
      today.doses.forEach(function (dose) {
        doses.appendChild(doseItem(doseTemplate, dose.medication, dose));
      });
      var asNeeded = section.querySelector("[data-offline-as-needed]");
      today.as_needed.forEach(function (medication) {
        asNeeded.appendChild(doseItem(document.getElementById("offline-as-needed"), medication));
      });
      fillToday(section);
      section.hidden = false;
    });
  }

  /* --- Start. --- */

  interceptForms();
  window.TendShell.ready.then(function () {
    var shown = offlinePage ? showKeptToday() : Promise.resolve();
    return shown.then(showPending);
  }).then(function () {
    document.documentElement.setAttribute("data-offline-ready", "");
    window.addEventListener("online", sync);
    window.setInterval(sync, RETRY_EVERY_MS);
    return sync();
  }).then(function () {
    if (keepsRecord && navigator.onLine) { return keepRecord(); }
  });
})();
