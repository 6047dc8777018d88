#!/usr/bin/env bash
# A record the centre refuses is kept centrally too: quarantined with its raw body and reason, listed by
# `borderlogctl rejected list`, counted by reconcile as accounted for (not missing), and released after a
# fix. A database error that is not the record's fault is a logged 500: the checkpoint shows it in
# `status`, does not call the centre offline, and sends again once it is mended.
source "$(dirname "$0")/lib.sh"

create_database
start_server
OPS=$(token operations)
ADMIN=$(token admin)
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
DEV=$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$WORK/cp/config.json")
url="http://127.0.0.1:$PORT"
record() {
    checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number "$1" --doc-country ALB --nationality ALB \
        --surname "$2" --birth-date 1985-03-03 --sex F >/dev/null
}

# A rule of the central database that the record's validation does not know (a later policy, say).
sql "ALTER TABLE crossings ADD CONSTRAINT e2e_policy CHECK (surname <> 'REFUSEME')" >/dev/null
record Q1 FIRST
record Q2 REFUSEME
record Q3 THIRD
report=$(checkpoint sync --once --data-dir "$WORK/cp" --json 2>/dev/null) || fail "the sync with a refused record failed: $report"
echo "$report" | grep_all '"stored":2' && echo "$report" | grep_all '"rejected":1' || fail "not 2 stored and 1 refused: $report"
[ "$(status_field "$WORK/cp" central)" = online ] || fail "a refused record made the centre look offline"

# Operations see it centrally, with the reason, the device and its seq.
ctl --token "$OPS" rejected list >"$WORK/list.txt" || fail "rejected list failed"
grep -P '\tKAKAVIJE\tKAK-01\t[0-9a-f-]{36}\t2\tinvalid_field\t1\topen\t' "$WORK/list.txt" >/dev/null ||
    fail "the refused record is not listed: $(cat "$WORK/list.txt")"
ctl --token "$OPS" rejected list --json >"$WORK/list.json"
grep -q '"surname":"REFUSEME"' "$WORK/list.json" || fail "the quarantine does not keep the raw record"
id=$(sed 's/^{"id":\([0-9]*\).*/\1/' "$WORK/list.json")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $DEV" "$url/api/v1/rejected")
[ "$code" = 403 ] || fail "a device token listed the quarantine ($code)"

# Reconcile counts the refused seq as accounted for: missing means lost, never refused.
stream=$(status_field "$WORK/cp" stream_id)
curl -sf -H "Authorization: Bearer $DEV" "$url/api/v1/devices/KAK-01/reconcile?stream=$stream" >"$WORK/rec.json"
grep -q '"missing":\[\]' "$WORK/rec.json" && grep -q '"quarantined":1' "$WORK/rec.json" && grep -q '"max_seq":3' "$WORK/rec.json" ||
    fail "reconcile does not account for the quarantined seq: $(cat "$WORK/rec.json")"

# The record sent again (retry-rejected before any fix) counts an attempt, never a second entry.
checkpoint retry-rejected --data-dir "$WORK/cp" >/dev/null 2>&1
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the retry before the fix failed"
[ "$(sql "SELECT count(*) || '/' || max(attempts) FROM rejected_records")" = "1/2" ] || fail "a refused retry made a second entry"

# After the fix, an admin releases it: it is stored, and the entry says who released it.
sql "ALTER TABLE crossings DROP CONSTRAINT e2e_policy" >/dev/null
ctl --token "$ADMIN" rejected release "$id" >"$WORK/release.json" 2>"$WORK/release.err" || fail "release failed: $(cat "$WORK/release.err")"
grep -q '"result":"stored"' "$WORK/release.json" || fail "the release did not store it: $(cat "$WORK/release.json")"
grep -q '"released_by":"e2e-admin"' "$WORK/release.json" || fail "the release does not say who released it"
[ "$(sql "SELECT count(*) FROM crossings WHERE document_number = 'Q2'")" = 1 ] || fail "the released record is not stored"
[ -z "$(ctl --token "$OPS" rejected list --json)" ] || fail "the released record is still listed as open"
ctl --token "$OPS" rejected list --state released | grep_all 'open\|released' || fail "the released entry is not listed"
rc=0
ctl --token "$ADMIN" rejected release "$id" >/dev/null 2>"$WORK/again.err" || rc=$?
[ $rc -ne 0 ] && grep -q already_released "$WORK/again.err" || fail "a second release was not refused"
# The terminal learns it at its retry: the centre finds it stored.
checkpoint retry-rejected --data-dir "$WORK/cp" >/dev/null 2>&1
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the retry after the release failed"
[ "$(status_field "$WORK/cp" rejected)" = 0 ] || fail "the terminal still holds the record as refused"
assert_exactly_once "$WORK/cp" KAK-01

# A database error that is not the record's fault: a 500, retried, shown, not "offline".
sql "CREATE FUNCTION e2e_fault() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'e2e fault'; END \$\$" >/dev/null
sql "CREATE TRIGGER e2e_fault BEFORE INSERT ON crossings FOR EACH ROW EXECUTE FUNCTION e2e_fault()" >/dev/null
record Q4 FOURTH
rc=0
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || rc=$?
[ $rc -eq 1 ] || fail "sync --once exited $rc on a server fault, not 1"
[ "$(status_field "$WORK/cp" central)" = online ] || fail "a server fault made the centre look offline"
checkpoint status --data-dir "$WORK/cp" --json | grep_all '"last_error":{"at":"[^"]*","message":"the server answered 500 internal"}' ||
    fail "status does not show the fault: $(checkpoint status --data-dir "$WORK/cp" --json)"
[ "$(status_field "$WORK/cp" pending)" = 1 ] || fail "the record is not kept pending"
grep -q '"event":"internal_error"' "$WORK/server.log" || fail "the server did not log the fault"
! grep -q 'FOURTH' "$WORK/server.log" || fail "the server log holds traveller data"
sql "DROP TRIGGER e2e_fault ON crossings" >/dev/null
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the sync after the fault was mended failed"
[ "$(status_field "$WORK/cp" last_error)" = null ] || fail "the fault is still shown after a good sync"
assert_exactly_once "$WORK/cp" KAK-01
stop_server
