#!/usr/bin/env bash
# An outage drill from start to report: three checkpoints record synthetic travellers (simulate) while a
# scenario takes the centre away from them as `unavailable`, then `lost_ack`, then `flaky`; one of them
# also back-captures a paper register. After the drain, the report's counts must equal the truth counted
# apart, from each checkpoint's outbox (sqlite3) and from PostgreSQL (psql): nothing lost, nothing
# doubled, every device drained with a measured drain time, the acknowledgements dropped by lost_ack
# resent and answered "duplicate", and a pass.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is needed (deploy/install-deps.sh installs it)"

create_database
start_server --offline-retry-after 1
TRAINER=$(token trainer)
OPS=$(token operations)
DEVICES=(KAK-01 QTH-01 MRQ-01)
CHECKPOINTS=(KAKAVIJE QAFETHANE MURIQAN)
for i in 0 1 2; do init_checkpoint "$WORK/cp$i" "${CHECKPOINTS[$i]}" "${DEVICES[$i]}"; done
for i in 0 1 2; do
    "$CHECKPOINT_BIN" run --data-dir "$WORK/cp$i" --poll-interval-ms 100 --backoff-base-ms 100 --backoff-cap 1 \
        --heartbeat-interval 1 --timeout 2 --log-level info 2>"$WORK/daemon$i.log" &
    BACKGROUND_PIDS+=("$!")
done
known() { [ "$(sql "SELECT count(*) FROM devices")" = 3 ]; }
wait_until 30 "a heartbeat of each device" known

# Bad requests are refused naming the field; nobody but a trainer or an admin starts a drill.
code=$(curl -s -o "$WORK/answer.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TRAINER" \
    -H 'Content-Type: application/json' -d '{"name":"x","fault":"flaky","scope":{"all":true}}' \
    "http://127.0.0.1:$PORT/api/v1/drills")
[ "$code" = 400 ] && grep -q '"field":"params.p"' "$WORK/answer.json" || fail "a flaky drill without p answered $code: $(cat "$WORK/answer.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $OPS" -H 'Content-Type: application/json' \
    -d '{"name":"x","fault":"reset","scope":{"all":true},"duration_s":5}' "http://127.0.0.1:$PORT/api/v1/drills")
[ "$code" = 403 ] || fail "operations started a drill ($code)"

# The scenario: seconds, not minutes. Heartbeats pass (telemetry), so the backlog is seen to grow.
cat >"$WORK/scenario.json" <<'EOF'
{"name": "e2e TIMS shutdown", "telemetry": true,
 "scenario": {"steps": [
   {"at_s": 0,  "fault": "unavailable", "scope": {"all": true}, "params": {"retry_after_s": 1}, "duration_s": 6},
   {"at_s": 6,  "fault": "lost_ack",    "scope": {"all": true}, "duration_s": 5},
   {"at_s": 11, "fault": "flaky",       "scope": {"all": true},
    "params": {"p": 0.5, "kinds": ["reset", "timeout", "unavailable"]}, "duration_s": 5}]}}
EOF
DRILL=$(ctl --token "$TRAINER" drill start --scenario "$WORK/scenario.json" --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || fail "the drill did not start"
log "drill $DRILL started"

# A second drill over a device of the first is refused while the first runs.
code=$(curl -s -o "$WORK/answer.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TRAINER" \
    -H 'Content-Type: application/json' -d '{"name":"again","fault":"reset","scope":{"devices":["QTH-01"]},"duration_s":5}' \
    "http://127.0.0.1:$PORT/api/v1/drills")
[ "$code" = 409 ] && grep -q '"code":"drill_conflict"' "$WORK/answer.json" || fail "an overlapping drill answered $code"

# Officers keep working: synthetic travellers on every checkpoint through the whole drill.
SIMS=()
for i in 0 1 2; do
    "$CHECKPOINT_BIN" simulate --data-dir "$WORK/cp$i" --rate 240/min --duration 15s --day-length 5s \
        --seed $((i + 1)) --json >"$WORK/simulate$i.json" 2>"$WORK/simulate$i.log" &
    SIMS+=("$!")
    BACKGROUND_PIDS+=("$!")
done

# Every answer to a device in the drill names it (the officer's screen shows a banner).
DEVICE_TOKEN=$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$WORK/cp0/config.json")
curl -s -o /dev/null -D "$WORK/headers" -X POST -H "Authorization: Bearer $DEVICE_TOKEN" -H 'Content-Type: application/json' \
    -d '{"records":[]}' "http://127.0.0.1:$PORT/api/v1/crossings/batch"
grep -qi "^Borderlog-Drill: $DRILL" "$WORK/headers" || fail "a device's answer does not name the drill"
grep -qi '^Retry-After: 1' "$WORK/headers" || fail "the unavailable fault has no Retry-After"
# The dashboard's fleet view and /metrics show the drill.
fleet_shows() { curl -sf -H "Authorization: Bearer $OPS" "http://127.0.0.1:$PORT/api/v1/checkpoints" | grep "\"$DRILL\"" >/dev/null; }
wait_until 10 "the fleet view to show the drill" fleet_shows
# The terminal hears it in the heartbeat's answer: its status (and the officer's screen) names the drill.
terminal_knows() { status_field "$WORK/cp1" drill | grep_all "e2e TIMS shutdown"; }
wait_until 10 "the terminal to know the drill" terminal_knows
metrics_show() { curl -sf "http://127.0.0.1:$PORT/metrics" | grep '^borderlog_drill_active.* 1' >/dev/null; }
wait_until 10 "/metrics to show the drill" metrics_show

# The paper register of KAKAVIJE, written during the outage (from its second second) and entered later:
# back-captured, counted apart.
drill_second_passed() { [ "$(sql "SELECT now() >= started_at + interval '$1 seconds' FROM drills WHERE id = '$DRILL'")" = t ]; }
wait_until 30 "the drill's second second" drill_second_passed 2
python3 - "$WORK/paper.jsonl" <<'EOF'
import datetime, json, sys
now = datetime.datetime.now(datetime.timezone.utc)
with open(sys.argv[1], "w") as out:
    for i in range(7):
        at = (now - datetime.timedelta(seconds=i * 0.1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        out.write(json.dumps({"direction": "entry", "occurred_at": at, "lane": "1", "traveler": {
            "document_type": "P", "document_number": "PAPER%04d" % i, "issuing_country": "GRC", "nationality": "GRC",
            "surname": "PAPADOPOULOS", "given_names": "NIKOS", "birth_date": "1970-05-05", "sex": "M"}}) + "\n")
EOF
checkpoint import --data-dir "$WORK/cp0" --paper-ref "KAK-2026-REG-7" "$WORK/paper.jsonl" >/dev/null 2>&1 ||
    fail "the paper import failed"
[ "$(sql "SELECT count(*) FROM crossings WHERE paper_ref IS NOT NULL")" = 0 ] ||
    fail "records reached PostgreSQL while the centre was unavailable"

# The server restarts in the middle of the drill: the drill goes on from the database, and ends on time.
wait_until 30 "the drill's lost_ack phase" drill_second_passed 7
stop_server
start_server --offline-retry-after 1
log "the server restarted during the drill"

for pid in "${SIMS[@]}"; do wait "$pid" || fail "simulate exited $?"; done
finished() { ctl --token "$TRAINER" drill status "$DRILL" --json | grep_all '"state":"finished"'; }
wait_until 60 "the drill to end by itself" finished
drained() {
    for i in 0 1 2; do [ "$(status_field "$WORK/cp$i" pending)" = 0 ] || return 1; done
}
wait_until 60 "every checkpoint to drain" drained
for i in 0 1 2; do assert_exactly_once "$WORK/cp$i" "${DEVICES[$i]}"; done
terminal_forgot() { [ "$(status_field "$WORK/cp1" drill)" = null ]; }
wait_until 10 "the terminal to hear that the drill is over" terminal_forgot

# The report is complete once a heartbeat after the drain is in: wait for every device to say drained.
all_drained() {
    ctl --token "$OPS" drill report "$DRILL" --json >"$WORK/report.json" 2>/dev/null &&
        python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if all(d["drained"] for d in r["devices"]) else 1)' \
            "$WORK/report.json"
}
wait_until 60 "the report to see every device drained" all_drained

# The truth, counted apart: records made during the drill's faults (by their occurred_at), of them the
# back-captured ones apart, from each outbox, and the same from PostgreSQL.
for i in 0 1 2; do
    sqlite3 -separator ' ' "$WORK/cp$i/outbox.db" \
        "SELECT json_extract(body, '\$.occurred_at'), coalesce(json_extract(body, '\$.flags'), '[]') FROM outbox" \
        >"$WORK/outbox$i.txt"
done
sql "SELECT device_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), array_to_json(flags) FROM crossings" \
    >"$WORK/central.txt"
python3 - "$WORK" "${DEVICES[@]}" <<'EOF' || fail "the report does not match the truth"
import datetime, json, sys
work, devices = sys.argv[1], sys.argv[2:]
report = json.load(open(f"{work}/report.json"))
def t(text): return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
start, restore = t(report["started_at"]), t(report["restored_at"])
def count(rows):
    during = back = synthetic = 0
    for occurred, flags in rows:
        if not (start <= t(occurred) < restore): continue
        if "back_captured" in flags: back += 1
        else:
            during += 1
            synthetic += "synthetic" in flags
    return during, back, synthetic
central = {}
for line in open(f"{work}/central.txt"):
    device, occurred, flags = line.rstrip("\n").split("|")
    central.setdefault(device, []).append((occurred, json.loads(flags) if flags else []))
problems = []
by_device = {d["device_id"]: d for d in report["devices"]}
for i, device in enumerate(devices):
    rows = []
    for line in open(f"{work}/outbox{i}.txt"):
        occurred, flags = line.rstrip("\n").split(" ", 1)
        rows.append((occurred, json.loads(flags)))
    local, pg = count(rows), count(central.get(device, []))
    d = by_device.get(device)
    if d is None: problems.append(f"{device} is not in the report"); continue
    got = (d["records_during"], d["back_captured"], d["synthetic"])
    if local != pg: problems.append(f"{device}: outbox {local} != PostgreSQL {pg}")
    if got != local: problems.append(f"{device}: report (during, back-captured, synthetic) {got} != outbox {local}")
    if local[0] == 0: problems.append(f"{device}: no records during the drill")
    if d["lost"] != 0 or d["duplicates"] != 0: problems.append(f"{device}: lost {d['lost']}, duplicates {d['duplicates']}")
    if not isinstance(d["drain_seconds"], (int, float)) or d["drain_seconds"] < 0:
        problems.append(f"{device}: no drain time ({d['drain_seconds']})")
    if d["backlog_peak"] <= 0: problems.append(f"{device}: no backlog peak")
tot = report["totals"]
if tot["records_during"] != sum(by_device[d]["records_during"] for d in devices): problems.append("totals do not add up")
if tot["lost"] != 0 or tot["duplicates"] != 0: problems.append(f"totals: lost {tot['lost']}, duplicates {tot['duplicates']}")
if tot["back_captured"] != 7: problems.append(f"back-captured {tot['back_captured']}, not 7")
if tot["lost_acks"] <= 0: problems.append("lost_ack dropped no acknowledgement")
if tot["resent_duplicates"] <= 0: problems.append("no resend was answered duplicate")
if report["verdict"] != "pass": problems.append(f"verdict {report['verdict']}: {report.get('reasons')}")
for p in problems: print(p, file=sys.stderr)
print(json.dumps({d: (by_device[d]["records_during"], by_device[d]["drain_seconds"], by_device[d]["resent_duplicates"]) for d in devices}), file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

# What the daemons were told: every acknowledgement dropped by lost_ack came back as "duplicate".
daemon_duplicates=$(cat "$WORK"/daemon*.log | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    try: e = json.loads(line)
    except ValueError: continue
    if e.get("event") == "synced": n += int(e.get("duplicates", 0))
print(n)')
report_duplicates=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["totals"]["resent_duplicates"])' "$WORK/report.json")
[ "$daemon_duplicates" = "$report_duplicates" ] ||
    fail "the daemons heard $daemon_duplicates duplicates, the report counts $report_duplicates"
[ "$(sql "SELECT count(*) FROM crossings WHERE 'synthetic' = ANY (flags)")" -gt 0 ] || fail "no record is flagged synthetic"
[ "$(sql "SELECT count(*) FROM crossings WHERE paper_ref = 'KAK-2026-REG-7' AND 'back_captured' = ANY (flags)")" = 7 ] ||
    fail "the paper entries are not back-captured with their reference"

# The CSV has a line per device, per checkpoint and the total; the page is served.
ctl --token "$OPS" drill report "$DRILL" --csv >"$WORK/report.csv"
[ "$(grep -c "" "$WORK/report.csv")" -ge 8 ] || fail "the CSV report is short: $(cat "$WORK/report.csv")"
curl -sf "http://127.0.0.1:$PORT/drills/$DRILL" | grep -i "drill" >/dev/null || fail "the report page is not served"

# Start and end are in the audit trail; the drill's id is in the log lines.
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'drill.start' AND target = '$DRILL'")" = 1 ] ||
    fail "the drill's start is not audited"
grep -q "\"drill_id\":\"$DRILL\"" "$WORK/server.log" || fail "no log line names the drill"

# The sample scenarios trainers start by hand (README) are accepted; a trainer stops a drill early.
for file in tims-shutdown quick-rehearsal; do
    id=$(ctl --token "$TRAINER" drill start --scenario "$BORDERLOG_SOURCE_DIR/deploy/drills/$file.json" --json |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || fail "deploy/drills/$file.json was refused"
    ctl --token "$TRAINER" drill stop "$id" --json | grep_all '"state":"stopped"' || fail "drill $id did not stop"
    [ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'drill.stop' AND target = '$id'")" = 1 ] ||
        fail "the stop of drill $id is not audited"
done
[ "$(ctl --token "$TRAINER" drill list --state stopped --json | grep -o '"state":"stopped"' | wc -l)" = 2 ] ||
    fail "drill list does not show the two stopped drills"
stop_server
