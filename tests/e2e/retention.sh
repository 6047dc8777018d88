#!/usr/bin/env bash
# `serve --retention-months N` (and BORDERLOG_RETENTION_MONTHS): at start the server drops the month old
# enough that was exported with its exact count, keeps the one old enough but not exported, and keeps
# the months inside N; the drop is in the audit trail and the server's log names both months.
source "$(dirname "$0")/lib.sh"

create_database
month() { sql "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '$1 months', 'YYYY-MM-DD')"; }
partition() { local m; m=$(month "$1"); echo "crossings_p${m:0:4}${m:5:2}"; }
# Three rows by hand in the month $1 months back (the insert trigger gives them their keys).
fill() {
    local m; m=$(month "$1")
    sql "SELECT crossings_make_partition('$m')" >/dev/null
    sql "INSERT INTO crossings (id, device_id, seq, checkpoint_id, direction, occurred_at, document_number,
         issuing_country, nationality, surname, birth_date, sex, record)
         SELECT gen_random_uuid(), 'RET-$1', i, 'CP', 'entry', '$m'::timestamptz + interval '3 days', 'N' || i,
                'ALB', 'ALB', 'X', '1980-01-01', 'F', '{}' FROM generate_series(1, 3) i"
}
fill 5 && sql "INSERT INTO crossing_exports (month, rows, sha256) VALUES ('$(month 5)', 3, 'e2e')"
fill 4  # not exported
fill 1 && sql "INSERT INTO crossing_exports (month, rows, sha256) VALUES ('$(month 1)', 3, 'e2e')"
exists() { sql "SELECT to_regclass('$1') IS NOT NULL"; }

BORDERLOG_RETENTION_MONTHS=2 start_server
wait_until 30 "the exported old month dropped" is_now f exists "$(partition 5)"
[ "$(exists "$(partition 4)")" = t ] || fail "a month that was not exported was dropped"
[ "$(exists "$(partition 1)")" = t ] || fail "a month inside the months kept was dropped"
[ "$(sql "SELECT count(*) FROM crossings")" = 6 ] || fail "rows of the kept months are missing"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'crossings.month_dropped' AND target = '$(partition 5)'")" = 1 ] \
    || fail "no audit line for the dropped month"
logged() { grep '"event":"retention_month_kept"' "$WORK/server.log" | grep_all "\"partition\":\"$(partition 4)\""; }
wait_until 10 "the kept month in the server's log" logged
grep '"event":"retention_month_dropped"' "$WORK/server.log" | grep_all "\"partition\":\"$(partition 5)\"" \
    || fail "the server's log does not name the dropped month"
stop_server

# Without the option nothing is dropped, exported or not.
sql "INSERT INTO crossing_exports (month, rows, sha256) VALUES ('$(month 4)', 3, 'e2e')"
start_server
[ "$(exists "$(partition 4)")" = t ] || fail "a month was dropped without --retention-months"
stop_server
