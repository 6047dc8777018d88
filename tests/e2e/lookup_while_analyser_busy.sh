#!/usr/bin/env bash
# A traveller lookup answers, with the anomaly of a crossing stored a moment ago, while another session
# holds the analyser's lock (as another server's long batch would): it judges its own document and does
# not wait for the analyser. The server runs as borderlog_server, as deployed.
source "$(dirname "$0")/lib.sh"

create_database
start_server --home-country ALB
DEV=$(token device KAKAVIJE KAK-01)
OPS=$(token operations)
base="http://127.0.0.1:$PORT"
ANALYSER_LOCK=7368201956  # sql::kAnalysisLock

# crossing ID SEQ DIRECTION OCCURRED_AT NUMBER: a crossing of the specimen traveller with document NUMBER.
crossing() {
    printf '{"id":"%s","device_id":"KAK-01","seq":%s,"checkpoint_id":"KAKAVIJE","direction":"%s","occurred_at":"%s","recorded_offline":true,"traveler":{"document_number":"%s","issuing_country":"UTO","nationality":"UTO","surname":"ERIKSSON","given_names":"ANNA MARIA","birth_date":"1974-08-12","sex":"F","expiry_date":"2030-01-01"}}' \
        "$1" "$2" "$3" "$4" "$5"
}
id() { printf '01936f1e-8c2a-7b3e-9f00-%012d' "$1"; }
store() {
    local got
    got=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST "$base/api/v1/crossings" -H "Authorization: Bearer $DEV" \
        -H 'Content-Type: application/json' --data-binary "$1")
    [ "$got" = 201 ] || fail "storing a crossing answered $got: $(cat "$WORK/body")"
}

# Another session takes the analyser's lock and keeps it until told.
mkfifo "$WORK/holder.in"
psql -qX "$DB_URL" <"$WORK/holder.in" >"$WORK/holder.log" 2>&1 &
BACKGROUND_PIDS+=($!)
exec 7>"$WORK/holder.in"
echo "SELECT pg_advisory_lock($ANALYSER_LOCK);" >&7
lock_held() {
    # pg_locks covers the whole cluster: other tests' analysers take the same key in their own databases.
    [ "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = ($ANALYSER_LOCK >> 32)::oid AND objid = ($ANALYSER_LOCK & 4294967295)::oid")" = 1 ]
}
wait_until 10 "another session to hold the analyser's lock" lock_held

store "$(crossing "$(id 1)" 1 exit 2026-11-20T10:00:00Z L898902C3)"
store "$(crossing "$(id 2)" 2 exit 2026-11-20T11:00:00Z OTHER0001)"
[ "$(sql "SELECT count(*) FROM anomalies")" = 0 ] || fail "something judged while the analyser's lock was held"

# The lookup answers within 5 s (the lock stays held), with its own document's anomaly, and judges
# nothing else.
got=$(curl -s --max-time 5 -o "$WORK/body" -w '%{http_code}' "$base/api/v1/travelers/UTO/L898902C3" \
    -H "Authorization: Bearer $OPS") || fail "the lookup did not answer within 5 s while the analyser's lock was held"
[ "$got" = 200 ] || fail "the lookup answered $got: $(cat "$WORK/body")"
grep -q '"kind":"exit_without_entry"' "$WORK/body" || fail "the lookup lacks the exit without entry: $(cat "$WORK/body")"
[ "$(sql "SELECT count(*) FROM anomalies WHERE document_number = 'OTHER0001'")" = 0 ] ||
    fail "the lookup judged another document"
lock_held || fail "the analyser's lock was let go during the lookup"

# The lock let go, the analyser judges the rest, and the looked-up crossing is not judged twice.
echo "SELECT pg_advisory_unlock($ANALYSER_LOCK);" >&7
exec 7>&-
other_judged() { [ "$(sql "SELECT count(*) FROM anomalies WHERE document_number = 'OTHER0001'")" = 1 ]; }
wait_until 20 "the analyser to judge the other document" other_judged
[ "$(sql "SELECT count(*) FROM anomalies WHERE document_number = 'L898902C3'")" = 1 ] ||
    fail "the looked-up crossing has other than one anomaly"
[ "$(sql "SELECT count(*) FROM crossings c WHERE NOT EXISTS (SELECT 1 FROM analysis_done d WHERE d.ingest_no = c.ingest_no)
          AND c.ingest_no > (SELECT watermark FROM analysis_state)")" = 0 ] || fail "a crossing is left unjudged"
log "a lookup answered while the analyser's lock was held"
