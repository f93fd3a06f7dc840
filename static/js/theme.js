/* The account's theme on the offline page. That page names nobody, so the server can't give
 * its <html> the account's class: signed-in pages note the choice on this phone, and the
 * offline page (which loads this script without `defer`, before its first paint) applies
 * it. With no note, or "system", the device's light or dark setting applies (app.css). */
(function () {
  "use strict";
  var KEY = "tend-theme";
  var root = document.documentElement;
  try {
    if (root.hasAttribute("data-theme-kept")) {
      var kept = localStorage.getItem(KEY);
      if (kept === "light" || kept === "dark") { root.classList.add("theme-" + kept); }
    } else if (root.hasAttribute("data-theme")) {
      localStorage.setItem(KEY, root.getAttribute("data-theme"));
    }
  } catch (e) { /* no storage: the device's setting applies */ }
})();
