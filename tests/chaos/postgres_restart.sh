#!/usr/bin/env bash
# Chaos: PostgreSQL is restarted every few seconds, alternately shut down cleanly (fast) and crashed
# (immediate: no checkpoint, recovery from its WAL), while 10 checkpoints record and sync. The server
# answers 503 meanwhile and the checkpoints wait. Ends with PostgreSQL holding exactly the confirmed
# records, once each.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/chaos_lib.sh"

use_own_postgres
create_database
start_server
setup_fleet "http://127.0.0.1:$PORT"
start_daemons
feed_records
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
restarts=0
deadline=$((SECONDS + FAULT_SECONDS))
while [ $SECONDS -lt $deadline ]; do
    sleep "$(python3 -c 'import random; print(random.uniform(1.5, 3.5))')"
    mode=fast
    [ $((restarts % 2)) = 1 ] && mode=immediate
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m "$mode" -w -t 60 stop >/dev/null ||
        fail "PostgreSQL did not stop ($mode)"
    sleep 0.5
    start_own_postgres >/dev/null || fail "PostgreSQL did not start again"
    restarts=$((restarts + 1))
done
wait_fed
server_alive
log "restarted PostgreSQL $restarts times (fast and immediate) while $((DEVICES * RECORDS)) records were recorded and synced"
wait_drained 180
assert_fleet_exactly_once
