#!/usr/bin/env bash
# A device's sequence numbers are never reused, whatever happens to its data directory:
# - a terminal re-initialised (replaced) during an outage records and syncs in a new stream;
# - a deleted outbox is refused by every command but init, which starts a new stream;
# - a data directory restored from an old copy (the centre already holds later seqs of its stream) is
#   found stale at the first sync: its colliding records are carried over into a new stream with their
#   ids unchanged, the operator is told, and nothing is lost or doubled.
# Reconcile of every stream then finds nothing missing.
source "$(dirname "$0")/lib.sh"

create_database
start_server --offline-retry-after 1
ADMIN=$(token admin)
TOKEN=$(token device KAKAVIJE KAK-01)
url="http://127.0.0.1:$PORT"
record() { # record DIR DOC
    checkpoint record --data-dir "$1" --direction entry --doc-number "$2" --doc-country ALB --nationality ALB \
        --surname TEST --birth-date 1985-03-03 --sex F >/dev/null
}
stream_of() { status_field "$1" stream_id; }
# The ids of every record the data directories hold, and of every record of KAK-01 centrally.
all_local_ids() { { for d in "$@"; do local_ids "$d"; done; cat "$WORK/gone.ids"; } | sort -u; }
assert_all_stored_once() {
    all_local_ids "$@" >"$WORK/local.ids"
    central_ids KAK-01 >"$WORK/central.ids"
    diff -q "$WORK/local.ids" "$WORK/central.ids" >/dev/null ||
        fail "PostgreSQL does not hold exactly the terminals' records ($(wc -l <"$WORK/local.ids") local, $(wc -l <"$WORK/central.ids") central)"
    [ "$(sql "SELECT count(*) - count(DISTINCT (device_id, stream_id, seq)) FROM crossings")" = 0 ] || fail "a seq is held twice"
}
# No stream of KAK-01 has a gap, and nothing sits in the quarantine.
assert_no_gaps() {
    local s
    for s in $(sql "SELECT DISTINCT stream_id FROM crossings WHERE device_id = 'KAK-01' AND stream_id <> ''"); do
        curl -sf -H "Authorization: Bearer $TOKEN" "$url/api/v1/devices/KAK-01/reconcile?stream=$s" >"$WORK/rec.json" ||
            fail "reconcile of stream $s failed"
        grep -q '"missing":\[\]' "$WORK/rec.json" || fail "stream $s has gaps: $(cat "$WORK/rec.json")"
    done
    [ "$(sql "SELECT count(*) FROM rejected_records WHERE released_at IS NULL")" = 0 ] ||
        fail "records sit in the quarantine: $(sql "SELECT code, seq FROM rejected_records WHERE released_at IS NULL")"
}

: >"$WORK/gone.ids"

# 5 records recorded and synced on KAK-01.
checkpoint init --data-dir "$WORK/first" --server "$url" --checkpoint KAKAVIJE --device KAK-01 --token "$TOKEN" 2>/dev/null
for i in 1 2 3 4 5; do record "$WORK/first" "FIRST$i"; done
checkpoint sync --once --data-dir "$WORK/first" 2>/dev/null || fail "the first sync failed"

# --- the terminal is replaced during an outage ---------------------------------------------------------
ctl --token "$ADMIN" central-offline on --reason "e2e" >/dev/null
checkpoint init --data-dir "$WORK/second" --server "$url" --checkpoint KAKAVIJE --device KAK-01 --token "$TOKEN" \
    2>"$WORK/init.err" || fail "init of a replacement terminal during the outage failed: $(cat "$WORK/init.err")"
for i in 1 2 3; do record "$WORK/second" "SECOND$i"; done
ctl --token "$ADMIN" central-offline off >/dev/null
report=$(checkpoint sync --once --data-dir "$WORK/second" --json 2>/dev/null) || fail "the replacement's sync failed: $report"
echo "$report" | grep_all '"stored":3' || fail "the replacement's records were not stored: $report"
echo "$report" | grep_all '"rejected":0' || fail "the replacement's records were refused: $report"
[ "$(central_count)" = 8 ] || fail "PostgreSQL holds $(central_count) rows, not 8"
grep -q "checked at the first sync" "$WORK/init.err" || fail "init did not say the token is checked later"
[ "$(stream_of "$WORK/second")" != "$(stream_of "$WORK/first")" ] || fail "the replacement reuses the stream"

# --- the outbox is deleted -------------------------------------------------------------------------------
local_ids "$WORK/second" >"$WORK/gone.ids"  # stored centrally, and no longer held by any terminal
rm -f "$WORK/second/outbox.db" "$WORK/second/outbox.db-wal" "$WORK/second/outbox.db-shm"
for cmd in "record $WORK/second X1" "status" "sync"; do
    rc=0
    case $cmd in
    record*) record "$WORK/second" X1 2>"$WORK/err" || rc=$? ;;
    status) checkpoint status --data-dir "$WORK/second" 2>"$WORK/err" >/dev/null || rc=$? ;;
    sync) checkpoint sync --once --data-dir "$WORK/second" 2>"$WORK/err" || rc=$? ;;
    esac
    [ $rc -ne 0 ] || fail "$cmd ran without an outbox"
    grep -q "init" "$WORK/err" || fail "$cmd did not name init: $(cat "$WORK/err")"
    [ ! -e "$WORK/second/outbox.db" ] || fail "$cmd created an outbox"
done
before=$(stream_of "$WORK/first")
checkpoint init --data-dir "$WORK/second" --server "$url" --checkpoint KAKAVIJE --device KAK-01 --token "$TOKEN" 2>/dev/null
for i in 1 2; do record "$WORK/second" "THIRD$i"; done
checkpoint sync --once --data-dir "$WORK/second" 2>/dev/null || fail "the sync after re-init failed"
[ "$(central_count)" = 10 ] || fail "PostgreSQL holds $(central_count) rows, not 10"
# Re-running init on a data directory with an outbox (a new token, say) keeps its stream.
kept=$(stream_of "$WORK/second")
checkpoint init --data-dir "$WORK/second" --server "$url" --checkpoint KAKAVIJE --device KAK-01 --token "$TOKEN" 2>/dev/null
[ "$(stream_of "$WORK/second")" = "$kept" ] || fail "init on an existing outbox started a new stream"

# --- the data directory is restored from an old copy -------------------------------------------------------
sqlite3 "$WORK/first/outbox.db" ".backup '$WORK/backup.db'"
cp "$WORK/first/config.json" "$WORK/backup-config.json"
for i in 6 7 8; do record "$WORK/first" "FIRST$i"; done
checkpoint sync --once --data-dir "$WORK/first" 2>/dev/null || fail "the sync before the disk loss failed"
# The disk dies; the terminal comes back from the backup (records 6-8 are only centrally now) and records on.
mkdir -m 700 "$WORK/restored"
cp "$WORK/backup.db" "$WORK/restored/outbox.db"
cp "$WORK/backup-config.json" "$WORK/restored/config.json"
chmod 600 "$WORK/restored/"*
[ "$(stream_of "$WORK/restored")" = "$before" ] || fail "the restored outbox is not the old stream"
for i in 1 2 3 4; do record "$WORK/restored" "RESTORED$i"; done  # seqs 6-9 of the old stream: 6-8 collide
report=$(checkpoint sync --once --data-dir "$WORK/restored" --json 2>"$WORK/restored.log") ||
    fail "the restored terminal's sync failed: $report"
echo "$report" | grep_all '"rejected":0' || fail "records of the restored terminal were refused: $report"
echo "$report" | grep_all '"carried_over":[1-9]' || fail "no record was carried over: $report"
grep -q '"event":"stale_outbox_detected"' "$WORK/restored.log" || fail "the operator was not told (log)"
checkpoint status --data-dir "$WORK/restored" --json >"$WORK/status.json"
grep -q '"code":"stale_outbox"' "$WORK/status.json" || fail "status does not show the stale outbox"
[ "$(stream_of "$WORK/restored")" != "$before" ] || fail "new records still go to the stale stream"
[ "$(status_field "$WORK/restored" pending)" = 0 ] || fail "records of the restored terminal are still pending"
record "$WORK/restored" "AFTER1"
checkpoint sync --once --data-dir "$WORK/restored" 2>/dev/null || fail "the sync after the carry-over failed"
[ "$(central_count)" = 18 ] || fail "PostgreSQL holds $(central_count) rows, not 18"
# Each of the 18 crossings once: the first terminal's 8, the replacement's 5, the restored one's 5.
[ "$(sql "SELECT count(DISTINCT document_number) FROM crossings")" = 18 ] || fail "a crossing is missing or doubled"
assert_all_stored_once "$WORK/first" "$WORK/second" "$WORK/restored"
assert_no_gaps
stop_server
