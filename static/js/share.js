// Invitation sharing: the phone's share sheet where there is one, else copying the link.
// The buttons stay hidden when neither works; the link and code are on the page anyway.
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
})();
