// A light touch: the province → city → county selects follow each other, list facts get
// "add row" / "remove row", and the notice page prints. Every page works without it.
"use strict";
(function () {
  function filterJurisdiction(form) {
    var province = form.querySelector('select[data-level="province"]');
    var city = form.querySelector('select[data-level="city"]');
    var county = form.querySelector('select[data-level="county"]');
    if (!province || !city || !county) return;
    function follow(parentSelect, childSelect) {
      var parent = parentSelect.value;
      Array.prototype.forEach.call(childSelect.options, function (option) {
        var fits = !option.value || !parent || option.dataset.parent === parent;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) childSelect.value = "";
      });
    }
    function update() { follow(province, city); follow(city, county); if (!city.value) county.value = ""; }
    province.addEventListener("change", update);
    city.addEventListener("change", update);
    update();
  }

  function addRow(button) {
    var fact = button.dataset.fact;
    var table = document.querySelector('table.rows[data-fact="' + fact + '"]');
    var template = document.getElementById("row-" + fact);
    if (!table || !template) return;
    var index = parseInt(table.dataset.next || "0", 10);
    table.dataset.next = String(index + 1);
    var html = template.innerHTML.replace(/__i__/g, String(index));
    var body = table.tBodies[0];
    body.insertAdjacentHTML("beforeend", html);
    var first = body.lastElementChild && body.lastElementChild.querySelector("input, select");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList.contains("add-row")) { event.preventDefault(); addRow(target); }
    else if (target.classList.contains("remove-row")) {
      event.preventDefault();
      var row = target.closest("tr");
      if (row) row.remove();
    } else if (target.classList.contains("print-button")) { window.print(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("jurisdiction");
    if (form) filterJurisdiction(form);
  });
})();
