#!/usr/bin/env bash
# Chaos: every checkpoint reaches the server through a user-space TCP proxy that drops, delays, cuts,
# corrupts and stalls connections (tools/fault_proxy.py: this kernel has no netem), while 10
# checkpoints record and sync over TLS. A flipped bit fails TLS's integrity check and so the
# connection, never a record: the content stored is checked to be what each checkpoint recorded.
# Ends with PostgreSQL holding exactly the confirmed records, once each.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/chaos_lib.sh"

use_tls
create_database
start_server
python3 "$(dirname "$0")/tools/fault_proxy.py" --to "$PORT" --faults-file "$WORK/faults-on" --stats "$WORK/fates.json" \
    --seed 11 >"$WORK/proxy.port" 2>"$WORK/proxy.log" &
BACKGROUND_PIDS+=($!)
wait_until 10 "the proxy to listen" test -s "$WORK/proxy.port"
setup_fleet "https://localhost:$(head -n 1 "$WORK/proxy.port")" --ca "$TLS_CA"
touch "$WORK/faults-on"
start_daemons
feed_records
sleep "$FAULT_SECONDS"
wait_fed
rm -f "$WORK/faults-on"
log "fates of the connections: $(cat "$WORK/fates.json")"
wait_drained 180
python3 - "$WORK/fates.json" <<'PY' || fail "not every fault happened: $(cat "$WORK/fates.json")"
import json, sys
fates = json.load(open(sys.argv[1]))
sys.exit(0 if all(fates[f] > 0 for f in ("delay", "drop", "cut", "corrupt", "stall")) else 1)
PY
assert_fleet_exactly_once
