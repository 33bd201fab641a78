// Buttons marked `data-print` print the page (no inline handler: the CSP forbids them).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
