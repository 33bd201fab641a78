// Proposes the message template of the chosen decline reason (without overwriting what was typed).
(function () {
  var templates = JSON.parse(document.getElementById("decline-templates").textContent);
  document.querySelectorAll("form").forEach(function (form) {
    var reason = form.querySelector("[name=reason]");
    var message = form.querySelector("[name=message]");
    if (!reason || !message) return;
    var proposed = "";
    reason.addEventListener("change", function () {
      var text = templates[reason.value] || "";
      if (!message.value.trim() || message.value === proposed) {
        message.value = text;
        proposed = text;
      }
    });
  });
})();
