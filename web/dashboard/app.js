// borderlog operations dashboard: the fleet table (/) and one checkpoint (/checkpoints/ID), kept live
// over Server-Sent Events. No framework, no build step; text goes into the page only as text.
"use strict";

(function () {
  const page = document.body.dataset.page;
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const STALE_AFTER_MS = 35000; // the server sends something at least every 15 s

  const STATES = {
    online: { word: "Online", rank: 0 },
    drill: { word: "Drill", rank: 1 },
    central_offline: { word: "Central offline", rank: 2 },
    silent: { word: "Silent", rank: 3 },
  };

  let fleet = null; // the last snapshot, with changes applied
  let source = null;
  let lastMessage = 0;
  let streamOpen = false;

  // ---- small helpers ----------------------------------------------------------------------------
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
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  function exactUtc(iso) {
    return iso ? iso.replace("T", " ").replace("Z", " UTC") : "never";
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return h + " h " + (m < 10 ? "0" : "") + m;
  }
  function ageOf(iso) {
    if (!iso || !fleet) return null;
    return (Date.parse(fleet.generated_at) - Date.parse(iso)) / 1000 + (Date.now() - fleet._receivedAt) / 1000;
  }
  // A time as "12 s ago", with the exact UTC time on hover.
  function timeCell(iso, extraClass) {
    const span = el("time", { class: extraClass || "", title: exactUtc(iso) });
    if (iso) span.setAttribute("datetime", iso);
    span.dataset.ago = iso || "";
    span.textContent = iso ? duration(ageOf(iso)) + " ago" : "never";
    return span;
  }
  function refreshTimes() {
    for (const t of document.querySelectorAll("time[data-ago]")) {
      if (t.dataset.ago) t.textContent = duration(ageOf(t.dataset.ago)) + " ago";
    }
  }
  // A clock offset in milliseconds as seconds with one decimal, signed, never "-0.0".
  function seconds1(ms) {
    if (ms === null || ms === undefined) return "–";
    const tenths = Math.round(ms / 100);
    if (tenths === 0) return "0.0 s";
    return (tenths > 0 ? "+" : "−") + (Math.abs(tenths) / 10).toFixed(1) + " s";
  }
  function number(n) {
    return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-GB");
  }

  // Icons: a different shape for each state, so that colour is never the only sign.
  function icon(state) {
    const s = svg("svg", { viewBox: "0 0 20 20", "aria-hidden": "true" });
    if (state === "online") {
      s.append(svg("circle", { cx: 10, cy: 10, r: 9, fill: "currentColor" }));
      s.append(svg("path", { d: "M5.5 10.5l3 3 6-6.5", fill: "none", stroke: "#0d1117", "stroke-width": 2.4 }));
    } else if (state === "central_offline") {
      s.append(svg("path", { d: "M10 1.5L19 18H1z", fill: "currentColor" }));
      s.append(svg("path", { d: "M10 7v5.5M10 14.5v1.6", stroke: "#0d1117", "stroke-width": 2.2 }));
    } else if (state === "drill") {
      s.append(svg("path", { d: "M10 1l9 9-9 9-9-9z", fill: "currentColor" }));
      s.append(svg("path", { d: "M10 6v5M10 13.2v1.6", stroke: "#0d1117", "stroke-width": 2.2 }));
    } else {
      s.append(svg("rect", { x: 1, y: 1, width: 18, height: 18, rx: 3, fill: "currentColor" }));
      s.append(svg("path", { d: "M6 6l8 8M14 6l-8 8", stroke: "#0d1117", "stroke-width": 2.4 }));
    }
    return s;
  }
  function stateBadge(state) {
    const known = STATES[state] ? state : "silent";
    const badge = el("span", { class: "state state-" + known, "data-state": known });
    badge.append(icon(known), document.createTextNode(STATES[known].word));
    return badge;
  }

  // A sparkline of backlog (area) and queue (line) over the last hour, each on its own scale; hovering a
  // point shows its exact UTC time and values.
  function sparkline(history, width, height) {
    const s = svg("svg", { class: "spark", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
    const n = history.backlog.length;
    const max = (arr) => Math.max(1, ...arr.filter((v) => v !== null));
    const bmax = max(history.backlog);
    const qmax = max(history.waiting);
    const top = 4;
    const bottom = height - 3;
    const x = (i) => (n <= 1 ? 0 : (i * width) / (n - 1));
    const y = (v, m) => bottom - ((bottom - top) * v) / m;
    const path = (arr, m) => {
      let d = "";
      let pen = false;
      arr.forEach((v, i) => {
        if (v === null) {
          pen = false;
          return;
        }
        d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v, m).toFixed(1);
        pen = true;
      });
      return d;
    };
    s.append(svg("line", { class: "base", x1: 0, x2: width, y1: bottom + 0.5, y2: bottom + 0.5 }));
    // The backlog as an area under its line, one run of known points at a time.
    let run = [];
    const flush = () => {
      if (run.length) {
        const d = "M" + x(run[0]).toFixed(1) + " " + bottom + run.map((i) => "L" + x(i).toFixed(1) + " " + y(history.backlog[i], bmax).toFixed(1)).join("") + "L" + x(run[run.length - 1]).toFixed(1) + " " + bottom + "Z";
        s.append(svg("path", { class: "backlog-area", d }));
      }
      run = [];
    };
    history.backlog.forEach((v, i) => (v === null ? flush() : run.push(i)));
    flush();
    s.append(svg("path", { class: "backlog", d: path(history.backlog, bmax) }));
    s.append(svg("path", { class: "queue", d: path(history.waiting, qmax) }));
    // A point with no neighbour draws no line: mark it.
    const dots = (arr, m, cls) => arr.forEach((v, i) => {
      if (v !== null && (i === 0 || arr[i - 1] === null) && (i === n - 1 || arr[i + 1] === null))
        s.append(svg("circle", { class: cls + "-dot", cx: x(i).toFixed(1), cy: y(v, m).toFixed(1), r: 2.5 }));
    });
    dots(history.backlog, bmax, "backlog");
    dots(history.waiting, qmax, "queue");
    if (height >= 100) {
      const label = (text, lx, ly, anchor) => {
        const t = svg("text", { x: lx, y: ly, "text-anchor": anchor });
        t.textContent = text;
        s.append(t);
      };
      label("backlog max " + bmax + " · queue max " + qmax, 4, 12, "start");
      label("60 min ago", 4, height - 6, "start");
      label("now", width - 4, height - 6, "end");
    }
    const from = Date.parse(history.from);
    const step = history.step_s * 1000;
    const slot = width / Math.max(1, n);
    for (let i = 0; i < n; i++) {
      const hit = svg("rect", { class: "hit", x: (x(i) - slot / 2).toFixed(1), y: 0, width: slot.toFixed(1), height });
      const t = svg("title", {});
      const at = new Date(from + i * step).toISOString();
      const b = history.backlog[i];
      const q = history.waiting[i];
      t.textContent = exactUtc(at) + " — backlog " + (b === null ? "no report" : b) + ", queue " + (q === null ? "no report" : q);
      hit.append(t);
      s.append(hit);
    }
    const title = svg("title", {});
    title.textContent = "Last hour, from " + exactUtc(history.from) + ": backlog up to " + bmax + ", queue up to " + qmax;
    s.prepend(title);
    return s;
  }

  // ---- the header, banners and figures shared by both pages ------------------------------------
  function setPill(id, cls, text, state) {
    const p = $(id);
    p.className = "pill " + cls;
    p.replaceChildren(icon(state), document.createTextNode(text));
  }
  function renderTop() {
    $("pills").hidden = false;
    const central = fleet.central === "offline";
    setPill("central-pill", central ? "pill-warn" : "pill-good", central ? "Central offline" : "Central online", central ? "central_offline" : "online");
    const db = fleet.database === "available";
    setPill("db-pill", db ? "pill-good" : "pill-bad", db ? "Database available" : "Database unavailable", db ? "online" : "silent");
    const banner = $("banner-db");
    banner.hidden = db;
    if (!db) {
      banner.replaceChildren(icon("silent"), document.createTextNode(
        "Database unavailable — the server keeps taking heartbeats; this view shows the state it holds in memory. Records wait on the checkpoints."));
    }
    $("drill-banner").hidden = !fleet.drill;
    $("drill-name").textContent = fleet.drill ? fleet.drill.name || fleet.drill.id : "";
    // The running drill's report (plot of the backlog, verdict once drained).
    $("drill-link").href = fleet.drill ? "/drills/" + encodeURIComponent(fleet.drill.id) : "/drills";
    const gen = $("generated-at");
    gen.textContent = exactUtc(fleet.generated_at);
    gen.setAttribute("datetime", fleet.generated_at);
    $("silent-after").textContent = duration(fleet.silent_after_s);
    renderStream();
  }
  function renderStream() {
    const stale = !streamOpen || Date.now() - lastMessage > STALE_AFTER_MS;
    setPill("stream-pill", stale ? "pill-warn" : "pill-good", stale ? "Stale" : "Live", stale ? "central_offline" : "online");
    const banner = $("banner-stale");
    banner.hidden = !stale || !fleet;
    if (stale && fleet) {
      banner.replaceChildren(icon("central_offline"), document.createTextNode(
        "Stale — the live connection to the server dropped; the figures below are as of " + exactUtc(fleet.generated_at) + ". Reconnecting…"));
    }
    $("view").classList.toggle("stale", stale);
  }
  function figure(id, value, level) {
    $(id).textContent = value;
    const box = $(id).parentElement;
    box.classList.remove("bad", "warn", "good");
    if (level) box.classList.add(level);
  }

  // ---- the fleet page ---------------------------------------------------------------------------
  function longestWait(cp) {
    let worst = null;
    let unknown = false;
    for (const l of cp.lanes) {
      if (l.wait_estimate_s === null) unknown = unknown || l.waiting > 0;
      else worst = Math.max(worst || 0, l.wait_estimate_s);
    }
    if (worst !== null) return duration(worst);
    return unknown ? "unknown" : "–";
  }
  function renderFleet() {
    const s = fleet.summary;
    figure("fig-ingest", number(s.ingest_per_minute));
    figure("fig-backlog", number(s.backlog), s.backlog > 0 ? "warn" : null);
    $("fig-backlog-unit").textContent = s.oldest_pending_age_s !== null ? "oldest waits " + duration(s.oldest_pending_age_s) : "records waiting to sync";
    figure("fig-offline", number(s.checkpoints_offline), s.by_state.silent > 0 ? "bad" : s.checkpoints_offline > 0 ? "warn" : "good");
    $("fig-offline-unit").textContent = "of " + s.checkpoints + (s.checkpoints === 1 ? " checkpoint" : " checkpoints") +
      (s.by_state.silent ? " · " + s.by_state.silent + " silent" : "");
    figure("fig-waiting", number(s.waiting));
    const central = fleet.central === "offline";
    figure("fig-central", central ? "OFFLINE" : "Online", central ? "warn" : "good");
    $("fig-central-unit").textContent = central ? "devices record locally" : "taking records";

    const rows = fleet.checkpoints.slice().sort((a, b) =>
      STATES[b.state].rank - STATES[a.state].rank || a.checkpoint_id.localeCompare(b.checkpoint_id));
    const body = $("fleet-rows");
    body.replaceChildren(...rows.map((cp) => {
      const up = cp.devices_total - cp.devices_silent;
      const devices = el("td", {}, [up + " / " + cp.devices_total + " up"]);
      if (cp.devices_silent > 0 && cp.state !== "silent") devices.className = "hot";
      const link = el("a", { href: "/checkpoints/" + encodeURIComponent(cp.checkpoint_id), text: cp.checkpoint_id });
      const oldest = el("td", {}, [cp.oldest_pending_age_s === null ? "–" : duration(cp.oldest_pending_age_s)]);
      if (cp.oldest_pending_age_s !== null) {
        oldest.title = "oldest record waiting since " + exactUtc(cp.oldest_pending_at);
        if (cp.oldest_pending_age_s > 900) oldest.className = "bad";
        else if (cp.oldest_pending_age_s > 60) oldest.className = "hot";
      }
      const backlog = el("td", { class: "num" + (cp.pending > 0 ? " hot" : ""), "data-field": "pending", text: number(cp.pending) });
      const contact = el("td", {}, [timeCell(cp.last_contact_at, cp.state === "silent" ? "bad" : "")]);
      const sync = el("td", {}, [timeCell(cp.last_sync_at)]);
      const clock = el("td", { class: "num", text: seconds1(cp.clock_offset_ms_max) });
      if (cp.clock_offset_ms_max !== null && Math.abs(cp.clock_offset_ms_max) > 120000) clock.classList.add("hot");
      const refused = el("td", { class: "num" + (cp.quarantined > 0 ? " hot" : ""), text: number(cp.rejected) + " · " + number(cp.quarantined) });
      const issues = el("td", { class: "num" + (cp.alerts > 0 ? " bad" : cp.anomalies > 0 ? " hot" : ""),
                                "data-field": "issues", text: number(cp.alerts) + " · " + number(cp.anomalies) });
      issues.title = cp.alerts + " watchlist alerts not yet acknowledged, " + cp.anomalies + " open anomalies";
      const tr = el("tr", { class: "row-" + cp.state, "data-checkpoint": cp.checkpoint_id, "data-state": cp.state }, [
        el("td", {}, [stateBadge(cp.state)]),
        el("td", { class: "cp" }, [link]),
        devices, contact, sync, backlog, oldest,
        el("td", { class: "num", text: number(cp.waiting) }),
        el("td", { text: longestWait(cp) }),
        el("td", { class: "num", text: number(cp.crossings_last_hour) }),
        issues, refused, clock,
        el("td", {}, [sparkline(cp.history, 150, 34)]),
      ]);
      return tr;
    }));
    $("empty").hidden = rows.length > 0;
  }

  // ---- the checkpoint page ----------------------------------------------------------------------
  const checkpointId = page === "checkpoint" ? decodeURIComponent(location.pathname.split("/").pop()) : null;

  function renderCheckpoint() {
    $("cp-name").textContent = checkpointId;
    document.title = "borderlog · " + checkpointId;
    const cp = fleet.checkpoints.find((c) => c.checkpoint_id === checkpointId);
    $("cp-missing").hidden = !!cp;
    for (const sec of document.querySelectorAll("main .figures, main .panel")) sec.hidden = !cp;
    if (!cp) {
      $("cp-state").replaceChildren();
      return;
    }
    $("cp-state").replaceChildren(stateBadge(cp.state));
    $("cp-devices").textContent = (cp.devices_total - cp.devices_silent) + " of " + cp.devices_total + " devices in contact";
    figure("cp-backlog", number(cp.pending), cp.pending > 0 ? "warn" : null);
    $("cp-oldest").textContent = cp.oldest_pending_age_s === null ? "records waiting to sync" : "oldest waits " + duration(cp.oldest_pending_age_s);
    figure("cp-waiting", number(cp.waiting));
    $("cp-wait").textContent = "longest estimated wait " + longestWait(cp);
    figure("cp-hour", number(cp.crossings_last_hour));
    $("cp-contact").replaceChildren(timeCell(cp.last_contact_at));
    $("cp-contact").parentElement.className = "figure" + (cp.state === "silent" ? " bad" : "");
    $("cp-sync").replaceChildren(document.createTextNode("last sync "), timeCell(cp.last_sync_at));
    figure("cp-rejected", number(cp.rejected) + " · " + number(cp.quarantined), cp.quarantined > 0 ? "warn" : null);
    figure("cp-issues", number(cp.alerts) + " · " + number(cp.anomalies), cp.alerts > 0 ? "bad" : cp.anomalies > 0 ? "warn" : null);

    const chart = $("cp-chart");
    chart.replaceChildren(sparkline(cp.history, Math.max(600, chart.clientWidth || 1000), 140));

    $("lane-rows").replaceChildren(...cp.lanes.map((l) => el("tr", { "data-lane": l.lane }, [
      el("td", { class: "cp", text: l.lane }),
      el("td", { class: "num", text: number(l.waiting) }),
      el("td", { class: "num", text: number(l.processed_15m) }),
      el("td", { class: "num", text: l.rate_per_min.toFixed(1) }),
      el("td", { class: l.wait_estimate_s !== null && l.wait_estimate_s > 1800 ? "bad" : "", text: l.wait_estimate_s === null ? "unknown (none processed in 15 min)" : duration(l.wait_estimate_s) }),
      el("td", {}, [timeCell(l.updated_at)]),
    ])));
    $("no-lanes").hidden = cp.lanes.length > 0;

    $("device-rows").replaceChildren(...cp.devices.map((d) => {
      const latency = d.record_latency_ms ? d.record_latency_ms.p50 + " · " + d.record_latency_ms.p99 + " ms" : "–";
      return el("tr", { class: "row-" + d.state, "data-device": d.device_id, "data-state": d.state }, [
        el("td", {}, [stateBadge(d.state)]),
        el("td", { class: "cp", text: d.device_id }),
        el("td", {}, [timeCell(d.last_heartbeat_at, d.state === "silent" ? "bad" : "")]),
        el("td", {}, [timeCell(d.last_sync_at)]),
        el("td", { class: "num" + (d.pending > 0 ? " hot" : ""), text: number(d.pending) }),
        el("td", { title: exactUtc(d.oldest_pending_at), text: duration(d.oldest_pending_age_s) }),
        el("td", { class: "num", text: number(d.last_seq) }),
        el("td", { class: "num", text: number(d.rejected) + " · " + number(d.quarantined) }),
        el("td", { class: "num", text: seconds1(d.clock_offset_ms) }),
        el("td", { class: "num", text: latency }),
        el("td", { text: d.watchlist_version === null ? "–" : "v" + d.watchlist_version }),
        el("td", { class: "muted", title: d.stream_id || "", text: d.stream_id ? d.stream_id.slice(0, 8) + "…" : "–" }),
      ]);
    }));
  }

  function render() {
    if (!fleet) return;
    renderTop();
    if (page === "checkpoint") renderCheckpoint();
    else renderFleet();
  }

  // ---- live updates -----------------------------------------------------------------------------
  function applyChange(change) {
    const byId = new Map(fleet.checkpoints.map((c) => [c.checkpoint_id, c]));
    for (const cp of change.checkpoints) byId.set(cp.checkpoint_id, cp);
    const checkpoints = [...byId.values()].sort((a, b) => a.checkpoint_id.localeCompare(b.checkpoint_id));
    fleet = Object.assign({}, change, { checkpoints, _receivedAt: Date.now() });
  }
  function connect() {
    if (source) source.close();
    source = new EventSource("/api/v1/events");
    source.addEventListener("open", () => {
      streamOpen = true;
      lastMessage = Date.now();
      renderStream();
    });
    source.addEventListener("snapshot", (e) => {
      fleet = Object.assign(JSON.parse(e.data), { _receivedAt: Date.now() });
      streamOpen = true;
      lastMessage = Date.now();
      render();
    });
    source.addEventListener("change", (e) => {
      applyChange(JSON.parse(e.data));
      lastMessage = Date.now();
      render();
    });
    source.addEventListener("ping", () => {
      lastMessage = Date.now();
      renderStream();
    });
    source.addEventListener("error", () => {
      streamOpen = false;
      if (fleet) renderStream();
      // The browser retries by itself unless the server refused the stream (signed out, expired).
      if (source.readyState === EventSource.CLOSED) setTimeout(start, 2000);
    });
  }

  // ---- sign-in ----------------------------------------------------------------------------------
  function showSignIn(message) {
    if (source) source.close();
    source = null;
    $("view").hidden = true;
    $("foot").hidden = true;
    $("user").hidden = true;
    $("pills").hidden = true;
    $("banner-db").hidden = true;
    $("banner-stale").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = message || "";
    $("token").focus();
  }
  function showView(who) {
    $("sign-in").hidden = true;
    $("view").hidden = false;
    $("foot").hidden = false;
    $("user").hidden = false;
    $("who").textContent = (who.name || "signed in") + " · " + who.role;
    connect();
  }
  async function start() {
    let res;
    try {
      res = await fetch("/api/v1/session", { headers: { Accept: "application/json" } });
    } catch (e) {
      streamOpen = false;
      if (fleet) renderStream();
      setTimeout(start, 2000);
      return;
    }
    if (res.status === 401) return showSignIn("");
    if (!res.ok) {
      setTimeout(start, 2000);
      return;
    }
    showView(await res.json());
  }
  $("sign-in-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("sign-in-error").textContent = "";
    const token = $("token").value.trim();
    let res;
    try {
      res = await fetch("/api/v1/session", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token }),
      });
    } catch (err) {
      $("sign-in-error").textContent = "The server cannot be reached.";
      return;
    }
    if (res.ok) {
      $("token").value = "";
      showView(await res.json());
      return;
    }
    let detail = "Sign-in refused (" + res.status + ").";
    try {
      detail = (await res.json()).detail || detail;
    } catch (err) { /* not JSON */ }
    $("sign-in-error").textContent = detail.charAt(0).toUpperCase() + detail.slice(1) + ".";
  });
  $("sign-out").addEventListener("click", async () => {
    try {
      await fetch("/api/v1/session", { method: "DELETE" });
    } finally {
      fleet = null;
      showSignIn("Signed out.");
    }
  });

  setInterval(() => {
    if (!fleet) return;
    refreshTimes();
    renderStream();
  }, 1000);
  start();
})();
