// Forms of the portal, without inline scripts (the Content-Security-Policy forbids them).
// - After a failed submit, the error summary takes the focus, so that screen-reader and keyboard
//   users land on it; each of its links moves the focus to its field.
(function () {
  "use strict";
  function ready() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
    document.querySelectorAll("[data-error-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("data-error-link"));
        if (!field) return;
        event.preventDefault();
        field.scrollIntoView({ block: "center" });
        field.focus();
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
