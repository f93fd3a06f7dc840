// Invitation sharing: the phone's share sheet where there is one, else copying the link.
// The buttons stay hidden when neither works; the link and code are on the page anyway.
// What a person sees: a category's from/until days show only while its box is ticked
// (without this script they all show, and the server ignores those of unticked boxes).
(function () {
  "use strict";
  function status(text) {
    var el = document.querySelector("[data-share-status]");
    if (el) { el.textContent = text; }
  }
  document.querySelectorAll("[data-share-url]").forEach(function (button) {
    if (!navigator.share) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({
        title: button.dataset.shareTitle,
        text: button.dataset.shareText,
        url: button.dataset.shareUrl
      }).catch(function () { /* closed without sharing: nothing to do */ });
    });
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        status(button.dataset.copied);
      });
    });
  });
  document.querySelectorAll("[data-grant-dates]").forEach(function (dates) {
    var box = document.getElementById(dates.dataset.grantDates);
    if (!box) { return; }
    function follow() { dates.hidden = !box.checked; }
    box.addEventListener("change", follow);
    follow();
  });
})();
