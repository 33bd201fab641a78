// The target's public, places and criteria shown beside the referral form's select.
(function () {
  var data = JSON.parse(document.getElementById("target-data").textContent || "{}");
  var select = document.getElementById("id_target");
  var box = document.getElementById("target-info");
  if (!select || !box) return;
  function show() {
    var info = data[select.value];
    box.textContent = "";
    if (!info) return;
    var title = document.createElement("p");
    title.innerHTML = "<strong></strong>";
    title.firstChild.textContent = info.title;
    box.appendChild(title);
    [["Public accueilli : ", info.publics], ["Places : ", info.places], ["Critères d'admission : ", info.criteria]].forEach(function (row) {
      if (!row[1]) return;
      var p = document.createElement("p");
      p.textContent = row[0] + row[1];
      box.appendChild(p);
    });
  }
  select.addEventListener("change", show);
  show();
})();
