// borderlog booth: the officer's screen. Everything goes through this terminal's own daemon (the local
// API under /local/v1/, with the page's token), never to the centre: it works the same with the centre
// gone. Keyboard first: scan (or type) the MRZ and Enter, then E entry or X exit; Esc for the next
// traveller. See docs/checkpoint.md, "The officer screen".
"use strict";

const TOKEN = document.querySelector('meta[name="borderlog-token"]').content;
const $ = (id) => document.getElementById(id);
const STATE_EVERY_MS = 2000;
const RECENT_EVERY_MS = 5000;
const STORE = window.localStorage;

// What the officer is working on: the document read (an MRZ or a typed traveller), its preview, and
// whether a faulty MRZ was deliberately forced.
let current = null; // {kind: "mrz", mrz, parsed} | {kind: "manual", traveler}
let forceArmed = false;
let recording = false;
let centralState = "unknown";
let lookupSeq = 0;
let queue = { lane: "", waiting: 0, at: null };

// ---------------------------------------------------------------------------------------------------
// The local API.

async function api(method, path, body) {
  const init = { method, headers: { "X-Borderlog-Token": TOKEN }, cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch("/local/v1/" + path, init);
  } catch (e) {
    return { status: 0, ok: false, data: { detail: "the terminal's daemon does not answer: is it running?" } };
  }
  let data = {};
  try { data = await res.json(); } catch (e) { data = {}; }
  return { status: res.status, ok: res.ok, data };
}

// ---------------------------------------------------------------------------------------------------
// Small helpers.

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", "#" + name);
  svg.appendChild(use);
  return svg;
}

function setIcon(svgParent, name) {
  const use = svgParent.querySelector("use");
  if (use) use.setAttribute("href", "#" + name);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function ago(seconds) {
  if (seconds === null || seconds === undefined) return "never";
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 5400) return Math.round(seconds / 60) + " min ago";
  if (seconds < 172800) return Math.round(seconds / 3600) + " h ago";
  return Math.floor(seconds / 86400) + " days ago";
}

function secondsSince(iso, nowIso) {
  if (!iso) return null;
  const now = nowIso ? Date.parse(nowIso) : Date.now();
  return Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
}

function localTime(iso) {
  const d = new Date(iso);
  return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function name(t) {
  return [t.surname, t.given_names].filter(Boolean).join(", ");
}

const FIELD_LABELS = {
  document_number: "Document number", issuing_country: "Issuing country", nationality: "Nationality",
  birth_date: "Birth date", expiry_date: "Expiry date", sex: "Sex", surname: "Surname",
  given_names: "Given names", document_type: "Document type", optional_data: "Optional data",
  composite: "Composite check digit",
};
const label = (field) => FIELD_LABELS[field] || field;

function lane() { return $("lane").value.trim(); }
function officer() { return $("officer").value.trim(); }

function typing(target) {
  return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT");
}

// ---------------------------------------------------------------------------------------------------
// The banner: the centre, the backlog, the watchlist copy, a drill.

async function refreshState() {
  const r = await api("GET", "state");
  const central = $("central");
  if (!r.ok) {
    central.dataset.state = "offline";
    setIcon(central, "i-warn");
    central.querySelector(".chip-text").textContent = "Terminal daemon not answering";
    return;
  }
  const s = r.data;
  $("checkpoint").textContent = s.checkpoint_id;
  $("device").textContent = s.device_id;
  if (!lane() && !STORE.getItem("borderlog.lane")) setLane(s.default_lane || "1");
  centralState = s.central;
  const text = central.querySelector(".chip-text");
  central.dataset.state = s.central;
  if (s.central === "online") {
    setIcon(central, "i-ok");
    text.textContent = "Centre online";
  } else if (s.central === "offline") {
    setIcon(central, "i-warn");
    text.textContent = "Centre offline — recording locally";
  } else {
    setIcon(central, "i-clock");
    text.textContent = "Centre not reached yet";
  }
  const backlog = $("backlog");
  backlog.dataset.state = s.pending > 0 ? "backlog" : "current";
  backlog.querySelector(".chip-text").textContent =
    s.pending === 0 ? "All synced" : s.pending + " waiting to sync";
  const sinceSync = secondsSince(s.last_sync_at, s.now);
  $("last-sync").textContent = "Last sync: " + ago(sinceSync) + (s.rejected ? " · " + s.rejected + " refused by the centre" : "");

  const w = s.watchlist;
  const chip = $("watchlist");
  const wtext = chip.querySelector(".chip-text");
  if (w.version === null) {
    chip.dataset.state = "none";
    wtext.textContent = "No watchlist copy yet";
  } else {
    chip.dataset.state = w.age_s !== null && w.age_s > 3600 ? "stale" : "current";
    wtext.textContent = "Watchlist v" + w.version + " · " + ago(w.age_s);
  }
  chip.title = w.version === null ? "The daemon pulls the list when the centre answers"
    : w.entries + " entries, checked with the centre " + ago(w.age_s);

  $("drill").hidden = !s.drill;
  $("drill-name").textContent = s.drill || "";
}

// ---------------------------------------------------------------------------------------------------
// Reading a document.

const MRZ_SHAPES = [[2, 44], [2, 36], [3, 30]];

function mrzLines() {
  return $("mrz").value.toUpperCase().split(/\r\n|\r|\n/).map((l) => l.trim());
}

function mrzComplete(lines) {
  const filled = lines.filter((l) => l.length > 0);
  return MRZ_SHAPES.some(([n, len]) => filled.length === n && filled.every((l) => l.length === len)) &&
    lines.slice(0, filled.length).every((l) => l.length > 0);
}

function resetTraveller(keepResult) {
  current = null;
  forceArmed = false;
  lookupSeq++;
  $("preview").hidden = true;
  $("actions").hidden = true;
  $("force").hidden = true;
  $("forced").hidden = true;
  $("alert").hidden = true;
  document.body.classList.remove("hit");
  $("mrz-error").hidden = true;
  $("manual-error").hidden = true;
  if (!keepResult) $("result").hidden = true;
  $("mrz").value = "";
  for (const l of document.querySelectorAll("#manual label")) l.classList.remove("invalid");
  if (!$("manual").hidden) {
    $("manual").reset();
    $("manual").querySelector("input").focus();
  } else {
    $("mrz").focus();
  }
}

async function readMrz() {
  const text = mrzLines().filter((l) => l.length > 0).join("\n");
  $("mrz-error").hidden = true;
  const r = await api("POST", "mrz/parse", { mrz: text });
  if (!r.ok) {
    $("mrz-error").textContent = r.status === 400
      ? "This is not a machine readable zone: scan again, or type its 2 or 3 lines (M for a document without one)."
      : (r.data.detail || "The terminal could not read it.");
    $("mrz-error").hidden = false;
    return;
  }
  current = { kind: "mrz", mrz: text, parsed: r.data };
  forceArmed = false;
  showPreview(r.data.traveler, r.data);
  showWatchlist(r.data.watchlist);
  lookUpStay(r.data.traveler);
}

function showPreview(traveler, parsed) {
  $("result").hidden = true;
  const faults = {};
  if (parsed) for (const e of parsed.errors) (faults[e.field] = faults[e.field] || []).push(e);
  for (const f of document.querySelectorAll("#preview .field")) {
    const field = f.dataset.field;
    f.querySelector(".value").textContent = traveler[field] || "–";
    const fault = f.querySelector(".fault");
    fault.replaceChildren();
    const mine = faults[field] || [];
    f.classList.toggle("bad", mine.length > 0);
    if (mine.length) {
      fault.appendChild(icon("i-cross"));
      fault.appendChild(document.createTextNode(
        (mine[0].message.startsWith("check digit") ? "Check digit wrong" : mine[0].message) +
        " (line " + mine[0].line + ", position " + mine[0].position + ")"));
    }
  }
  const verdict = $("doc-verdict");
  verdict.replaceChildren();
  const box = $("mrz-faults");
  box.replaceChildren();
  if (!parsed) {
    $("doc-format").textContent = "Typed by hand";
    verdict.dataset.state = "typed";
    verdict.append(icon("i-list"), "No MRZ to check");
    box.hidden = true;
  } else {
    $("doc-format").textContent = parsed.format + " · MRZ read locally";
    if (parsed.valid) {
      verdict.dataset.state = "valid";
      verdict.append(icon("i-ok"), "Check digits correct");
      box.hidden = true;
    } else {
      verdict.dataset.state = "invalid";
      verdict.append(icon("i-cross"), "MRZ check failed");
      for (const e of parsed.errors) {
        const where = FIELD_LABELS[e.field] ? label(e.field) : e.field;
        box.appendChild(el("p", "", where + ": " + e.message + " (line " + e.line + ", position " + e.position + ")"));
      }
      box.appendChild(el("p", "", "Check the document against the zone. A misprinted zone can still be recorded: press F, then E or X (the record is flagged “MRZ invalid”)."));
      box.hidden = false;
    }
  }
  const blocked = parsed && !parsed.valid;
  $("actions").dataset.blocked = blocked ? "true" : "false";
  $("force").hidden = !blocked;
  $("forced").hidden = true;
  $("preview").hidden = false;
  $("actions").hidden = false;
  $("stay").dataset.state = "waiting";
  $("stay").querySelector(".stay-text").textContent = "Asking the centre about this traveller…";
  setIcon($("stay"), "i-clock");
  (blocked ? $("force") : $("entry")).focus();
}

function showWatchlist(w) {
  const hits = (w && w.hits) || [];
  $("alert").hidden = hits.length === 0;
  document.body.classList.toggle("hit", hits.length > 0);
  if (!hits.length) return;
  const actions = [...new Set(hits.map((h) => h.action.toUpperCase()))];
  $("alert-action").textContent = actions.join(" / ");
  const list = $("alert-reasons");
  list.replaceChildren();
  for (const h of hits)
    list.appendChild(el("li", "", h.reason + " — matched by " + (h.matched_by === "document" ? "document" : "name and birth date")));
  $("alert-list").textContent = "Checked on this terminal's copy: watchlist version " + w.version + ", checked with the centre " +
    ago(w.age_s) + ". Follow the instruction for “" + actions.join(" / ").toLowerCase() + "”.";
}

// The centre's word on the traveller (status and stay), asked through the daemon with a short timeout.
// It never holds up recording: E and X work before it answers.
async function lookUpStay(t) {
  const mine = ++lookupSeq;
  const box = $("stay");
  const text = box.querySelector(".stay-text");
  if (!t.issuing_country || !t.document_number || !/^[A-Z]{1,3}$/.test(t.issuing_country) || !/^[A-Z0-9]{1,20}$/.test(t.document_number)) {
    box.dataset.state = "waiting";
    text.textContent = "No status: the document number cannot be read.";
    return;
  }
  const r = await api("GET", "travelers/" + encodeURIComponent(t.issuing_country) + "/" + encodeURIComponent(t.document_number) + "/status");
  if (mine !== lookupSeq) return;
  if (!r.ok || r.data.centre !== "online") {
    box.dataset.state = "offline";
    setIcon(box, "i-warn");
    text.textContent = r.data.centre === "error"
      ? "The centre could not give this traveller's status (" + (r.data.detail || "error") + ")."
      : "Centre offline — no status or stay for this traveller; recording works as usual.";
    return;
  }
  const stay = r.data.stay || {};
  const status = { in_country: "In the country", departed: "Departed", unknown: "Not recorded before" }[r.data.status] || r.data.status;
  let line = status;
  if (stay.rule === "exempt") {
    line += " · stay rule does not apply (" + (stay.nationality || "exempt") + ")";
  } else if (stay.days_used !== undefined) {
    line += " · " + stay.days_used + " of 90 days used in 180 · " +
      (stay.overstay ? "OVERSTAY" : stay.days_remaining + " days remaining");
  }
  box.dataset.state = stay.overstay ? "overstay" : "ok";
  setIcon(box, stay.overstay ? "i-warn" : "i-ok");
  text.textContent = line;
}

// ---------------------------------------------------------------------------------------------------
// Recording.

async function record(direction) {
  if (!current || recording) return;
  if (current.kind === "mrz" && !current.parsed.valid && !forceArmed) {
    $("force").focus();
    return;
  }
  recording = true;
  const body = { direction };
  if (lane()) body.lane = lane();
  if (officer()) body.officer_id = officer();
  if (current.kind === "mrz") body.mrz = current.mrz;
  else body.traveler = current.traveler;
  if (forceArmed) body.force = true;
  const r = await api("POST", "crossings", body);
  recording = false;
  const result = $("result");
  if (r.status === 201) {
    const x = r.data.record;
    const offline = r.data.central !== "online";
    result.dataset.state = offline ? "offline" : "ok";
    setIcon(result, offline ? "i-warn" : "i-ok");
    $("result-title").textContent = (direction === "entry" ? "Entry" : "Exit") + " recorded · " + name(x.traveler) +
      (x.flags && x.flags.includes("mrz_invalid") ? " · flagged MRZ invalid" : "");
    $("result-detail").textContent = offline
      ? "centre offline — recorded locally (it is sent when the centre is back)"
      : "Recorded on this terminal at " + localTime(x.occurred_at) + "; sent to the centre in a moment";
    const hits = r.data.watchlist.hits.length;
    resetTraveller(true);
    if (hits) showWatchlist(r.data.watchlist); // the alert stays in front of the officer after recording
    result.hidden = false;
    refreshRecent();
    refreshState();
    return;
  }
  if (r.status === 422 && r.data.code === "mrz_invalid") {
    // The MRZ changed under us, or force was not armed: show its faults again.
    current.parsed.valid = false;
    current.parsed.errors = r.data.errors || [];
    showPreview(current.parsed.traveler, current.parsed);
    return;
  }
  result.dataset.state = "refused";
  setIcon(result, "i-cross");
  $("result-title").textContent = "Not recorded";
  $("result-detail").textContent = r.data.detail || "the terminal refused it";
  result.hidden = false;
  if (current.kind === "manual" && r.data.field) markManual(r.data.field);
}

function armForce() {
  if (!current || current.kind !== "mrz" || current.parsed.valid) return;
  forceArmed = true;
  $("forced").hidden = false;
  $("actions").dataset.blocked = "false";
  $("entry").focus();
}

// ---------------------------------------------------------------------------------------------------
// Documents without an MRZ.

function openManual() {
  resetTraveller(false);
  $("mrz-form").hidden = true;
  $("manual").hidden = false;
  $("manual").querySelector("input").focus();
}

function closeManual() {
  $("manual").hidden = true;
  $("mrz-form").hidden = false;
  resetTraveller(false);
}

function markManual(field) {
  for (const l of document.querySelectorAll("#manual label")) l.classList.toggle("invalid", l.dataset.field === field);
  const bad = document.querySelector('#manual label[data-field="' + field + '"] input, #manual label[data-field="' + field + '"] select');
  if (bad) bad.focus();
}

async function checkManual(event) {
  event.preventDefault();
  const form = $("manual");
  const traveler = {};
  for (const input of form.querySelectorAll("input, select")) {
    const v = input.value.trim();
    if (v) traveler[input.name] = ["surname", "given_names"].includes(input.name) ? v : v.toUpperCase();
  }
  for (const l of form.querySelectorAll("label")) l.classList.remove("invalid");
  $("manual-error").hidden = true;
  const missing = ["document_number", "issuing_country", "nationality", "surname", "birth_date", "sex"].filter((k) => !traveler[k]);
  if (missing.length) {
    markManual("traveler." + missing[0]);
    $("manual-error").textContent = label(missing[0]) + " is required.";
    $("manual-error").hidden = false;
    return;
  }
  const r = await api("POST", "screen", { traveler });
  if (!r.ok) {
    if (r.data.field) markManual(r.data.field);
    $("manual-error").textContent = r.data.detail || "The terminal refused it.";
    $("manual-error").hidden = false;
    return;
  }
  current = { kind: "manual", traveler };
  forceArmed = false;
  showPreview(traveler, null);
  showWatchlist(r.data.watchlist);
  lookUpStay(traveler);
}

// ---------------------------------------------------------------------------------------------------
// The lane: its queue and its last crossings.

function setLane(value) {
  $("lane").value = value;
  STORE.setItem("borderlog.lane", value);
  $("queue-lane").textContent = value || "–";
  $("recent-lane").textContent = value || "–";
  refreshQueue();
  refreshRecent();
}

async function refreshQueue() {
  if (queuePending > 0) return; // a count being sent is newer than what the terminal holds
  const r = await api("GET", "lanes");
  if (!r.ok || queuePending > 0) return;
  const mine = (r.data.lanes || []).find((l) => l.lane === lane());
  queue = { lane: lane(), waiting: mine ? mine.waiting : 0, at: mine ? mine.at : null };
  $("queue-waiting").textContent = String(queue.waiting);
  $("queue-at").textContent = queue.at ? "counted at " + localTime(queue.at) + "; sent with the next heartbeat" : "not counted yet";
}

// The count changes on screen at once; the counts are sent one after the other, so that quick
// presses are never lost and the last one is what the terminal keeps.
let queueSending = Promise.resolve();
let queuePending = 0;
function setQueue(waiting) {
  const forLane = lane();
  if (!forLane) return;
  waiting = Math.max(0, Math.min(100000, waiting));
  queue.waiting = waiting;
  $("queue-waiting").textContent = String(waiting);
  queuePending++;
  $("queue-at").dataset.state = "saving";
  queueSending = queueSending.then(async () => {
    const r = await api("PUT", "lanes/" + encodeURIComponent(forLane), { waiting });
    queuePending--;
    if (queuePending === 0) $("queue-at").dataset.state = r.ok ? "saved" : "refused";
    if (r.ok && forLane === lane()) {
      queue.at = r.data.at;
      $("queue-at").textContent = "counted at " + localTime(queue.at) + "; sent with the next heartbeat";
    } else if (!r.ok) {
      $("queue-at").textContent = "the count was not kept: " + (r.data.detail || "the terminal refused it");
    }
  });
}

async function refreshRecent() {
  const r = await api("GET", "crossings?limit=8" + (lane() ? "&lane=" + encodeURIComponent(lane()) : ""));
  if (!r.ok) return;
  const list = $("recent");
  list.replaceChildren();
  for (const x of r.data.crossings) {
    const li = el("li");
    li.dataset.direction = x.direction;
    li.appendChild(icon(x.direction === "entry" ? "i-in" : "i-out"));
    li.appendChild(el("span", "who", name(x.traveler) || x.traveler.document_number));
    const when = el("span", "when", localTime(x.occurred_at));
    when.title = x.occurred_at;
    li.appendChild(when);
    const doc = el("span", "doc", (x.direction === "entry" ? "Entry" : "Exit") + " · " + x.traveler.issuing_country + " " + x.traveler.document_number);
    // Outside the name, which is cut short when long: the flag must always show.
    if (x.flags.includes("mrz_invalid")) doc.appendChild(el("span", "tag tag-forced", "MRZ invalid"));
    li.appendChild(doc);
    const sync = el("span", "sync");
    sync.dataset.state = x.state;
    sync.append(icon(x.state === "acknowledged" ? "i-ok" : x.state === "pending" ? "i-clock" : "i-cross"),
      x.state === "acknowledged" ? "at the centre" : x.state === "pending" ? "to sync" : "refused");
    li.appendChild(sync);
    list.appendChild(li);
  }
  $("recent-empty").hidden = r.data.crossings.length > 0;
}

// ---------------------------------------------------------------------------------------------------
// Keys.

function onMrzKey(event) {
  if (event.key === "Escape") {
    event.preventDefault();
    resetTraveller(false);
    return;
  }
  // In the empty box, the keys that can never begin a zone (MRZs begin with P, I, A, C or V) are
  // commands, so the officer need not leave the box: M for a document without an MRZ, + and - the queue.
  if ($("mrz").value === "" && !event.ctrlKey && !event.altKey && !event.metaKey) {
    const key = event.key.toLowerCase();
    if (key === "m") { event.preventDefault(); openManual(); return; }
    if (key === "+" || key === "=") { event.preventDefault(); setQueue(queue.waiting + 1); return; }
    if (key === "-") { event.preventDefault(); setQueue(queue.waiting - 1); return; }
  }
  if (event.key !== "Enter") return;
  const lines = mrzLines();
  if (mrzComplete(lines)) {
    event.preventDefault();
    readMrz();
    return;
  }
  // A reader types each line and Enter; an empty line, or a fourth, is not part of an MRZ.
  const last = lines[lines.length - 1];
  if (last.length === 0 || lines.length >= 3) {
    event.preventDefault();
    if (lines.some((l) => l.length > 0)) readMrz();
  }
}

function onMrzInput() {
  // A reader that sends the whole zone at once (or a paste) ends in a line break: read it then.
  const value = $("mrz").value;
  if (/[\r\n]$/.test(value) && mrzComplete(mrzLines())) readMrz();
}

function onKey(event) {
  if (event.target.id === "mrz") return;
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  const inManual = event.target.closest && event.target.closest("#manual");
  if (event.key === "Escape") {
    event.preventDefault();
    if (inManual && !current) closeManual();
    else resetTraveller(false);
    return;
  }
  if (typing(event.target)) return;
  const key = event.key.toLowerCase();
  if (key === "e" && current) { event.preventDefault(); record("entry"); }
  else if (key === "x" && current) { event.preventDefault(); record("exit"); }
  else if (key === "f" && current) { event.preventDefault(); armForce(); }
  else if (key === "m") { event.preventDefault(); openManual(); }
  else if (key === "+" || key === "=") { event.preventDefault(); setQueue(queue.waiting + 1); }
  else if (key === "-") { event.preventDefault(); setQueue(queue.waiting - 1); }
  else if (/^[a-z0-9<]$/.test(key) && $("manual").hidden) {
    // A new document scanned while the last one is still shown: the reader's first character starts it.
    // (MRZs begin with P, I, A, C or V, never with a command key.)
    event.preventDefault();
    resetTraveller(false);
    $("mrz").value = event.key.toUpperCase();
  }
}

function start() {
  const savedLane = STORE.getItem("borderlog.lane");
  if (savedLane) $("lane").value = savedLane;
  $("officer").value = STORE.getItem("borderlog.officer") || "";
  $("queue-lane").textContent = lane() || "–";
  $("recent-lane").textContent = lane() || "–";
  $("lane").addEventListener("change", () => setLane(lane()));
  $("officer").addEventListener("change", () => STORE.setItem("borderlog.officer", officer()));
  $("mrz").addEventListener("keydown", onMrzKey);
  $("mrz").addEventListener("input", onMrzInput);
  $("mrz-form").addEventListener("submit", (e) => { e.preventDefault(); readMrz(); });
  $("manual").addEventListener("submit", checkManual);
  $("manual").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.tagName !== "BUTTON") { e.preventDefault(); checkManual(e); }
  });
  $("manual-close").addEventListener("click", closeManual);
  $("entry").addEventListener("click", () => record("entry"));
  $("exit").addEventListener("click", () => record("exit"));
  $("force").addEventListener("click", armForce);
  $("queue-plus").addEventListener("click", () => setQueue(queue.waiting + 1));
  $("queue-minus").addEventListener("click", () => setQueue(queue.waiting - 1));
  $("queue-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const n = parseInt($("queue-input").value, 10);
    if (!isNaN(n)) setQueue(n);
    $("queue-input").value = "";
    $("mrz").focus();
  });
  document.addEventListener("keydown", onKey);
  refreshState();
  refreshQueue();
  refreshRecent();
  setInterval(refreshState, STATE_EVERY_MS);
  setInterval(refreshRecent, RECENT_EVERY_MS);
  setInterval(refreshQueue, RECENT_EVERY_MS);
  $("mrz").focus();
}

document.addEventListener("DOMContentLoaded", start);
