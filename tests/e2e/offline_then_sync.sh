#!/usr/bin/env bash
# With the server stopped, 200 crossings are recorded; status shows 200 pending; the server starts
# (with a body limit smaller than a batch); one `sync --once`; PostgreSQL holds exactly those 200 rows.
source "$(dirname "$0")/lib.sh"

create_database
start_server
stop_server  # the port is now known, and nobody listens on it

init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
for i in $(seq 1 200); do
    checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number "OFF$i" --doc-country ALB \
        --nationality ALB --surname "SURNAME" --given-names "GIVEN" --birth-date 1990-05-17 --sex M --lane 1 >/dev/null
done
[ "$(status_field "$WORK/cp" pending)" = 200 ] || fail "status does not show 200 pending"
[ "$(status_field "$WORK/cp" last_seq)" = 200 ] || fail "last_seq is not 200"

rc=0
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || rc=$?
[ $rc -eq 3 ] || fail "sync --once with the centre down exited $rc, not 3"
[ "$(status_field "$WORK/cp" central)" = offline ] || fail "status does not show central offline"

# A body limit smaller than one batch: the terminal narrows its batches down until they pass.
start_server --max-body 16384
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "sync --once failed"
[ "$(status_field "$WORK/cp" pending)" = 0 ] || fail "records still pending after sync"
[ "$(central_count)" = 200 ] || fail "PostgreSQL holds $(central_count) rows, not 200"
assert_exactly_once "$WORK/cp" KAK-01
[ "$(sql "SELECT count(*) FROM crossings WHERE recorded_offline")" = 200 ] || fail "records not flagged recorded_offline"
seqs=$(sql "SELECT min(seq) || '-' || max(seq) || '/' || count(DISTINCT seq) FROM crossings")
[ "$seqs" = "1-200/200" ] || fail "sequence numbers are not 1..200 without gaps: $seqs"
stop_server
