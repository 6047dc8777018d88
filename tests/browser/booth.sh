#!/usr/bin/env bash
# The officer screen in headless Chromium, as an officer at the booth uses it: the Doc 9303 specimen
# passport is scanned (typed as a reader types it) and recorded; a wrong check digit is refused, then
# recorded on a deliberate F; with the server stopped, a watchlisted document raises the alert from the
# terminal's own copy and is recorded locally; once the server is back it reaches PostgreSQL, stamped
# with the list version. Screenshots go to $BORDERLOG_BROWSER_OUTPUT. Skipped (exit 77) where
# Chromium, node or playwright-core is missing.
here=$(cd "$(dirname "$0")" && pwd)
chromium=${BORDERLOG_CHROMIUM:-/usr/bin/chromium}
skip() {
    echo "[browser] SKIP: $*" >&2
    exit 77
}
[ -x "$chromium" ] || skip "no Chromium at $chromium (deploy/install-deps.sh installs Debian's chromium)"
command -v node >/dev/null || skip "node is not installed (deploy/install-deps.sh installs it)"
[ -d "$here/node_modules/playwright-core" ] || skip "playwright-core is not installed: run npm ci in tests/browser (deploy/test.sh does)"

source "$here/../e2e/lib.sh"
create_database
start_server
ADMIN=$(token admin)
printf '%s\n' 'document_number,issuing_country,surname,given_names,birth_date,reason,action' \
    'AB1234567,ALB,,,,Reported stolen,deny' >"$WORK/list.csv"
ctl --token "$ADMIN" watchlist load "$WORK/list.csv" >/dev/null

DATA="$WORK/KAK-01"
init_checkpoint "$DATA" KAKAVIJE KAK-01
"$CHECKPOINT_BIN" run --data-dir "$DATA" --ui-listen 127.0.0.1:0 --lane 3 --heartbeat-interval 1 \
    --poll-interval-ms 100 --backoff-base-ms 100 --backoff-cap 1 --watchlist-interval 1 2>"$WORK/daemon.log" &
BACKGROUND_PIDS+=($!)
wait_until 30 "the officer screen to listen" grep -q '"event":"ui_listening"' "$WORK/daemon.log"
UI_ADDRESS=$(grep '"event":"ui_listening"' "$WORK/daemon.log" | head -n 1 | sed 's/.*"address":"\([^"]*\)".*/\1/')
list_pulled() { [ "$(status_field "$DATA" watchlist_version)" = 1 ]; }
wait_until 30 "the watchlist copy to be pulled" list_pulled

output=${BORDERLOG_BROWSER_OUTPUT:-$WORK/output}
mkdir -p "$output"
browse() {
    UI_URL="http://$UI_ADDRESS" CHROMIUM="$chromium" OUTPUT="$output" PROFILE="$WORK/chromium-profile" \
        node "$here/booth.test.mjs" "$1" || fail "the officer screen test failed in phase $1 (screenshots in $output)"
}

log "the centre up: scan, record, refuse a wrong check digit, force it"
browse online
central_has() { [ "$(sql "SELECT count(*) FROM crossings WHERE device_id = 'KAK-01' AND $1")" = "$2" ]; }
wait_until 30 "the three records at the centre" central_has "true" 3
central_has "document_number = 'ZX9876543' AND direction = 'exit' AND surname = 'Kastrati' AND birth_date = '1991-02-28'" 1 \
    || fail "the typed traveller was not stored as typed"
queue_of_lane_3() {
    sqlite3 "$DATA/outbox.db" "SELECT value FROM meta WHERE key = 'lane_queues'" |
        python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin).get("3", {}).get("waiting") == 2 else 1)'
}
wait_until 10 "the lane count typed on the screen in the terminal's store" queue_of_lane_3
central_has "document_number = 'L898902C3' AND direction = 'entry' AND lane = '3' AND NOT ('mrz_invalid' = ANY (flags))" 1 \
    || fail "the specimen was not stored as scanned"
central_has "'mrz_invalid' = ANY (flags) AND record ->> 'mrz' LIKE '%L898902C37UTO%'" 1 \
    || fail "the forced record is not flagged mrz_invalid with its MRZ as read"
central_has "record ->> 'watchlist_version' = '1'" 3 || fail "the records do not name the list version they were screened against"

log "the server stopped: a watchlisted document raises the alert and is recorded locally"
kill_server
browse offline
[ "$(sqlite3 "$DATA/outbox.db" "SELECT count(*) FROM outbox WHERE state = 0 AND body LIKE '%AB1234567%'")" = 1 ] \
    || fail "the watchlisted traveller's record is not held in the outbox"

log "the server back: the record made offline is synced"
start_server
wait_until 30 "the offline record at the centre" central_has \
    "document_number = 'AB1234567' AND direction = 'exit' AND recorded_offline AND record ->> 'watchlist_version' = '1'" 1
log "screenshots in $output"
