// borderlog drill report: /drills lists the drills, /drills/ID shows one drill's report (GET
// /api/v1/drills/ID/report) with its verdict, a plot of every device's backlog over the drill's time with
// the fault steps as bands, and its tables. No framework, no build step; text goes in only as text.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const REFRESH_MS = 5000;
  const PALETTE = ["#58a6ff", "#e3a008", "#3fb950", "#ff7b72", "#b48cff", "#39c5cf", "#f778ba", "#d29922", "#a5d6ff", "#7ee787"];
  const parts = location.pathname.split("/").filter(Boolean);
  const drillId = parts.length >= 2 ? decodeURIComponent(parts[1]) : null;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function exactUtc(iso) {
    return iso ? iso.replace("T", " ").replace("Z", " UTC") : "–";
  }
  function number(n) {
    return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-GB");
  }
  function seconds(s) {
    if (s === null || s === undefined) return "–";
    if (s < 60) return (Math.round(s * 10) / 10).toFixed(1) + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + " min " + Math.round(s % 60) + " s";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }
  function span(s) {
    if (s === 0) return "0";
    if (s % 3600 === 0) return s / 3600 + " h";
    if (s % 60 === 0) return s / 60 + " min";
    return s + " s";
  }
  function scopeText(scope) {
    if (scope.all) return "all devices";
    const out = [];
    if (scope.checkpoints && scope.checkpoints.length) out.push("checkpoints " + scope.checkpoints.join(", "));
    if (scope.devices && scope.devices.length) out.push("devices " + scope.devices.join(", "));
    return out.join("; ");
  }
  function paramsText(params) {
    return Object.entries(params || {}).map(([k, v]) => k + " " + (Array.isArray(v) ? v.join(", ") : v)).join(" · ") || "–";
  }
  function showError(text) {
    const b = $("banner-error");
    b.hidden = !text;
    b.textContent = text || "";
  }

  // Icons: a different shape for each verdict, so that colour is never the only sign.
  function verdictIcon(verdict) {
    const s = svg("svg", { viewBox: "0 0 20 20", "aria-hidden": "true" });
    if (verdict === "pass") {
      s.append(svg("circle", { cx: 10, cy: 10, r: 9, fill: "currentColor" }));
      s.append(svg("path", { d: "M5.5 10.5l3 3 6-6.5", fill: "none", stroke: "#0d1117", "stroke-width": 2.4 }));
    } else if (verdict === "fail") {
      s.append(svg("rect", { x: 1, y: 1, width: 18, height: 18, rx: 3, fill: "currentColor" }));
      s.append(svg("path", { d: "M6 6l8 8M14 6l-8 8", stroke: "#0d1117", "stroke-width": 2.4 }));
    } else {
      s.append(svg("path", { d: "M10 1l9 9-9 9-9-9z", fill: "currentColor" }));
      s.append(svg("path", { d: "M10 6v5M10 13.2v1.6", stroke: "#0d1117", "stroke-width": 2.2 }));
    }
    return s;
  }
  function stateBadge(state) {
    return el("span", { class: "state state-" + state, "data-state": state, text: state.charAt(0).toUpperCase() + state.slice(1) });
  }

  // ---- the plot ---------------------------------------------------------------------------------
  function niceStep(totalSeconds) {
    const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
    for (const s of steps) if (totalSeconds / s <= 10) return s;
    return 86400;
  }
  function drawPlot(report) {
    const W = 1200, H = 340, L = 60, R = 18, T = 30, B = 40;
    const start = Date.parse(report.started_at);
    const generated = Date.parse(report.generated_at);
    const end = report.restored_at ? Date.parse(report.restored_at) : generated;
    let last = Math.max(end, Math.min(generated, end + 60000));
    for (const d of report.devices) if (d.drained_at) last = Math.max(last, Date.parse(d.drained_at));
    // A little before the start (a twentieth of what is drawn, at most 30 s) shows the level before the faults.
    const from = start - Math.min(30000, Math.max(1000, (last - start) / 20));
    const to = Math.min(generated, last + 30000) > from + 1000 ? Math.min(generated, last + 30000) : from + 60000;
    const series = report.devices.map((d, i) => {
      const beats = d.backlog.length > 0;
      const points = (beats ? d.backlog : d.backlog_from_records).map((p) => [Date.parse(p.at), p.pending]);
      return { device: d.device_id, checkpoint: d.checkpoint_id, color: PALETTE[i % PALETTE.length], beats, points };
    });
    let ymax = 1;
    for (const s of series) for (const p of s.points) ymax = Math.max(ymax, p[1]);
    const x = (t) => L + ((t - from) * (W - L - R)) / (to - from);
    const y = (v) => H - B - ((H - B - T) * v) / ymax;
    const plot = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Backlog of each device over the drill" });
    plot.append(svg("title", {}, "Backlog of each device from " + exactUtc(new Date(from).toISOString()) + " to " + exactUtc(new Date(to).toISOString())));

    // The fault steps, as bands with their names.
    const faults = new Set();
    for (const step of report.steps) {
      const a = start + step.at_s * 1000;
      const b = Math.min(a + step.duration_s * 1000, end);
      if (b <= a || a > to) continue;
      faults.add(step.fault);
      const g = svg("g", { class: "band" });
      g.append(svg("rect", { class: "fault-" + step.fault, x: x(a).toFixed(1), y: T, width: Math.max(1, x(b) - x(a)).toFixed(1), height: H - B - T }));
      g.append(svg("text", { x: (x(a) + 4).toFixed(1), y: T - 8 }, step.fault.replace("_", " ")));
      const tip = svg("title", {}, step.fault + " on " + scopeText(step.scope) + ", " + exactUtc(new Date(a).toISOString()) + " for " + span(step.duration_s));
      g.append(tip);
      plot.append(g);
    }
    // Axes and grid: time from the drill's start, backlog in records.
    plot.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B + 0.5, y2: H - B + 0.5 }));
    plot.append(svg("line", { class: "axis", x1: L - 0.5, x2: L - 0.5, y1: T, y2: H - B }));
    const step = niceStep((to - start) / 1000);
    for (let s = 0; start + s * 1000 <= to; s += step) {
      const px = x(start + s * 1000);
      if (px < L) continue;
      plot.append(svg("line", { class: "grid", x1: px.toFixed(1), x2: px.toFixed(1), y1: T, y2: H - B }));
      plot.append(svg("text", { x: px.toFixed(1), y: H - B + 18, "text-anchor": "middle" }, "t+" + span(s)));
    }
    for (const v of [0, Math.round(ymax / 2), ymax]) {
      plot.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(v).toFixed(1), y2: y(v).toFixed(1) }));
      plot.append(svg("text", { x: L - 8, y: (y(v) + 4).toFixed(1), "text-anchor": "end" }, String(v)));
    }
    plot.append(svg("text", { x: 8, y: T - 8 }, "records waiting"));
    if (report.restored_at) {
      const px = x(end).toFixed(1);
      plot.append(svg("line", { class: "restore", x1: px, x2: px, y1: T, y2: H - B }));
      plot.append(svg("text", { x: (x(end) + 4).toFixed(1), y: H - B - 6 }, "restored"));
    }
    // One line per device: its heartbeats (or, without them, its records' waits).
    for (const s of series) {
      if (!s.points.length) continue;
      const d = s.points.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join("");
      const path = svg("path", { class: "series", d, stroke: s.color, "data-device": s.device });
      if (!s.beats) path.setAttribute("stroke-dasharray", "5 3");
      plot.append(path);
      for (const p of s.beats ? s.points : []) {
        const c = svg("circle", { class: "dot", cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 3, fill: s.color });
        c.append(svg("title", {}, s.device + " — " + exactUtc(new Date(p[0]).toISOString()) + " — backlog " + p[1]));
        plot.append(c);
      }
    }
    $("plot").replaceChildren(plot);
    const legend = series.map((s) => el("span", {}, [el("span", { class: "swatch" }), s.device + (s.checkpoint ? " (" + s.checkpoint + ")" : "") + (s.beats ? "" : " — from its records")]));
    legend.forEach((node, i) => { node.firstChild.style.background = series[i].color; });
    for (const f of faults) legend.push(el("span", {}, [el("span", { class: "fault fault-" + f }), f.replace("_", " ")]));
    $("legend").replaceChildren(...legend);
    const anyBeats = series.some((s) => s.beats);
    $("plot-source").textContent = anyBeats ? "· as the devices' heartbeats reported it" : "· from when each record was made and when it arrived";
  }

  // ---- the report -------------------------------------------------------------------------------
  function figure(id, value, level) {
    $(id).textContent = value;
    const box = $(id).parentElement;
    box.classList.remove("bad", "warn", "good");
    if (level) box.classList.add(level);
  }
  function renderReport(r) {
    document.title = "borderlog · drill " + r.name;
    $("crumb-drill").hidden = false;
    $("crumb-name").textContent = r.name;
    $("report-name").textContent = r.name;
    $("report-when").textContent = r.state + " · started " + exactUtc(r.started_at) +
      (r.restored_at ? " · restored " + exactUtc(r.restored_at) : " · runs until " + exactUtc(r.ends_at)) +
      " · " + scopeText(r.scope) + (r.telemetry ? " · heartbeats kept flowing" : "");
    const v = $("verdict");
    v.className = "verdict verdict-" + r.verdict;
    v.dataset.verdict = r.verdict;
    v.replaceChildren(verdictIcon(r.verdict), document.createTextNode(r.verdict.toUpperCase()));
    $("reasons").replaceChildren(...r.reasons.map((t) => el("li", { text: t })));
    $("notes").replaceChildren(...r.notes.map((t) => el("li", { text: t })));
    $("drill-banner").hidden = r.state !== "running";
    $("drill-name").textContent = r.name;

    const t = r.totals;
    figure("t-records", number(t.records_during));
    // The centre counts what has arrived: while the drill runs, the rest still waits on the terminals.
    $("t-records-unit").textContent = (r.state === "running" ? "arrived so far; the backlog waits on the terminals" : "made while the faults were on") + (t.back_captured ? " · " + number(t.back_captured) + " back-captured apart" : "");
    figure("t-peak", number(t.backlog_peak), t.backlog_peak > 0 ? "warn" : null);
    figure("t-drain", t.drain_seconds_max === null ? "–" : seconds(t.drain_seconds_max), t.drain_seconds_max === null ? null : "good");
    $("t-drain-unit").textContent = t.devices_drained + " of " + t.devices + " devices drained";
    figure("t-lost", number(t.lost), t.lost > 0 ? "bad" : "good");
    figure("t-dups", number(t.duplicates), t.duplicates > 0 ? "bad" : "good");
    $("t-dups-unit").textContent = "rows of one crossing" + (t.resent_duplicates ? " · " + number(t.resent_duplicates) + " resends answered duplicate" : "");

    drawPlot(r);

    $("checkpoint-rows").replaceChildren(...r.checkpoints.map((c) => el("tr", { "data-checkpoint": c.checkpoint_id || "" }, [
      el("td", { class: "cp", text: c.checkpoint_id || "(unknown)" }),
      el("td", { class: "num", text: number(c.devices) }),
      el("td", { class: "num", text: number(c.records_during) }),
      el("td", { class: "num", text: number(c.backlog_peak) }),
      el("td", { class: "num", text: c.drained ? seconds(c.drain_seconds) : "not drained" }),
      el("td", { class: "num" + (c.lost > 0 ? " bad" : ""), text: number(c.lost) }),
      el("td", { class: "num" + (c.duplicates > 0 ? " bad" : ""), text: number(c.duplicates) }),
      el("td", { class: "num" + (c.rejected > 0 ? " hot" : ""), text: number(c.rejected) }),
      el("td", { class: "num", text: number(c.back_captured) }),
    ])));
    $("device-rows").replaceChildren(...r.devices.map((d) => {
      const faults = Object.entries(d.faults).map(([k, n]) => k + " " + n).join(", ") || "–";
      const latency = d.record_latency_ms ? d.record_latency_ms.p50 + " · " + d.record_latency_ms.p99 + " ms" : "–";
      return el("tr", { "data-device": d.device_id }, [
        el("td", { class: "cp", text: d.device_id }),
        el("td", { text: d.checkpoint_id || "–" }),
        el("td", { class: "num", text: number(d.records_during) }),
        el("td", { class: "num", text: number(d.backlog_peak) }),
        el("td", { class: "num" + (d.drained ? "" : " hot"), "data-field": "drain", text: d.drained ? seconds(d.drain_seconds) : "not drained" }),
        el("td", { class: "num" + (d.lost > 0 ? " bad" : ""), "data-field": "lost", text: number(d.lost) }),
        el("td", { class: "num" + (d.duplicates > 0 ? " bad" : ""), "data-field": "duplicates", text: number(d.duplicates) }),
        el("td", { class: "num" + (d.rejected > 0 ? " hot" : ""), text: number(d.rejected) + " · " + number(d.quarantined) }),
        el("td", { class: "num", text: number(d.back_captured) }),
        el("td", { class: "num", text: number(d.resent_duplicates) }),
        el("td", { class: "num", text: number(d.lost_acks) }),
        el("td", { class: "faults", text: faults }),
        el("td", { class: "num", text: latency }),
      ]);
    }));
    $("step-rows").replaceChildren(...r.steps.map((s, i) => el("tr", {}, [
      el("td", { text: String(i) }),
      el("td", { text: "t+" + span(s.at_s) }),
      el("td", { text: span(s.duration_s) }),
      el("td", {}, [el("span", { class: "fault fault-" + s.fault }), document.createTextNode(" " + s.fault)]),
      el("td", { text: scopeText(s.scope) }),
      el("td", { text: paramsText(s.params) }),
    ])));
    $("generated-at").textContent = exactUtc(r.generated_at);
    $("foot").hidden = false;
    $("report-view").hidden = false;
  }

  async function loadReport() {
    let res;
    try {
      res = await fetch("/api/v1/drills/" + encodeURIComponent(drillId) + "/report", { headers: { Accept: "application/json" } });
    } catch (e) {
      showError("The server cannot be reached; trying again.");
      setTimeout(loadReport, REFRESH_MS);
      return;
    }
    if (res.status === 401) return needSignIn();
    if (res.status === 404) return showError("There is no drill " + drillId + ".");
    if (!res.ok) {
      showError("The report could not be read (" + res.status + "); trying again.");
      setTimeout(loadReport, REFRESH_MS);
      return;
    }
    showError("");
    const report = await res.json();
    renderReport(report);
    // Until it is final, the report follows the drill and the drain.
    if (report.state === "running" || report.verdict === "pending") setTimeout(loadReport, REFRESH_MS);
  }

  async function loadList() {
    const res = await fetch("/api/v1/drills?limit=200", { headers: { Accept: "application/json" } });
    if (res.status === 401) return needSignIn();
    if (res.status === 403) {
      showError("Only trainers and admins list drills; operations staff open a drill's report from the DRILL banner of the operations view.");
      return;
    }
    if (!res.ok) return showError("The drills could not be read (" + res.status + ").");
    const body = await res.json();
    $("drill-rows").replaceChildren(...body.drills.map((d) => el("tr", { "data-drill": d.id }, [
      el("td", {}, [stateBadge(d.state)]),
      el("td", {}, [el("a", { href: "/drills/" + encodeURIComponent(d.id), text: d.name })]),
      el("td", { text: exactUtc(d.started_at) }),
      el("td", { text: exactUtc(d.stopped_at || d.ends_at) }),
      el("td", { text: scopeText(d.scope) }),
      el("td", { class: "num", text: String(d.steps.length) }),
    ])));
    $("no-drills").hidden = body.drills.length > 0;
    $("list-view").hidden = false;
  }

  function needSignIn() {
    $("sign-in-needed").hidden = false;
    $("report-view").hidden = true;
    $("list-view").hidden = true;
  }

  async function start() {
    let res;
    try {
      res = await fetch("/api/v1/session", { headers: { Accept: "application/json" } });
    } catch (e) {
      showError("The server cannot be reached; trying again.");
      setTimeout(start, REFRESH_MS);
      return;
    }
    if (res.status === 401) return needSignIn();
    if (res.ok) {
      const who = await res.json();
      $("who").textContent = (who.name || "signed in") + " · " + who.role;
      $("user").hidden = false;
    }
    if (drillId) {
      $("json-link").href = "/api/v1/drills/" + encodeURIComponent(drillId) + "/report";
      $("csv-link").href = "/api/v1/drills/" + encodeURIComponent(drillId) + "/report?format=csv";
      loadReport();
    } else {
      $("json-link").hidden = true;
      $("csv-link").hidden = true;
      loadList();
    }
  }
  start();
})();
