#!/usr/bin/env bash
# An import killed with kill -9, then run again on the same paper register from somewhere else (a USB
# stick that remounts elsewhere, a copy in another folder), with a line added in the middle and the lines
# rewritten (other spacing, key order, time zone): each crossing is recorded, and stored, exactly once.
source "$(dirname "$0")/lib.sh"

create_database
start_server
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
mkdir -p "$WORK/usb0" "$WORK/elsewhere/copy"
gen_jsonl 20000 "$WORK/usb0/register.jsonl" PAPER

"$CHECKPOINT_BIN" import --data-dir "$WORK/cp" --chunk-size 50 "$WORK/usb0/register.jsonl" >/dev/null 2>&1 &
import_pid=$!
BACKGROUND_PIDS+=("$import_pid")
local_count() { sqlite3 "$WORK/cp/outbox.db" "SELECT count(*) FROM outbox" 2>/dev/null || echo 0; }
some_local() { [ "$(local_count)" -gt 0 ]; }
wait_until 60 "the import to record something" some_local
kill -9 "$import_pid"
wait "$import_pid" 2>/dev/null || true
durable=$(local_count)
log "import killed with $durable of 20000 durable"
[ "$durable" -lt 20000 ] || fail "the import finished before it was killed"

# The register moves, gains a line in the middle, and is written out again by another tool: keys in
# another order, spaces, and the times in Tirana's zone.
python3 - "$WORK/usb0/register.jsonl" "$WORK/elsewhere/copy/register-2026-11.jsonl" <<'PY'
import datetime, json, sys
lines = open(sys.argv[1]).read().splitlines()
out = []
for i, line in enumerate(lines):
    v = json.loads(line)
    t = datetime.datetime.fromisoformat(v["occurred_at"].replace("Z", "+00:00"))
    v["occurred_at"] = t.astimezone(datetime.timezone(datetime.timedelta(hours=1))).isoformat(timespec="milliseconds")
    out.append(json.dumps(dict(reversed(list(v.items()))), indent=None, separators=(" , ", " : ")))
    if i == 9999:
        out.append(json.dumps({"direction": "entry", "occurred_at": "2026-11-27T12:00:00Z", "traveler": {
            "document_number": "INSERTED1", "issuing_country": "ALB", "nationality": "ALB", "surname": "NEW",
            "birth_date": "1970-01-01", "sex": "M"}}))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
rm -rf "$WORK/usb0"
again=$(checkpoint import --data-dir "$WORK/cp" "$WORK/elsewhere/copy/register-2026-11.jsonl" 2>/dev/null) ||
    fail "the import from the new place failed"
[ "$again" = $((20000 - durable + 1)) ] || fail "the second import recorded $again, not $((20000 - durable + 1))"
# And once more, from yet another place: nothing new.
cp "$WORK/elsewhere/copy/register-2026-11.jsonl" "$WORK/third.jsonl"
[ "$(checkpoint import --data-dir "$WORK/cp" "$WORK/third.jsonl" 2>/dev/null)" = 0 ] || fail "a third import recorded lines again"

checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "sync failed"
assert_exactly_once "$WORK/cp" KAK-01
[ "$(central_count)" = 20001 ] || fail "PostgreSQL holds $(central_count) rows, not 20001"
[ "$(sql "SELECT count(DISTINCT document_number) FROM crossings")" = 20001 ] || fail "a crossing is stored twice"
stop_server
