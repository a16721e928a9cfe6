/* chitieu report form: live sums and the same checks the server makes, so the officer sees a
   problem while typing. The server still decides (this only explains). */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var T = JSON.parse(document.getElementById("entry-text").textContent);
  var minBirths = +form.dataset.min, low = +form.dataset.low, high = +form.dataset.high;
  var locale = document.documentElement.lang === "vi" ? "vi-VN" : "en-GB";
  var orders = ["O1", "O2", "O3P"];

  function t(key, values) {
    var s = T[key] || key;
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }
  function fmt(x, d) { return new Intl.NumberFormat(locale, {maximumFractionDigits: d || 0}).format(x); }
  function read(name) {
    var el = form.elements[name];
    if (!el) return {value: null};
    var text = el.value.replace(/\s/g, "");
    if (text === "") { el.removeAttribute("aria-invalid"); return {value: null}; }
    if (!/^[+-]?\d+$/.test(text)) { el.setAttribute("aria-invalid", "true"); return {value: null, bad: t("not_integer", {value: text})}; }
    var v = parseInt(text, 10);
    if (v < 0) { el.setAttribute("aria-invalid", "true"); return {value: null, bad: t("negative", {value: v})}; }
    el.removeAttribute("aria-invalid");
    return {value: v};
  }

  function update() {
    var boys = 0, girls = 0, complete = true, problems = [];
    orders.forEach(function (o) {
      var m = read("M_" + o), f = read("F_" + o);
      [m, f].forEach(function (x) { if (x.bad) problems.push(x.bad); if (x.value === null) complete = false; });
      boys += m.value || 0; girls += f.value || 0;
      var cell = form.querySelector("[data-rowsum='" + o + "']");
      cell.textContent = m.value === null && f.value === null ? "–" : fmt((m.value || 0) + (f.value || 0));
    });
    form.querySelector("[data-sum='M']").textContent = fmt(boys);
    form.querySelector("[data-sum='F']").textContent = fmt(girls);
    form.querySelector("[data-sum='all']").textContent = fmt(boys + girls);
    // The other figures (the total, the activities): every number field the page drew.
    Array.prototype.forEach.call(form.querySelectorAll("input.n"), function (el) {
      if (/^[MF]_/.test(el.name)) return;  // the births, read above
      var x = read(el.name); if (x.bad) problems.push(x.bad);
    });
    var total = read("TOTAL").value;
    var lines = [];
    if (boys + girls > 0) {
      lines.push(girls ? t("srb_live", {srb: fmt(100 * boys / girls, 1), births: fmt(boys + girls)}) : "");
    }
    if (total !== null && complete) {
      lines.push(total === boys + girls ? t("total_ok") :
        t("total_bad", {boys: boys, girls: girls, sum: boys + girls, total: total}));
    }
    document.getElementById("live-check").textContent = problems.concat(lines).filter(Boolean).join(" · ");
    var box = document.getElementById("confirm-box");
    if (complete && boys + girls > minBirths) {
      var srb = girls ? 100 * boys / girls : null;
      if (srb === null || srb < low || srb > high) {
        document.getElementById("confirm-text").textContent = srb === null ?
          t("srb_no_girls", {births: boys + girls, min_births: minBirths}) :
          t("srb_confirm", {srb: fmt(srb, 1), births: boys + girls, low: low, high: high, min_births: minBirths});
        box.hidden = false;
        return;
      }
    }
    if (!box.querySelector("input").checked) box.hidden = true;
  }
  form.addEventListener("input", update);
  update();
})();
