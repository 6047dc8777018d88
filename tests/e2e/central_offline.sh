#!/usr/bin/env bash
# The central-offline switch: devices get 503 central_offline (every device call, GET /api/v1/token
# included), records queue on the checkpoint, the switch goes back, and the running daemon drains the
# backlog. A `sync --once` started while the daemon syncs the same data directory sends nothing twice.
source "$(dirname "$0")/lib.sh"

create_database
start_server --offline-retry-after 1
ADMIN=$(token admin)
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
DEVICE_TOKEN=$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$WORK/cp/config.json")

"$CHECKPOINT_BIN" run --data-dir "$WORK/cp" --poll-interval-ms 100 --backoff-base-ms 100 --backoff-cap 1 \
    --heartbeat-interval 1 --log-level info 2>"$WORK/daemon.log" &
DAEMON=$!
BACKGROUND_PIDS+=("$DAEMON")

record() {
    checkpoint record --data-dir "$WORK/cp" --direction "$1" --doc-number "$2" --doc-country ALB --nationality ALB \
        --surname TEST --birth-date 1985-03-03 --sex F >/dev/null
}
rows_are() { [ "$(central_count)" = "$1" ]; }
for i in 1 2 3 4 5; do record entry "ON$i"; done
wait_until 30 "the daemon to sync 5 records" rows_are 5
heartbeat_seen() { [ "$(sql "SELECT count(*) FROM devices WHERE device_id = 'KAK-01'")" = 1 ]; }
wait_until 30 "a heartbeat" heartbeat_seen

ctl --token "$ADMIN" central-offline on --reason "e2e drill" | grep_all '"offline":true' || fail "switch did not turn on"
code=$(curl -s -o "$WORK/answer.json" -D "$WORK/headers" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $DEVICE_TOKEN" -H 'Content-Type: application/json' -d '{"records":[]}' \
    "http://127.0.0.1:$PORT/api/v1/crossings/batch")
[ "$code" = 503 ] || fail "a device call answered $code while central is offline, not 503"
grep -q '"code":"central_offline"' "$WORK/answer.json" || fail "the 503 does not say central_offline"
grep -qi '^Retry-After: 1' "$WORK/headers" || fail "the 503 has no Retry-After"
# A device token may do nothing at the centre while it is offline, not even ask who it is (api.md).
for target in /api/v1/token "/api/v1/devices/KAK-01/reconcile"; do
    code=$(curl -s -o "$WORK/answer.json" -w '%{http_code}' -H "Authorization: Bearer $DEVICE_TOKEN" "http://127.0.0.1:$PORT$target")
    [ "$code" = 503 ] && grep -q '"code":"central_offline"' "$WORK/answer.json" || fail "GET $target answered $code while offline"
done

for i in $(seq 1 50); do record exit "Q$i"; done
queued() { [ "$(status_field "$WORK/cp" pending)" = 50 ] && [ "$(status_field "$WORK/cp" central)" = offline ]; }
wait_until 30 "50 records queued while offline" queued
[ "$(central_count)" = 5 ] || fail "records reached PostgreSQL while central was offline"
rc=0
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || rc=$?
[ $rc -eq 3 ] || fail "sync --once exited $rc while central is offline, not 3"

ctl --token "$ADMIN" central-offline off | grep_all '"offline":false' || fail "switch did not turn off"
drained() { rows_are 55 && [ "$(status_field "$WORK/cp" pending)" = 0 ]; }
wait_until 60 "the daemon to drain the backlog" drained
assert_exactly_once "$WORK/cp" KAK-01

# A second backlog, drained by the daemon and a concurrent sync --once together.
ctl --token "$ADMIN" central-offline on >/dev/null
gen_jsonl 3000 "$WORK/more.jsonl"
checkpoint import --data-dir "$WORK/cp" "$WORK/more.jsonl" >/dev/null 2>&1
ctl --token "$ADMIN" central-offline off >/dev/null
report=$(checkpoint sync --once --data-dir "$WORK/cp" --batch-size 50 --json 2>/dev/null) || fail "concurrent sync --once failed"
echo "$report" | grep_all '"duplicates":0' || fail "sync --once re-sent records the daemon had sent: $report"
wait_until 60 "everything to be stored" rows_are 3055
if grep '"event":"synced"' "$WORK/daemon.log" | grep_all -v '"duplicates":0'; then
    fail "the daemon re-sent records"
fi
assert_exactly_once "$WORK/cp" KAK-01

kill -TERM "$DAEMON"
rc=0
wait "$DAEMON" || rc=$?
[ $rc -eq 0 ] || fail "the daemon exited $rc after SIGTERM"
stop_server
