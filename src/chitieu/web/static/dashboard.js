/* chitieu dashboard: draws each section from /api/dashboard/<section> as soon as it arrives.
   Plain browser JavaScript and the vendored ECharts; no framework, no network beyond this
   server. Marks "chitieu:first-chart" when the first chart has finished drawing. */
(function () {
  "use strict";

  var root = document.getElementById("dashboard");
  var T = JSON.parse(document.getElementById("chart-text").textContent);
  var inlineEl = document.getElementById("inline-data");
  var inline = inlineEl ? JSON.parse(inlineEl.textContent) : null;
  var lang = root.dataset.lang;
  var unit = root.dataset.unit;
  var year = +root.dataset.year;
  var charts = [];
  var firstChart = false;
  var COLORS = {
    observed: "#55606e", smoothed: "#0b6e4f", band: "rgba(11,110,79,0.18)",
    proj: "#c26d00", projBand: "rgba(194,109,0,0.16)", target: "#c0392b",
    high: "#c0392b", low: "#2563a6", none: "#7b8794", pooled: "#0b6e4f", year: "#55606e"
  };
  var locale = lang === "vi" ? "vi-VN" : "en-GB";

  function fmt(x, digits) {
    if (x === null || x === undefined || isNaN(x)) return "–";
    return new Intl.NumberFormat(locale, {
      minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0
    }).format(x);
  }
  function interval(v, digits) {
    if (!v || v.lower === null || v.upper === null) return "";
    return fmt(v.lower, digits) + "–" + fmt(v.upper, digits);
  }
  function pct(p) { return p === null || p === undefined ? "–" : fmt(100 * p, 0) + " %"; }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c];
    });
  }
  function t(key, values) {
    var s = T[key] || key;
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }
  function $(sel, el) { return (el || document).querySelector(sel); }
  /* an axis bound rounded outwards to a round step (1, 2, 5, 10, 20 …) for readable ticks */
  function nice(v, dir) {
    var step = Math.abs(v) >= 100 ? 5 : 1;
    return dir < 0 ? Math.floor(v / step) * step : Math.ceil(v / step) * step;
  }

  function load(name) {
    if (inline) return Promise.resolve(inline[name]);
    var started = window.__chitieu && window.__chitieu[name];
    var req = started || fetch("/api/dashboard/" + name + "?unit=" + encodeURIComponent(unit) +
      "&year=" + year + "&lang=" + lang, {credentials: "same-origin"});
    return req.then(function (r) {
      if (!r.ok) throw new Error(name + ": HTTP " + r.status);
      if (r.headers.get("X-Chitieu-Stale")) stale[name] = r.headers.get("X-Chitieu-Computed-At");
      return r.json();
    });
  }

  /* A section served while it is being computed again says when its figures were computed,
     in Vietnam time. */
  var stale = {};
  function staleNote(name, sectionId) {
    var sec = document.getElementById(sectionId);
    var at = stale[name] && new Date(stale[name]);
    if (!sec || !at || isNaN(at)) return;
    var v = {};  /* day, month, hour and minute in Vietnam: 14:05, 06/12 in either language */
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23"
    }).formatToParts(at).forEach(function (part) { v[part.type] = part.value; });
    var p = document.createElement("p");
    p.className = "small stale";
    p.textContent = t("section_stale", {time: v.hour + ":" + v.minute, date: v.day + "/" + v.month});
    sec.appendChild(p);
  }

  /* ECharts arrives with an async script, maybe after this one: charts wait for it, the
     numbers do not. */
  var echartsReady = new Promise(function (resolve, reject) {
    if (window.echarts) return resolve(window.echarts);
    var script = document.getElementById("echarts-js");
    if (script.dataset.failed) return reject(new Error("chart library not loaded"));
    script.addEventListener("load", function () { resolve(window.echarts); });
    script.addEventListener("error", function () { reject(new Error("chart library not loaded")); });
  });

  /* Each chart's promise settles when it has finished drawing: the page counts as loaded
     only when every chart is drawn, not when its data has merely arrived. */
  var drawing = [];
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return Promise.resolve(null);
    var drawn = echartsReady.then(function (echarts) {
      return new Promise(function (resolve) {
        var c = echarts.init(el, null, {renderer: "canvas"});
        c.on("finished", function () {
          if (!firstChart) {
            firstChart = true;
            if (window.performance && performance.mark) performance.mark("chitieu:first-chart");
          }
          el.setAttribute("data-drawn", "1");
          resolve(c);
        });
        option.animation = false;
        option.textStyle = {fontFamily: "inherit"};
        c.setOption(option);
        charts.push(c);
      });
    });
    drawing.push(drawn.catch(function (e) {
      var section = el.closest("section");
      if (section) failed(section.id, e);
      return null;
    }));
    return drawn;
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  function noData(id) {
    var el = document.getElementById(id);
    if (!el) return;
    el.innerHTML = "<p class='nodata'>" + esc(t("no_data")) + "</p>";
    el.classList.add("empty");
  }

  function failed(sectionId, err) {
    var sec = document.getElementById(sectionId);
    if (!sec) return;
    var p = document.createElement("p");
    p.className = "alert warn";
    p.textContent = t("section_failed");
    sec.appendChild(p);
    if (window.console) console.warn(err);
  }

  function kpi(id, value, note, tone) {
    var el = document.getElementById(id);
    $("[data-v]", el).textContent = value;
    if (note !== undefined) $("[data-n]", el).textContent = note;
    if (tone) el.classList.add("tone-" + tone);
  }

  /* whiskers: vertical segments [x, lo]–[x, hi] separated by gaps, drawn as one line series */
  function whiskers(rows, xi, loi, hii) {
    var out = [];
    rows.forEach(function (r) {
      if (r[loi] === null || r[hii] === null) return;
      out.push([r[xi], r[loi]], [r[xi], r[hii]], [r[xi], null]);
    });
    return out;
  }
  function hwhiskers(items) {
    var out = [];
    items.forEach(function (it) { out.push([it.lo, it.y], [it.hi, it.y], [null, it.y]); });
    return out;
  }
  /* ---- scorecard ---------------------------------------------------------------------- */
  function drawScorecard(d) {
    var body = $("#sec-scorecard [data-body]");
    $("#sec-scorecard [data-rules]").textContent = d.rules;
    if (!d.targets.length) { body.innerHTML = "<p class='muted'>" + esc(t("no_targets")) + "</p>"; return; }
    body.innerHTML = d.targets.map(function (x) {
      var digits = x.indicator.indexOf("SRB") === 0 ? 1 : 1;
      var latest = x.latest ? fmt(x.latest.value, digits) : "–";
      var iv = x.latest && x.latest.lower !== null ? t("interval95", {iv: interval(x.latest, digits)}) : "";
      var goal = x.goal === null ? "" : (x.direction === "at_most" ? "≤ " : "≥ ") + fmt(x.goal, 1) +
        " (" + x.target_year + ")";
      var prob = x.prob === null ? "" : "<div class='prob'><span>" + esc(t("prob_met")) +
        "</span><b>" + pct(x.prob) + "</b><span class='meter'><i style='width:" +
        Math.round(100 * x.prob) + "%'></i></span></div>";
      var change = x.required_change === null ? "" : "<div class='muted small'>" +
        esc(t("change_needed", {need: fmt(x.required_change, 2), seen: fmt(x.observed_change, 2),
          se: x.observed_change_se === null ? "–" : fmt(x.observed_change_se, 2)})) + "</div>";
      /* which target binds, what meeting this one leaves unmet, what the data can detect */
      var notes = (x.notes || []).map(function (n) { return "<div class='small note'>" + esc(n) + "</div>"; }).join("");
      return "<article class='target tone-" + x.tone + "'>" +
        "<header><span class='status'>" + esc(x.status_label) + "</span><span class='plan'>" + esc(x.plan) + "</span></header>" +
        "<h3>" + esc(x.description) + "</h3>" +
        "<div class='figure'><b>" + latest + "</b> <span class='unit'>" + esc(x.unit_label) + "</span>" +
        (x.latest ? " <span class='muted'>(" + x.latest.year + ")</span>" : "") + "</div>" +
        "<div class='muted small'>" + esc(iv) + "</div>" +
        (goal ? "<div class='goal'>" + esc(t("goal")) + ": <b>" + esc(goal) + "</b></div>" : "") +
        prob + change + notes + "</article>";
    }).join("");
    if (window.performance && performance.mark) performance.mark("chitieu:scorecard");
  }

  /* ---- SRB trend ----------------------------------------------------------------------- */
  /* Years on a category axis: every series is an array aligned on `years` (null = nothing). */
  function aligned(years, rows, col) {
    var at = {};
    rows.forEach(function (r) { at[r[0]] = r[col]; });
    return years.map(function (y) { return at[y] === undefined ? null : at[y]; });
  }
  function stackedBand(years, rows, name, color, stack) {
    var lo = aligned(years, rows, 2), hi = aligned(years, rows, 3);
    var width = lo.map(function (v, i) { return v === null || hi[i] === null ? null : +(hi[i] - v).toFixed(3); });
    return [
      {type: "line", name: name, data: lo, stack: stack, symbol: "none", silent: true,
       lineStyle: {opacity: 0}, tooltip: {show: false}},
      {type: "line", name: name, data: width, stack: stack, symbol: "none", silent: true,
       lineStyle: {opacity: 0}, areaStyle: {color: color, opacity: 1}, tooltip: {show: false}}
    ];
  }
  function drawTrend(d) {
    var target = d.target;
    if (target) {
      $("#kpi-prob [data-l]").textContent = t("kpi_prob_target", {value: fmt(target.value, 0), year: target.year});
      var tone = d.prob_target_met === null ? null : d.prob_target_met >= 0.8 ? "good" : d.prob_target_met >= 0.2 ? "warn" : "bad";
      kpi("kpi-prob", pct(d.prob_target_met), t("kpi_prob_note"), tone);
    } else {
      kpi("kpi-prob", "–", t("no_target_line"));
    }
    if (!d.observed.length) { noData("chart-trend"); return; }
    var first = d.observed[0][0];
    var last = d.projection.length ? d.projection[d.projection.length - 1][0] : d.observed[d.observed.length - 1][0];
    var years = [];
    for (var y = first; y <= last; y++) years.push(y);
    var cats = years.map(String);
    var series = [];
    if (d.smoothed.length) series = series.concat(stackedBand(years, d.smoothed, t("band_smoothed"), COLORS.band, "s"));
    var proj = [];
    if (d.projection.length) {
      proj = (d.smoothed.length ? [d.smoothed[d.smoothed.length - 1]] : []).concat(d.projection);
      series = series.concat(stackedBand(years, proj, t("band_projection"), COLORS.projBand, "p"));
    }
    /* each year's interval: a transparent bar up to the lower bound, a thin bar to the upper */
    var oLo = aligned(years, d.observed, 2), oHi = aligned(years, d.observed, 3);
    series.push({type: "bar", data: oLo, stack: "w", barWidth: 2, silent: true, itemStyle: {color: "transparent"}, tooltip: {show: false}});
    series.push({type: "bar", name: t("observed_interval"), stack: "w", barWidth: 2, silent: true,
      data: oLo.map(function (v, i) { return v === null || oHi[i] === null ? null : +(oHi[i] - v).toFixed(3); }),
      itemStyle: {color: COLORS.observed, opacity: 0.55}, tooltip: {show: false}});
    var rowOf = function (rows) { var at = {}; rows.forEach(function (r) { at[r[0]] = r; }); return at; };
    var obs = rowOf(d.observed), sm = rowOf(d.smoothed), pr = rowOf(proj);
    series.push({type: "line", name: t("observed"), data: aligned(years, d.observed, 1), symbol: "circle", symbolSize: 7,
      showAllSymbol: true, lineStyle: {opacity: 0}, color: COLORS.observed, z: 5, connectNulls: false});
    if (d.smoothed.length) {
      series.push({type: "line", name: t("smoothed"), data: aligned(years, d.smoothed, 1), symbol: "none",
        lineStyle: {width: 3, color: COLORS.smoothed}, color: COLORS.smoothed, z: 4});
    }
    if (proj.length) {
      series.push({type: "line", name: t("projection"), data: aligned(years, proj, 1), symbol: "none",
        lineStyle: {type: "dashed", width: 2.5, color: COLORS.proj}, color: COLORS.proj, z: 4});
    }
    if (target) {
      series.push({type: "line", name: t("goal"), data: [], color: COLORS.target,
        markLine: {symbol: "none", silent: true, lineStyle: {color: COLORS.target, type: "dashed", width: 2},
          label: {formatter: t("target_label", {value: fmt(target.value, 0), year: target.year}), position: "insideEndTop", color: COLORS.target},
          data: [{yAxis: target.value}]}});
    }
    var ys = [];
    d.observed.concat(d.smoothed, d.projection).forEach(function (r) { [r[1], r[2], r[3]].forEach(function (v) { if (v !== null) ys.push(v); }); });
    if (target) ys.push(target.value);
    var line = function (label, r, digits) {
      return r ? esc(label) + ": <b>" + fmt(r[1], digits) + "</b> (" + t("ci95") + " " + fmt(r[2], digits) + "–" + fmt(r[3], digits) + ")<br>" : "";
    };
    chart("chart-trend", {
      grid: {left: 48, right: 24, top: 40, bottom: 30},
      legend: {top: 0, data: [t("observed"), t("smoothed"), t("projection")].concat(target ? [t("goal")] : [])},
      tooltip: {trigger: "axis", axisPointer: {type: "line"}, formatter: function (ps) {
        var yr = +ps[0].axisValue;
        return "<b>" + yr + "</b><br>" + line(t("observed"), obs[yr], 1) + line(t("smoothed"), sm[yr], 1) +
          (yr > (d.smoothed.length ? d.smoothed[d.smoothed.length - 1][0] : 9999) ? line(t("projection"), pr[yr], 1) : "");
      }},
      xAxis: {type: "category", data: cats, boundaryGap: true, axisTick: {alignWithLabel: true}},
      yAxis: {type: "value", name: t("srb_axis"), nameTextStyle: {align: "left"},
        min: nice(Math.min.apply(null, ys) - 0.5, -1), max: nice(Math.max.apply(null, ys) + 0.5, 1)},
      series: series
    });
  }

  /* ---- SRB by birth order and missing girls -------------------------------------------- */
  function drawSignatures(d) {
    if (d.srb) {
      var tone = d.srb.value > 109 ? "bad" : d.srb.value > 107 ? "warn" : "good";
      var note = t("kpi_srb_detail", {iv: interval(d.srb, 1), births: fmt(d.srb.num + d.srb.den, 0)});
      /* a year whose births are still arriving is labelled, and a later one shown beside */
      if (d.completeness && !d.completeness.complete) note += " · " + d.completeness.text;
      kpi("kpi-srb", fmt(d.srb.value, 1), note, tone);
    } else {
      kpi("kpi-srb", "–", t("no_data"));
    }
    if (d.provisional) {
      var later = document.createElement("div");
      later.className = "kpi-note muted";
      later.setAttribute("data-provisional", d.provisional.year);
      later.textContent = t("kpi_provisional", {year: d.provisional.year,
        srb: d.provisional.srb ? fmt(d.provisional.srb.value, 1) + " (" + interval(d.provisional.srb, 1) + ")" : "–",
        text: d.provisional.text});
      document.getElementById("kpi-srb").appendChild(later);
    }
    var m = d.missing;
    if (m.latest) {
      kpi("kpi-missing", fmt(m.latest.value, 0), t("interval95", {iv: interval(m.latest, 0)}), m.latest.lower > 0 ? "bad" : null);
    } else {
      kpi("kpi-missing", "–", t("no_data"));
    }
    var rows = [{name: t("all_births"), year: d.srb, pooled: null}].concat(d.orders);
    var names = rows.map(function (r) { return r.code ? t("lbl_" + r.code) : r.name; });
    var pts = {year: [], pooled: []};
    var bars = {year: [], pooled: []};
    var xs = [];
    rows.forEach(function (r, i) {
      [["year", -0.15], ["pooled", 0.15]].forEach(function (g) {
        var v = r[g[0]];
        if (!v || v.value === null) return;
        pts[g[0]].push([v.value, i + g[1], v.lower, v.upper, v.den + v.num]);
        if (v.lower !== null && v.upper !== null && isFinite(v.upper)) {
          bars[g[0]].push({lo: v.lower, hi: Math.min(v.upper, 250), y: i + g[1]});
          xs.push(v.lower, Math.min(v.upper, 250));
        }
        xs.push(v.value);
      });
    });
    xs.push(106.3, 109);
    var hasOrders = pts.year.length + pts.pooled.length > 0;
    if (!hasOrders) noData("chart-orders");
    var tip = function (p) {
      var v = p.data;
      return esc(names[Math.round(v[1])]) + "<br>" + esc(p.seriesName) + ": <b>" + fmt(v[0], 1) + "</b> (" +
        t("ci95") + " " + fmt(v[2], 1) + "–" + fmt(v[3], 1) + ")<br>" + t("births_n", {n: fmt(v[4], 0)});
    };
    if (hasOrders) chart("chart-orders", {
      grid: {left: 8, right: 20, top: 44, bottom: 30, containLabel: true},
      legend: {top: 0, data: [t("in_year", {year: d.year}), t("pooled_years", {period: d.pooled_period})]},
      tooltip: {trigger: "item", formatter: tip},
      xAxis: {type: "value", name: t("srb_short"), nameLocation: "middle", nameGap: 22, axisLine: {onZero: false},
        min: nice(Math.min.apply(null, xs) - 2, -1), max: nice(Math.max.apply(null, xs) + 2, 1)},
      yAxis: {type: "value", inverse: true, min: -1, max: rows.length, interval: 1,
        splitLine: {show: false}, axisTick: {show: false}, axisLine: {show: false},
        axisLabel: {formatter: function (v) { return names[v] || ""; }, width: 150, overflow: "break"}},
      series: [
        {type: "line", data: hwhiskers(bars.year), symbol: "none", connectNulls: false, silent: true,
         lineStyle: {width: 2, color: COLORS.year}, tooltip: {show: false}},
        {type: "line", data: hwhiskers(bars.pooled), symbol: "none", connectNulls: false, silent: true,
         lineStyle: {width: 4, color: COLORS.pooled, opacity: 0.55}, tooltip: {show: false}},
        {type: "scatter", name: t("in_year", {year: d.year}), data: pts.year, symbolSize: 9, color: COLORS.year, z: 5},
        {type: "scatter", name: t("pooled_years", {period: d.pooled_period}), data: pts.pooled, symbolSize: 9, color: COLORS.pooled, z: 5,
         markLine: {symbol: "none", silent: true, data: [
           {xAxis: 106.3, label: {show: false}, lineStyle: {color: COLORS.none, type: "dotted"}},
           {xAxis: 109, label: {formatter: "109", position: "start", color: COLORS.target}, lineStyle: {color: COLORS.target, type: "dashed"}}]}}
      ]
    });
    if (!m.series.length) { noData("chart-missing"); return; }
    chart("chart-missing", {
      grid: {left: 8, right: 16, top: 34, bottom: 24, containLabel: true},
      tooltip: {trigger: "item", formatter: function (p) {
        var v = p.data;
        return "<b>" + v[0] + "</b><br>" + fmt(v[1], 0) + " (" + t("ci95") + " " + fmt(v[2], 0) + "–" + fmt(v[3], 0) + ")";
      }},
      xAxis: {type: "value", min: m.series[0][0] - 1, max: m.series[m.series.length - 1][0] + 1, interval: 1,
        axisLabel: {formatter: function (v) {
          return v < m.series[0][0] || v > m.series[m.series.length - 1][0] ? "" : String(v);
        }}, splitLine: {show: false}},
      yAxis: {type: "value", name: t("girls_axis"), axisLabel: {formatter: function (v) { return fmt(v, 0); }}},
      series: [
        {type: "bar", data: m.series, barWidth: "55%", color: "#e3a5a0", name: m.name},
        {type: "line", data: whiskers(m.series, 0, 2, 3), symbol: "none", connectNulls: false, silent: true,
         lineStyle: {color: "#7a2e28", width: 1.5}, tooltip: {show: false}}
      ]
    });
  }

  /* ---- communes: funnel and ranking ------------------------------------------------------ */
  function drawCommunes(d) {
    if (!d.level) return;
    var flags = {};
    d.ranking.forEach(function (r) { flags[r.code] = r.flag; });
    var groups = {high: [], low: [], none: []};
    d.points.forEach(function (p) {
      var f = flags[p[0]] === "high" ? "high" : flags[p[0]] === "low" ? "low" : "none";
      groups[f].push([p[2], p[3], p[1], p[4], p[5], p[0]]);
    });
    var series = [];
    [["none", t("flag_none")], ["high", t("flag_high")], ["low", t("flag_low")]].forEach(function (g) {
      series.push({type: "scatter", name: g[1], data: groups[g[0]], color: COLORS[g[0]],
        symbolSize: g[0] === "none" ? 6 : 9, z: g[0] === "none" ? 3 : 5, cursor: "pointer"});
    });
    if (d.funnel) {
      var f = d.funnel;
      var line = function (arr) { return f.births.map(function (b, i) { return [b, arr[i]]; }); };
      [["0.95", "dashed", t("limit95")], ["0.998", "solid", t("limit998")]].forEach(function (l) {
        var lim = f.limits[l[0]];
        [lim.lower, lim.upper].forEach(function (arr, k) {
          series.push({type: "line", name: l[2], data: line(arr), symbol: "none", silent: true,
            lineStyle: {type: l[1], width: 1.2, color: "#8a94a3"}, color: "#8a94a3", tooltip: {show: false}});
        });
      });
      series.push({type: "line", name: t("centre"), data: [[f.births[0], f.centre], [f.births[f.births.length - 1], f.centre]],
        symbol: "none", silent: true, lineStyle: {color: COLORS.smoothed, width: 1.5}, color: COLORS.smoothed, tooltip: {show: false}});
    }
    var srbs = d.points.map(function (p) { return p[3]; });
    if (!srbs.length) { noData("chart-funnel"); drawRanking(d); return; }
    chart("chart-funnel", {
      grid: {left: 8, right: 16, top: 30, bottom: 64, containLabel: true},
      legend: {bottom: 0, data: [t("flag_high"), t("flag_low"), t("flag_none"), t("limit95"), t("limit998")]},
      tooltip: {trigger: "item", formatter: function (p) {
        var v = p.data;
        return "<b>" + esc(v[2]) + "</b><br>" + t("births_n", {n: fmt(v[0], 0)}) + "<br>" + t("srb_short") + ": <b>" +
          fmt(v[1], 1) + "</b> (" + t("ci95") + " " + fmt(v[3], 1) + "–" + fmt(v[4], 1) + ")";
      }},
      xAxis: {type: "log", name: t("births_axis", {year: d.year}), nameLocation: "middle", nameGap: 24,
        axisLabel: {formatter: function (v) { return fmt(v, 0); }}},
      yAxis: {type: "value", name: t("srb_short"), min: Math.max(60, Math.floor(Math.min.apply(null, srbs) - 5)),
        max: Math.min(200, Math.ceil(Math.max.apply(null, srbs) + 5))},
      series: series
    }).then(function (c) {
      if (!c) return;
      c.on("click", function (p) {
        if (p.seriesType === "scatter" && p.data && p.data[5]) location.href = "/dashboard?unit=" + p.data[5] + "&year=" + year;
      });
    });
    drawRanking(d);
  }

  function drawRanking(d) {
    var body = $("#sec-communes [data-body]");
    var rows = d.ranking.filter(function (r) { return r.p_excess !== null; });
    var maxZ = Math.max.apply(null, rows.map(function (r) { return Math.abs(r.z); }).concat([3]));
    var shown = 12;
    function render(all) {
      var list = all ? rows : rows.slice(0, shown);
      body.innerHTML = "<p class='muted small'>" + esc(t("ranking_note", {period: d.excess_years})) + "</p>" +
        "<table class='rank'><thead><tr><th>#</th><th>" + esc(t("unit")) + "</th><th class='num'>" + esc(t("col_p_excess")) + "</th><th class='num'>" + esc(t("col_excess_boys")) +
        "</th><th class='num'>" + esc(t("col_z")) +
        "</th><th class='num'>" + esc(t("col_srb")) + "</th><th class='num'>" + esc(t("col_births")) + "</th><th>" +
        esc(t("col_inspected")) + "</th></tr></thead><tbody>" +
        list.map(function (r, i) {
          var w = Math.round(100 * Math.min(Math.abs(r.z), maxZ) / maxZ);
          return "<tr class='" + (r.flag === "high" ? "flag-high" : r.flag === "low" ? "flag-low" : "") + "'><td>" + (i + 1) +
            "</td><td><a href='/dashboard?unit=" + esc(r.code) + "&year=" + year + "'>" + esc(r.name) + "</a>" +
            (r.flag === "high" ? " <span class='chip bad'>" + esc(t("flag_high_short")) + "</span>" : "") +
            (r.priority ? " <span class='chip warn'>" + esc(t("priority")) + "</span>" : "") +
            "</td><td class='num'>" + fmt(r.p_excess, 2) + (r.onset !== null && r.p_excess >= 0.05 ? " <span class='muted small'>(" + r.onset + ")</span>" : "") +
            "</td><td class='num'>" + fmt(r.expected_excess_boys, 0) +
            "</td><td class='num'><span class='zbar'><i style='width:" + w + "%'></i></span>" + fmt(r.z, 1) +
            "</td><td class='num'>" + fmt(r.srb, 1) + " <span class='muted small'>(" + fmt(r.lower, 1) + "–" + fmt(r.upper, 1) +
            ")</span></td><td class='num'>" + fmt(r.births, 0) + "</td><td class='small'>" +
            (r.last_inspected ? esc(r.last_inspected) : "<span class='muted'>" + esc(t("never")) + "</span>") + "</td></tr>";
        }).join("") + "</tbody></table>" +
        (rows.length > shown && !all ? "<button type='button' class='link' data-all>" + esc(t("show_all", {n: rows.length})) + "</button>" : "");
      var more = $("[data-all]", body);
      if (more) more.addEventListener("click", function () { render(true); });
    }
    if (!rows.length) { body.innerHTML = "<p class='muted'>" + esc(t("no_data")) + "</p>"; return; }
    render(false);
  }

  /* ---- capacity and coverage -------------------------------------------------------------- */
  function spark(series) {
    if (series.length < 2) return "";
    var xs = series.map(function (r) { return r[0]; }), ys = series.map(function (r) { return r[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var pts = series.map(function (r) {
      var x = 2 + 76 * (r[0] - x0) / Math.max(1, x1 - x0);
      var y = 22 - 20 * (y1 === y0 ? 0.5 : (r[1] - y0) / (y1 - y0));
      return x.toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
    return "<svg class='spark' viewBox='0 0 80 24' aria-hidden='true'><polyline points='" + pts + "'/></svg>";
  }
  function drawCapacity(d) {
    var body = $("#sec-capacity [data-body]");
    var tile = function (x) {
      var v = x.latest;
      var digits = x.kind === "proportion" ? 1 : 2;
      return "<div class='tile'><div class='tile-name'>" + esc(x.name) + "</div>" +
        "<div class='tile-value'>" + (v ? fmt(v.value, digits) : "–") + " <span class='unit'>" + esc(x.unit_label) + "</span></div>" +
        "<div class='muted small'>" + (v ? esc(t("interval95", {iv: interval(v, digits)})) + " · " + esc(v.period) : esc(t("no_data"))) + "</div>" +
        spark(x.series) + "</div>";
    };
    body.innerHTML = "<h3>" + esc(t("capacity_group")) + "</h3><div class='tilerow'>" + d.capacity.map(tile).join("") +
      "</div><h3>" + esc(t("coverage_group")) + "</h3><div class='tilerow'>" + d.coverage.map(tile).join("") + "</div>";
  }

  /* ---- reporting completeness and timeliness ----------------------------------------------- */
  function drawReporting(d) {
    $("#sec-reporting [data-rule]").textContent = d.rule;
    var lastMonth = -1;
    d.completeness.forEach(function (v, i) { if (v !== null) lastMonth = i; });
    var dueMonth = -1;
    d.rows.forEach(function (r) {
      if (r.cells) for (var i = 0; i < r.cells.length; i++) if (r.cells[i] !== "_" && i > dueMonth) dueMonth = i;
    });
    var m = dueMonth >= 0 ? dueMonth : lastMonth;
    if (m >= 0) {
      var c = d.completeness[m];
      kpi("kpi-reporting", fmt(c, 0) + " %", t("kpi_reporting_note", {month: m + 1, on_time: fmt(d.timeliness[m], 0)}),
        c >= 90 ? "good" : c >= 60 ? "warn" : "bad");
    } else {
      kpi("kpi-reporting", "–", t("no_data"));
    }
    var months = [];
    for (var i = 1; i <= 12; i++) months.push(t("month_short", {m: i}));
    chart("chart-reporting", {
      grid: {left: 8, right: 16, top: 34, bottom: 24, containLabel: true},
      legend: {top: 0},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v === null ? "–" : fmt(v, 1) + " %"; }},
      xAxis: {type: "category", data: months},
      yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value} %"}},
      series: [
        {type: "bar", name: t("completeness"), data: d.completeness, color: "#9cc5b5", barWidth: "50%"},
        {type: "line", name: t("timeliness"), data: d.timeliness, color: COLORS.smoothed, symbolSize: 6}
      ]
    });
    var body = $("#sec-reporting [data-body]");
    var legend = "<p class='legend small'><span class='cell T'></span>" + esc(t("cell_T")) + " <span class='cell L'></span>" +
      esc(t("late")) + " <span class='cell D'></span>" + esc(t("cell_D")) + " <span class='cell M'></span>" + esc(t("cell_missing")) +
      " <span class='cell N'></span>" + esc(t("cell_N")) + "</p>";
    var head = "<tr><th>" + esc(t("unit")) + "</th>" + months.map(function (x) { return "<th>" + esc(x) + "</th>"; }).join("") + "</tr>";
    var cls = {"T": "T", "L": "L", "D": "D", ".": "M", "_": "N"};
    var cellText = {"T": "cell_T", "L": "late", "D": "cell_D", "M": "cell_missing", "N": "cell_N"};
    var rows = d.rows.slice();
    if (rows.length && rows[0].cells !== undefined) {
      var bad = function (r) { return (r.cells.match(/[.LD]/g) || []).length; };
      rows.sort(function (a, b) { return bad(b) - bad(a) || (a.code < b.code ? -1 : 1); });
    }
    var html = rows.map(function (r) {
      var cells = [];
      for (var i = 0; i < 12; i++) {
        if (r.cells !== undefined) {
          var c = r.cells[i];
          cells.push(c === undefined ? "<td></td>" : "<td class='cell " + cls[c] + "' title='" + esc(t(cellText[cls[c]])) + "'></td>");
        } else {
          var v = r.completeness[i];
          cells.push(v === null ? "<td></td>" : "<td class='pct' style='--p:" + v + "'>" + fmt(v, 0) + "</td>");
        }
      }
      var link = d.rows.length > 1 ? "<a href='/dashboard?unit=" + esc(r.code) + "&year=" + year + "'>" + esc(r.name) + "</a>" : esc(r.name);
      return "<tr><th scope='row'>" + link + "</th>" + cells.join("") + "</tr>";
    }).join("");
    body.innerHTML = legend + "<div class='scroll'><table class='grid'><thead>" + head + "</thead><tbody>" + html + "</tbody></table></div>";
  }

  var sections = [
    ["scorecard", drawScorecard, "sec-scorecard"],
    ["trend", drawTrend, "sec-trend"],
    ["signatures", drawSignatures, "sec-orders"],
    ["communes", drawCommunes, "sec-communes"],
    ["capacity", drawCapacity, "sec-capacity"],
    ["reporting", drawReporting, "sec-reporting"]
  ];
  var done = sections.map(function (s) {
    if (s[0] === "communes" && root.dataset.level === "commune") return Promise.resolve();
    return load(s[0]).then(function (d) {
      s[1](d);
      staleNote(s[0], s[2]);
    }).catch(function (e) { failed(s[2], e); });
  });
  Promise.all(done).then(function () { return Promise.all(drawing); }).then(function () {
    root.setAttribute("data-loaded", "1");
    if (window.performance && performance.mark) performance.mark("chitieu:all-sections");
  });
})();
