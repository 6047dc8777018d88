#!/usr/bin/env bash
# Chaos: checkpoint clocks a day off (faketime): half the fleet a day ahead, half a day behind, for
# their daemons and their recording both. Records sync exactly once; those stamped a day ahead are
# stored and flagged clock_suspect, never refused; the server knows each device's offset.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/chaos_lib.sh"

command -v faketime >/dev/null || fail "faketime is needed (deploy/install-deps.sh installs it)"
for i in $(seq 1 "$DEVICES"); do
    if [ $((i % 2)) = 1 ]; then CLOCK_OF[$i]="faketime -f +1d"; else CLOCK_OF[$i]="faketime -f -1d"; fi
done
create_database
start_server
setup_fleet "http://127.0.0.1:$PORT"
start_daemons
feed_records
sleep "$FAULT_SECONDS"
wait_fed
wait_drained 180
assert_fleet_exactly_once
ahead=$(((DEVICES + 1) / 2 * RECORDS))
[ "$(sql "SELECT count(*) FROM crossings WHERE 'clock_suspect' = ANY(flags)")" = "$ahead" ] ||
    fail "expected the $ahead records of the clocks a day ahead flagged clock_suspect, found $(sql "SELECT count(*) FROM crossings WHERE 'clock_suspect' = ANY(flags)")"
wait_until 30 "every device's clock offset" is_now "$DEVICES" sql "SELECT count(*) FROM devices WHERE abs(clock_offset_ms) > 23 * 3600 * 1000"
