#!/usr/bin/env bash
# kill -9 of the server, three times, while 5,000 records sync; after restarts PostgreSQL holds
# exactly the 5,000, with no duplicates. Then the database loses half of them and reconcile repairs it.
source "$(dirname "$0")/lib.sh"

create_database
start_server
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
gen_jsonl 5000 "$WORK/backlog.jsonl"
[ "$(checkpoint import --data-dir "$WORK/cp" "$WORK/backlog.jsonl" 2>/dev/null)" = 5000 ] || fail "import did not record 5000"

more_than() { [ "$(central_count)" -gt "$1" ]; }
for round in 1 2 3; do
    before=$(central_count)
    "$CHECKPOINT_BIN" sync --once --data-dir "$WORK/cp" --batch-size 25 --timeout 5 2>/dev/null &
    sync_pid=$!
    BACKGROUND_PIDS+=("$sync_pid")
    wait_until 60 "sync progress in round $round" more_than "$before"
    kill_server
    rc=0
    wait "$sync_pid" || rc=$?
    log "round $round: server killed at $(central_count) rows; sync exited $rc"
    [ $rc -eq 3 ] || [ $rc -eq 0 ] || fail "sync exited $rc after the server was killed (expected 3)"
    [ "$(central_count)" -lt 5000 ] || fail "the sync finished before the kill of round $round"
    start_server
done

checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the final sync failed"
[ "$(status_field "$WORK/cp" pending)" = 0 ] || fail "records still pending"
[ "$(central_count)" = 5000 ] || fail "PostgreSQL holds $(central_count) rows, not 5000"
assert_exactly_once "$WORK/cp" KAK-01

# The central database loses every other record (a failover to a late replica, say): 2,500 gaps,
# more than one reconcile answer holds. The next sync finds them all and sends them again.
sql "DELETE FROM crossings WHERE seq % 2 = 0" >/dev/null
report=$(checkpoint sync --once --data-dir "$WORK/cp" --json 2>/dev/null) || fail "the sync after the loss failed"
echo "$report" | grep_all '"requeued":2500' || fail "reconcile did not find the 2500 lost records: $report"
[ "$(central_count)" = 5000 ] || fail "PostgreSQL holds $(central_count) rows after the re-send, not 5000"
assert_exactly_once "$WORK/cp" KAK-01
stop_server
