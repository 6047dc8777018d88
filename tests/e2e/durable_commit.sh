#!/usr/bin/env bash
# "Stored" means durable, whatever the database's default: with synchronous_commit off for the database
# (a DBA's tuning), the transactions that store crossings and quarantine refused records still commit with
# synchronous_commit on. A trigger notes the setting each of them ran with.
source "$(dirname "$0")/lib.sh"

create_database
sql "ALTER DATABASE $DB_NAME SET synchronous_commit = off" >/dev/null
sql "CREATE TABLE e2e_seen (setting text)" >/dev/null
sql "GRANT INSERT ON e2e_seen TO borderlog_server" >/dev/null  # the trigger runs as the server's role
sql "CREATE FUNCTION e2e_note() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
     INSERT INTO e2e_seen VALUES (current_setting('synchronous_commit')); RETURN NEW; END \$\$" >/dev/null
sql "CREATE TRIGGER e2e_note AFTER INSERT ON crossings FOR EACH ROW EXECUTE FUNCTION e2e_note()" >/dev/null
[ "$(sql "SHOW synchronous_commit")" = off ] || fail "the database default did not take"
start_server
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
for i in 1 2 3; do
    checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number "D$i" --doc-country ALB --nationality ALB \
        --surname DURABLE --birth-date 1980-01-01 --sex F >/dev/null
done
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "sync failed"
DEV=$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$WORK/cp/config.json")
record='{"id":"01936f1e-8c2a-7b3e-9f00-00000000d00d","device_id":"KAK-01","seq":100,"checkpoint_id":"KAKAVIJE","direction":"entry","occurred_at":"2026-11-27T10:42:05.123Z","traveler":{"document_number":"D9","issuing_country":"ALB","nationality":"ALB","surname":"SINGLE","birth_date":"1980-01-01","sex":"F"}}'
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $DEV" -H 'Content-Type: application/json' \
    --data-binary "$record" "http://127.0.0.1:$PORT/api/v1/crossings")
[ "$code" = 201 ] || fail "a single crossing answered $code"
[ "$(sql "SELECT count(*) FROM e2e_seen")" = 4 ] || fail "not every stored crossing was seen"
[ "$(sql "SELECT string_agg(DISTINCT setting, ',') FROM e2e_seen")" = on ] ||
    fail "crossings were committed with synchronous_commit $(sql "SELECT string_agg(DISTINCT setting, ',') FROM e2e_seen")"
stop_server
