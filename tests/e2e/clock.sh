#!/usr/bin/env bash
# A terminal whose clock runs a day ahead (faketime): its records are stored and flagged clock_suspect,
# never refused; the centre keeps the device's clock offset; and a clock jump on the terminal cannot
# make it purge acknowledged records early, since the purge counts on the centre's clock.
source "$(dirname "$0")/lib.sh"
command -v faketime >/dev/null || fail "faketime is not installed (deploy/install-deps.sh installs it)"

create_database
start_server
OPS=$(token operations)
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
ahead() { faketime -f '+1d' "$CHECKPOINT_BIN" "$@"; }
ahead record --data-dir "$WORK/cp" --direction entry --doc-number AHEAD1 --doc-country ALB --nationality ALB \
    --surname LATER --birth-date 1980-01-01 --sex F >/dev/null
checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number NOW1 --doc-country ALB --nationality ALB \
    --surname NOW --birth-date 1980-01-01 --sex F >/dev/null
ahead sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the sync from a clock a day ahead failed"
[ "$(central_count)" = 2 ] || fail "not both records were stored"
[ "$(sql "SELECT document_number FROM crossings WHERE 'clock_suspect' = ANY (flags)")" = AHEAD1 ] ||
    fail "the record a day ahead is not flagged clock_suspect (or the other one is)"
sql "SELECT record::text FROM crossings WHERE document_number = 'AHEAD1'" | grep_all clock_suspect &&
    fail "the stored record was changed: the flag belongs in the column"
offset=$(sql "SELECT clock_offset_ms FROM devices WHERE device_id = 'KAK-01'")
[ "$offset" -gt $((86400000 - 600000)) ] && [ "$offset" -lt $((86400000 + 600000)) ] ||
    fail "the device's clock offset is $offset ms, not about a day"
curl -sf -H "Authorization: Bearer $OPS" "http://127.0.0.1:$PORT/api/v1/crossings?doc_number=AHEAD1" |
    grep -q '"flags":\["clock_suspect"\]' || fail "the listing does not show the flag"

# The terminal's clock jumps a month ahead: acknowledged (and confirmed) records stay, as the centre's
# clock has not moved.
acked() { sqlite3 "$WORK/cp/outbox.db" "SELECT count(*) FROM outbox WHERE state = 1"; }
[ "$(acked)" = 2 ] || fail "the records are not acknowledged"
confirmed=$(sqlite3 "$WORK/cp/outbox.db" "SELECT count(*) FROM outbox WHERE confirmed_at IS NOT NULL")
[ "$confirmed" = 2 ] || fail "reconcile did not confirm the records ($confirmed)"
faketime -f '+30d' "$CHECKPOINT_BIN" sync --once --data-dir "$WORK/cp" --retention-days 14 2>/dev/null ||
    fail "the sync a month ahead failed"
[ "$(acked)" = 2 ] || fail "a jump of the terminal's clock purged acknowledged records"
stop_server
