#!/usr/bin/env bash
# Chaos: the server is killed with kill -9 every few seconds while 10 checkpoints record and sync. Each
# kill can land between a commit and its answer: the checkpoint sends again, and the id makes the
# repeat harmless. Ends with PostgreSQL holding exactly the confirmed records, once each.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/chaos_lib.sh"

create_database
start_server
setup_fleet "http://127.0.0.1:$PORT"
start_daemons
feed_records
kills=0
deadline=$((SECONDS + FAULT_SECONDS))
while [ $SECONDS -lt $deadline ]; do
    sleep "$(python3 -c 'import random; print(random.uniform(1.5, 3.5))')"
    kill_server
    kills=$((kills + 1))
    start_server
done
wait_fed
log "killed the server $kills times while $((DEVICES * RECORDS)) records were recorded and synced"
wait_drained 180
assert_fleet_exactly_once
