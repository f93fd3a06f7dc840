/* Today: when the phone's time zone differs from the account's, a notice offers the travel
 * choice ("Your phone is on Tokyo time. Your doses follow New York time."). The server
 * words it (GET data-zone-notice-url?zone=..., 204 when the clocks read the same) and its
 * buttons post the choice as a plain form. "Don't ask again" hides it for that zone on this
 * phone. Without this script there is no notice; the account page offers the same choice. */
(function () {
  "use strict";

  var DISMISSED = "tend-zone-notice-dismissed";

  function dismissedZones() {
    try {
      var zones = JSON.parse(window.localStorage.getItem(DISMISSED) || "[]");
      return Array.isArray(zones) ? zones : [];
    } catch (error) {
      return [];
    }
  }

  function dismiss(zone) {
    var zones = dismissedZones().filter(function (known) { return known !== zone; });
    zones.push(zone);
    try {
      window.localStorage.setItem(DISMISSED, JSON.stringify(zones.slice(-20)));
    } catch (error) { /* private mode: it only shows again next time */ }
  }

  function phoneZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function show(slot, zone, html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var notice = parsed.querySelector("[data-zone-notice]");
    if (!notice) { return; }
    slot.replaceChildren(document.importNode(notice, true));
    slot.querySelector("[data-zone-notice-dismiss]").addEventListener("click", function () {
      dismiss(zone);
      slot.replaceChildren();
      var heading = document.querySelector("h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    });
  }

  function start() {
    var slot = document.querySelector("[data-zone-notice-url]");
    var zone = phoneZone();
    if (!slot || !zone || zone === slot.getAttribute("data-zone-here") ||
        dismissedZones().indexOf(zone) >= 0) {
      return;
    }
    var url = slot.getAttribute("data-zone-notice-url") + "?zone=" + encodeURIComponent(zone);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.status === 200 ? response.text() : ""; })
      .then(function (html) { if (html) { show(slot, zone, html); } })
      .catch(function () { /* offline or a passing failure: no notice this time */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
