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
 * - A check-in made offline starts from that day's saved one (on the offline page, from the
 *   kept copy of Today) and sends only the fields changed here: an untouched field is left
 *   out, so it never clears a saved value; a field emptied here is sent as null. A check-in
 *   with nothing in it is refused at the form, as online.
 * - Sends the queue when the connection returns (Background Sync where there is one, else on
 *   `online`), when a page opens, and every minute while anything waits.
 * - On the offline page, shows the kept copy of Today with buttons to log each dose, and
 *   notices by itself when the server can be reached again (the `online` event, and a small
 *   probe with back-off): it then sends what waits and opens the page as the server has it.
 * - A very low check-in saved here shows the same gentle line as online (the form's
 *   `data-support-line-at`, from tend/services/support_line.py), at most once a day on this
 *   phone. */
(function () {
  "use strict";

  /* The page's words for scripts, in a <template> so they are never part of the page. */
  function pageText(selector) {
    var words = document.getElementById("pwa-texts");
    return words ? words.content.querySelector(selector) : null;
  }

  var RETRY_EVERY_MS = 60000;
  var PROBE_FIRST_MS = 2000;  // the offline page asks the server again after 2, 4, 8... s
  var PROBE_MOST_MS = 60000;  // and at least once a minute
  var NOT_SENT = ["csrf_token", "next", "confirm_far"];  // form-only fields, not the API's
  var offlinePage = document.body.hasAttribute("data-offline-page");
  var userMeta = document.querySelector('meta[name="tend-user"]');
  var keepsRecord = userMeta && userMeta.hasAttribute("data-keeps-record");
  var zone;  // the client's time zone, from the kept copy of Today

  if (!window.TendOffline || !window.indexedDB || !(offlinePage || keepsRecord)) { return; }

  function text(key, value) {
    var node = pageText('[data-text="' + key + '"]');
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

  /* Today's date in ``timezone`` as YYYY-MM-DD, built from its parts: no locale writes it
   * that way everywhere (WebKit's "en-CA" gives "12/01/2026"). */
  function localDay(timezone) {
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-US", { timeZone: timezone, year: "numeric",
                                         month: "2-digit", day: "2-digit" })
        .formatToParts(new Date()).forEach(function (part) { parts[part.type] = part.value; });
      return parts.year + "-" + parts.month + "-" + parts.day;
    } catch (e) {
      return new Date().toISOString().slice(0, 10);
    }
  }

  /* The offline page's formats for a time of day and a long date, from the same locale data
   * the server writes pages with (tend/formatting.py, page_formats). */
  var formats = JSON.parse(document.documentElement.getAttribute("data-formats") || "{}");

  function written(moment, options, timeZone) {
    var settings = Object.assign({}, options, { timeZone: timeZone });
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, settings)
      .format(moment);
  }

  /* "2026-03-31" as pages write a long date: "Tuesday, March 31". */
  function dayName(isoDate) {
    if (!isoDate) { return ""; }
    return written(new Date(isoDate + "T12:00:00Z"), formats.longDate, "UTC");
  }

  /* A time of day kept as "08:00" as pages write it: "8:00 AM", "08:00". */
  function clockText(localTime) {
    if (!localTime || !formats.time) { return localTime || ""; }
    var parts = localTime.split(":");
    return written(new Date(Date.UTC(2000, 0, 1, +parts[0], +parts[1])), formats.time, "UTC");
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

  function apiName(form, rawName) {
    var prefix = form.getAttribute("data-field-prefix") || "";
    return rawName.indexOf(prefix) === 0 ? rawName.slice(prefix.length) : rawName;
  }

  function payloadFrom(form) {
    var body = {};
    new FormData(form).forEach(function (value, rawName) {
      var name = apiName(form, rawName);
      if (NOT_SENT.indexOf(name) >= 0 || value === "") { return; }
      if (name in body) { body[name] = [].concat(body[name], value); } else { body[name] = value; }
    });
    if (form.getAttribute("data-status")) { body.status = form.getAttribute("data-status"); }
    return body;
  }

  /* --- A check-in: what the form started from, and what was changed here. --- */

  /* {field: value} of the check-in's answers, as the form now holds them (`now`) or as it
   * started (`now` false: the inputs' default values, which are the saved check-in). */
  function checkinAnswers(form, now) {
    var answers = {};
    form.querySelectorAll("input, textarea").forEach(function (input) {
      var name = apiName(form, input.name);
      if (input.type === "hidden" || input.type === "submit" || !name) { return; }
      if (input.type === "radio") {
        if (!(name in answers)) { answers[name] = null; }
        if (now ? input.checked : input.defaultChecked) { answers[name] = input.value; }
        return;
      }
      var value = now ? input.value : input.defaultValue;
      answers[name] = value.trim() === "" ? null : value;
    });
    return answers;
  }

  function asNumber(value) {
    return value === null || isNaN(Number(value)) ? value : Number(value);
  }

  /* The body to send: only the fields changed here (null when emptied), the values the form
   * started from, and when the change was made. Null when there is nothing to save. */
  function checkinChanges(form, body) {
    var started = checkinAnswers(form, false);
    var answers = checkinAnswers(form, true);
    var base = {};
    var changed = false;
    var empty = true;
    Object.keys(answers).forEach(function (name) {
      delete body[name];
      base[name] = name === "note" ? started[name] : asNumber(started[name]);
      if (answers[name] !== null) { empty = false; }
      if (answers[name] !== started[name]) { body[name] = answers[name]; changed = true; }
    });
    if (empty) { return { refused: text("checkin-empty") }; }
    if (!changed) { return { refused: text("checkin-unchanged") }; }
    body.base = base;
    body.edited_at = new Date().toISOString();
    try {  // the day is checked where it was entered, even if the phone flies west first
      body.entered_in = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) { /* no zone: the server checks the day in the account's zone */ }
    return { body: body };
  }

  /* What was saved becomes what the form starts from, so a further change is sent on its own
   * (with a new key) and changes only what it changes. */
  function startFromCurrentAnswers(form) {
    form.querySelectorAll("input, textarea").forEach(function (input) {
      if (input.type === "radio") { input.defaultChecked = input.checked; }
      else if (input.type !== "hidden") { input.defaultValue = input.value; }
    });
    form.querySelector('input[name$="idempotency_key"]').value = "";
  }

  /* The offline form starts from that day's check-in as this phone last saw it. */
  function startFromSaved(form, checkin) {
    form.querySelectorAll("input, textarea").forEach(function (input) {
      var name = apiName(form, input.name);
      if (!checkin || !(name in checkin) || input.type === "hidden") { return; }
      var saved = checkin[name] === null ? "" : String(checkin[name]);
      if (input.type === "radio") {
        input.defaultChecked = input.checked = input.value === saved;
      } else {
        input.defaultValue = input.value = saved;
      }
    });
  }

  function showFormMessage(form, message) {
    var alert = form.querySelector("[data-form-message]");
    if (!message) {
      if (alert) { alert.remove(); }
      return;
    }
    if (!alert) {
      alert = document.createElement("p");
      alert.className = "field-error";
      alert.setAttribute("role", "alert");
      alert.setAttribute("data-form-message", "");
      form.insertBefore(alert, form.querySelector('button[type="submit"]'));
    }
    alert.textContent = message;
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
        return (planned ? clockText(planned.local_time) + " " : "") + what + ": " + text(body.status || "taken");
      });
  }

  function queueForm(form) {
    var kind = form.getAttribute("data-offline");
    var body = payloadFrom(form);
    if (kind === "checkin") {
      var checked = checkinChanges(form, body);
      showFormMessage(form, checked.refused);
      if (checked.refused) { return Promise.resolve(); }
    }
    body.idempotency_key = keyOf(form);
    if (kind === "dose" && body.status === "taken" && !body.taken_at) {
      body.taken_at = new Date().toISOString();  // when it was tapped, not when it syncs
    }
    return labelFor(kind, body).then(function (label) {
      return TendOffline.enqueue({ url: form.getAttribute("data-api"), body: body, kind: kind,
                                   label: label });
    }).then(function (entry) {
      markSaved(form, entry);
      // For what the entry needs now, before any sync (static/js/red-flags.js).
      form.dispatchEvent(new CustomEvent("tend:saved-here", { detail: entry }));
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
    if (entry.kind === "checkin") {
      showSupportLine(form, note);
      startFromCurrentAnswers(form);
    }
    if (entry.kind === "side-effect") {  // ready for the next one, with a new key
      form.reset();
      form.querySelector('input[name$="idempotency_key"]').value = "";
      fillToday(form);
    }
  }

  /* --- The gentle line after a very low check-in. --- */

  var SUPPORT_LINE_DAY = "tend-support-line-day";  // the local day it was last shown here

  function isVeryLow(form) {
    var lowest = JSON.parse(form.getAttribute("data-support-line-at") || "{}");
    var answers = checkinAnswers(form, true);
    return Object.keys(lowest).some(function (name) {
      return answers[name] != null && Number(answers[name]) <= lowest[name];
    });
  }

  /* Claims today for the line on this phone; false when it was shown here today already. */
  function claimSupportLineDay() {
    var day = localDay(zone);
    try {
      if (window.localStorage.getItem(SUPPORT_LINE_DAY) === day) { return false; }
      window.localStorage.setItem(SUPPORT_LINE_DAY, day);
    } catch (e) { /* no storage: show it */ }
    return true;
  }

  function showSupportLine(form, after) {
    var template = document.getElementById("support-line");
    if (!template || !isVeryLow(form) || !claimSupportLineDay()) { return; }
    var line = template.content.firstElementChild.cloneNode(true);
    line.setAttribute("data-support-line", "");
    after.parentNode.insertBefore(line, after.nextSibling);
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
        return outcome;
      }
      if (keepsRecord && outcome.sent) { keepRecord(); }
      return showAlsoChanged().then(function () { return outcome; });
    }, function () { syncing = null; });
    return syncing;
  }

  /* A neutral line when another device had changed the same check-in fields, shown until
   * the person taps OK. */
  function showAlsoChanged() {
    var notice = document.querySelector("[data-offline-also-changed]");
    if (!notice) { return Promise.resolve(); }
    return TendOffline.conflicts().then(function (fields) {
      if (!fields.length) { return; }
      var names = fields.map(function (field) {
        var label = pageText('[data-field-label="' + field + '"]');
        return label ? label.textContent.trim() : field;
      });
      notice.querySelector("p").textContent = text(
        names.length > 1 ? "also-changed-many" : "also-changed", names.join(", "));
      notice.querySelector("button").onclick = function () {
        notice.hidden = true;
        TendOffline.forgetConflicts();
      };
      notice.hidden = false;
    });
  }

  /* --- The offline page: noticing that the server can be reached again. --- */

  function serverAnswers() {
    return fetch("/ping", { method: "HEAD", cache: "no-store", credentials: "omit" })
      .then(function (response) { return response.ok; }, function () { return false; });
  }

  /* Probe after PROBE_FIRST_MS, doubling up to PROBE_MOST_MS, and at once on `online`; once
   * the server answers, send what waits and open the page as the server has it. */
  function watchForServer() {
    var wait = PROBE_FIRST_MS;
    var timer = null;
    function probe() {
      window.clearTimeout(timer);
      serverAnswers().then(function (reachable) {
        if (reachable) {
          return (sync() || Promise.resolve()).then(function () { window.location.reload(); });
        }
        timer = window.setTimeout(probe, wait);
        wait = Math.min(wait * 2, PROBE_MOST_MS);
      });
    }
    window.addEventListener("online", function () { wait = PROBE_FIRST_MS; probe(); });
    timer = window.setTimeout(probe, wait);
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
    if (time) { time.textContent = dose ? clockText(dose.local_time) : ""; }
    item.querySelectorAll("[data-dose-label]").forEach(function (label) {
      label.textContent = " " + name + (dose ? " " + clockText(dose.local_time) : "");
    });
    item.querySelectorAll("form").forEach(function (form) {
      addHidden(form, "medication_id", medication.id);
      if (dose) { addHidden(form, "planned_dose_id", dose.id); }
      if (dose && form.hasAttribute("data-ask-minutes")) {  // static/js/dose-timing.js
        form.setAttribute("data-due-at", dose.due_at);
        form.setAttribute("data-dose-time", clockText(dose.local_time));
      }
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
        written(new Date(kept.savedAt), formats.time, zone));
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
      var checkin = section.querySelector("form[data-offline=checkin]");
      var day = checkin.querySelector("[data-today]").value;
      if (today.checkin && today.checkin.date === day) { startFromSaved(checkin, today.checkin); }
      section.hidden = false;
    });
  }

  /* --- Start. --- */

  interceptForms();
  window.TendShell.ready.then(function () {
    var shown = offlinePage ? showKeptToday() : Promise.resolve();
    return shown.then(showPending).then(showAlsoChanged);
  }).then(function () {
    document.documentElement.setAttribute("data-offline-ready", "");
    if (offlinePage) { watchForServer(); }
    window.addEventListener("online", sync);
    window.setInterval(sync, RETRY_EVERY_MS);
    return sync();
  }).then(function () {
    if (keepsRecord && navigator.onLine) { return keepRecord(); }
  });
})();
