/* Red flags on the phone: symptoms that call for help now.
 *
 * Reads the same data file as the server (static/data/red_flags.json, precached by the
 * service worker) and normalises text exactly as tend/services/red_flags.py does (a test runs
 * both over the same cases), so an entry made offline gets the server's answer at once:
 * - while the symptom is typed, or an urgent choice ("Needs help now") is tapped, the
 *   guidance shows under the field;
 * - when an entry is kept on this phone (offline-record.js fires `tend:saved-here` on the
 *   form), the guidance for what was saved shows above the form: urgent at any severity,
 *   "contact your prescriber soon" for another severe one.
 * The guidance's words are the page's own (<template id="red-flag-guidance">). */
(function (root) {
  "use strict";

  var APOSTROPHES = /['\u2018\u2019\u02bc\u0060\u00b4]/g;
  var NOT_A_WORD = /[^\p{L}\p{N}]+/gu;

  /* Lower case, apostrophes dropped, other punctuation as spaces, and a final "s" dropped
   * from words longer than 3 letters (not "ss"): as `normalise` in red_flags.py. */
  function normalise(text) {
    var words = String(text || "").normalize("NFKC").toLowerCase().replace(APOSTROPHES, "")
      .replace(NOT_A_WORD, " ").split(" ").filter(Boolean);
    return words.map(function (word) {
      var long = Array.from(word).length > 3;
      return long && /s$/.test(word) && !/ss$/.test(word) ? word.slice(0, -1) : word;
    }).join(" ");
  }

  function contains(padded, phrase) {
    return padded.indexOf(" " + normalise(phrase) + " ") >= 0;
  }

  /* The first group (in the file's order) that `symptom` mentions, or null. `labels` maps a
   * group's id to its label as the form shows it (matched too, in the page's language). */
  function matchingGroup(groups, symptom, labels) {
    var padded = " " + normalise(symptom) + " ";
    return groups.filter(function (group) {
      var label = labels && labels[group.id];
      return (label && contains(padded, label)) ||
        group.phrases.some(function (phrase) { return contains(padded, phrase); }) ||
        (group.together || []).some(function (parts) {
          return parts.every(function (part) { return contains(padded, part); });
        });
    })[0] || null;
  }

  /* "crisis" or "emergency" for a red flag at any severity, "prescriber" for another severe
   * entry, else null: as `guidance_for` in red_flags.py. */
  function guidanceFor(groups, symptom, severity, labels) {
    var group = matchingGroup(groups, symptom, labels);
    if (group) { return group.guidance; }
    return severity === "severe" ? "prescriber" : null;
  }

  var api = { normalise: normalise, matchingGroup: matchingGroup, guidanceFor: guidanceFor };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;  // tests/test_red_flags.py runs this matcher under node
    return;
  }
  root.TendRedFlags = api;

  /* --- The page. --- */

  var texts = document.getElementById("red-flag-guidance");
  if (!texts || !window.fetch) { return; }

  function guidanceNode(kind, symptom) {
    var section = texts.content.querySelector('[data-guidance="' + kind + '"]');
    if (!section) { return null; }
    var node = section.cloneNode(true);
    var said = node.querySelector("[data-symptom-text]");
    if (said) { said.textContent = said.textContent.replace("{}", symptom.trim()); }
    return node;
  }

  /* The guidance of `kind` (none for null) in `box`, left alone if it already shows it. */
  function show(box, kind, symptom) {
    var key = kind ? kind + ":" + symptom.trim() : "";
    if ((box.getAttribute("data-shown") || "") === key) { return; }
    box.setAttribute("data-shown", key);
    box.textContent = "";
    var node = kind && guidanceNode(kind, symptom);
    if (node) { box.appendChild(node); }
  }

  function labelsOf(words) {
    var labels = {};
    words.querySelectorAll("[data-red-flag-label]").forEach(function (label) {
      labels[label.getAttribute("data-red-flag-label")] = label.textContent.trim();
    });
    return labels;
  }

  function watch(form, groups, labels) {
    var input = form.querySelector('input[name$="symptom"]');
    var live = form.querySelector("[data-red-flag-live]");
    if (!input || !live) { return; }
    function update() {  // named by the group, so typing on doesn't announce it again
      var group = matchingGroup(groups, input.value, labels);
      show(live, group ? group.guidance : null, group ? labels[group.id] || input.value : "");
    }
    input.addEventListener("input", update);
    form.addEventListener("reset", function () { show(live, null, ""); });
    form.querySelectorAll("[data-fill-symptom]").forEach(function (choice) {
      choice.addEventListener("click", function (event) {
        event.preventDefault();  // a link opens the form with it filled in, without the script
        input.value = choice.getAttribute("data-fill-symptom");
        update();
        input.focus();
      });
    });
    form.addEventListener("tend:saved-here", function (event) {
      var body = event.detail.body;
      var saved = form.parentNode.querySelector("[data-red-flag-saved]");
      if (saved) {
        show(saved, guidanceFor(groups, body.symptom, body.severity, labels), body.symptom || "");
      }
    });
    update();
  }

  fetch(texts.getAttribute("data-red-flags-url"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var labels = labelsOf(texts.content);
      document.querySelectorAll("form[data-red-flag-form]").forEach(function (form) {
        watch(form, data.groups, labels);
      });
      document.documentElement.setAttribute("data-red-flags-ready", "");
    })
    .catch(function () { /* no copy of the list: the server still answers once online */ });
})(this);
