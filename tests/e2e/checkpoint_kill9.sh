#!/usr/bin/env bash
# kill -9 of borderlog-checkpoint during sync and during import; afterwards every record it had
# made durable is in PostgreSQL exactly once, and a second import records only the rest.
source "$(dirname "$0")/lib.sh"

create_database
start_server

# During sync.
init_checkpoint "$WORK/a" KAKAVIJE KAK-01
gen_jsonl 3000 "$WORK/a.jsonl"
checkpoint import --data-dir "$WORK/a" "$WORK/a.jsonl" >/dev/null 2>&1 || fail "import failed"
"$CHECKPOINT_BIN" sync --once --data-dir "$WORK/a" --batch-size 10 2>/dev/null &
sync_pid=$!
BACKGROUND_PIDS+=("$sync_pid")
some_rows() { [ "$(central_count)" -gt 0 ]; }
wait_until 60 "the sync to store something" some_rows
kill -9 "$sync_pid"
wait "$sync_pid" 2>/dev/null || true
stored=$(central_count)
log "sync killed with $stored of 3000 stored"
[ "$stored" -lt 3000 ] || fail "the sync finished before it was killed"
checkpoint sync --once --data-dir "$WORK/a" 2>/dev/null || fail "sync after the kill failed"
[ "$(central_count)" = 3000 ] || fail "PostgreSQL holds $(central_count) rows, not 3000"
assert_exactly_once "$WORK/a" KAK-01

# During import.
init_checkpoint "$WORK/b" KAKAVIJE KAK-02
gen_jsonl 20000 "$WORK/b.jsonl"
"$CHECKPOINT_BIN" import --data-dir "$WORK/b" --chunk-size 50 "$WORK/b.jsonl" >/dev/null 2>&1 &
import_pid=$!
BACKGROUND_PIDS+=("$import_pid")
local_count() { sqlite3 "$WORK/b/outbox.db" "SELECT count(*) FROM outbox" 2>/dev/null || echo 0; }
some_local() { [ "$(local_count)" -gt 0 ]; }
wait_until 60 "the import to record something" some_local
kill -9 "$import_pid"
wait "$import_pid" 2>/dev/null || true
durable=$(local_count)
log "import killed with $durable of 20000 durable"
[ "$durable" -lt 20000 ] || fail "the import finished before it was killed"
checkpoint sync --once --data-dir "$WORK/b" 2>/dev/null || fail "sync after the killed import failed"
assert_exactly_once "$WORK/b" KAK-02

# Run again on the same file: only the lines not yet recorded are recorded.
again=$(checkpoint import --data-dir "$WORK/b" "$WORK/b.jsonl" 2>/dev/null) || fail "the second import failed"
[ "$again" = $((20000 - durable)) ] || fail "the second import recorded $again, not $((20000 - durable))"
checkpoint sync --once --data-dir "$WORK/b" 2>/dev/null || fail "the last sync failed"
assert_exactly_once "$WORK/b" KAK-02
[ "$(sql "SELECT count(DISTINCT document_number) FROM crossings WHERE device_id = 'KAK-02'")" = 20000 ] ||
    fail "not every import line is stored exactly once"
stop_server
