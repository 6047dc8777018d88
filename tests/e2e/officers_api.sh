#!/usr/bin/env bash
# The officers' side of the centre as operators and terminals meet it: MRZ parsing, anomalies found in
# the background and re-judged when a crossing arrives late, the audited traveller view and the booth's
# status answer, the watchlist's versions and a late hit raising an alert, the daily report, and
# borderlogctl for each.
source "$(dirname "$0")/lib.sh"

create_database
start_server --home-country ALB
DEV=$(token device KAKAVIJE KAK-01)
DEV2=$(token device KAKAVIJE KAK-02)
OPS=$(token operations)
ADMIN=$(token admin)
base="http://127.0.0.1:$PORT"

# call METHOD PATH TOKEN [BODY [CONTENT-TYPE]]: prints the status; the body lands in $WORK/body.
call() {
    local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$1" "$base$2" -H "Content-Type: ${5:-application/json}")
    [ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
    [ $# -ge 4 ] && args+=(--data-binary "$4")
    curl "${args[@]}"
}
expect() { # expect STATUS WORD METHOD PATH TOKEN [BODY [CONTENT-TYPE]]
    local want=$1 word=$2
    shift 2
    local got
    got=$(call "$@")
    [ "$got" = "$want" ] || fail "$1 $2 answered $got, not $want: $(cat "$WORK/body")"
    [ -z "$word" ] || grep_all -- "$word" "$WORK/body" || fail "$1 $2 body lacks $word: $(cat "$WORK/body")"
}

# crossing ID SEQ DIRECTION OCCURRED_AT [DEVICE] [NUMBER] [EXTRA]: a crossing of the specimen traveller.
crossing() {
    printf '{"id":"%s","device_id":"%s","seq":%s,"checkpoint_id":"KAKAVIJE","direction":"%s","occurred_at":"%s","recorded_offline":true,"traveler":{"document_number":"%s","issuing_country":"UTO","nationality":"UTO","surname":"ERIKSSON","given_names":"ANNA MARIA","birth_date":"1974-08-12","sex":"F","expiry_date":"2030-01-01"}%s}' \
        "$1" "${5:-KAK-01}" "$2" "$3" "$4" "${6:-L898902C3}" "${7:-}"
}
id() { printf '01936f1e-8c2a-7b3e-9f00-%012d' "$1"; }

# --- MRZ parsing: any token, a wrong digit named with its line and position, 400 only for non-MRZ ---
TD3='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10'
expect 200 '"valid":true' POST /api/v1/mrz/parse "$DEV" "{\"mrz\":\"$TD3\"}"
grep -q '"format":"TD3"' "$WORK/body" || fail "the specimen passport is not TD3"
grep -q '"surname":"ERIKSSON"' "$WORK/body" || fail "the parse lacks the surname"
expect 200 '"line":2,"position":10' POST /api/v1/mrz/parse "$OPS" "{\"mrz\":\"${TD3/C36UTO/C37UTO}\"}"
grep -q '"valid":false' "$WORK/body" || fail "a wrong check digit parsed as valid"
expect 400 '"field":"mrz"' POST /api/v1/mrz/parse "$OPS" '{"mrz":"not an mrz"}'
expect 401 unauthorized POST /api/v1/mrz/parse "" "{\"mrz\":\"$TD3\"}"

# --- anomalies: found in the background, re-judged in time order when a crossing arrives late ---
expect 201 stored POST /api/v1/crossings "$DEV" "$(crossing "$(id 1)" 1 exit 2026-11-20T10:00:00Z)"
found_in_background() { [ "$(sql "SELECT count(*) FROM anomalies WHERE kind = 'exit_without_entry' AND state = 'open'")" = 1 ]; }
wait_until 20 "the analyser to find the exit without entry" found_in_background
expect 200 '"kind":"exit_without_entry"' GET "/api/v1/anomalies?kind=exit_without_entry" "$OPS"
expect 403 forbidden GET /api/v1/anomalies "$DEV"
expect 400 '"field":"kind"' GET "/api/v1/anomalies?kind=odd" "$OPS"
# The entry, synced late, happened before the exit: read at once, the exit is no longer an anomaly.
expect 201 stored POST /api/v1/crossings "$DEV" "$(crossing "$(id 2)" 2 entry 2026-11-01T10:00:00Z)"
expect 200 '"anomalies":\[\]' GET "/api/v1/anomalies?kind=exit_without_entry" "$OPS"
expect 200 '"state":"resolved"' GET "/api/v1/anomalies?state=resolved" "$OPS"
ctl --token "$OPS" anomalies list --state all --csv >"$WORK/anomalies.csv"
head -1 "$WORK/anomalies.csv" | grep_all '^id,kind,state,crossing_id' || fail "anomalies CSV lacks its header"
grep -q 'exit_without_entry,resolved' "$WORK/anomalies.csv" || fail "anomalies CSV lacks the resolved row"
# A misprinted MRZ recorded on purpose, and an expired passport.
expect 201 stored POST /api/v1/crossings "$DEV" \
    "$(crossing "$(id 3)" 3 entry 2026-11-21T10:00:00Z KAK-01 D23145890 ",\"flags\":[\"mrz_invalid\"],\"mrz\":\"I<UTOD231458907<<<<<<<<<<<<<<<\\n7408122F1204159UTO<<<<<<<<<<<7\\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\"" |
        sed 's/"expiry_date":"2030-01-01"/"expiry_date":"2012-04-15"/')"
expect 200 '"kind":"mrz_invalid"' GET "/api/v1/anomalies?device=KAK-01" "$OPS"
grep -q '"kind":"document_expired"' "$WORK/body" || fail "the expired document is not an anomaly"
ctl --token "$OPS" anomalies summary | grep_all 'KAKAVIJE.*document_expired=1' || fail "the summary lacks the expired document"

# --- the traveller view: operations only, audited; a booth gets status and stay only ---
expect 200 '"status":"departed"' GET "/api/v1/travelers/UTO/L898902C3?on=2026-11-27" "$OPS"
grep -q '"days_used":20' "$WORK/body" || fail "1 to 20 November is not 20 days used: $(cat "$WORK/body")"
grep -q '"days_remaining":70' "$WORK/body" || fail "days remaining are not 70"
grep -q '"rule":"90/180"' "$WORK/body" || fail "the stay rule is not 90/180 for UTO"
[ "$(grep -o '"direction":' "$WORK/body" | wc -l)" = 2 ] || fail "the view does not list both crossings"
expect 403 forbidden GET /api/v1/travelers/UTO/L898902C3 "$DEV"
expect 400 '"field":"on"' GET "/api/v1/travelers/UTO/L898902C3?on=yesterday" "$OPS"
expect 200 '"status":"departed"' GET "/api/v1/devices/KAK-01/travelers/UTO/L898902C3/status?on=2026-11-27" "$DEV"
grep -q 'ERIKSSON\|crossings\|"nationality"' "$WORK/body" && fail "the booth's answer holds names or crossings: $(cat "$WORK/body")"
expect 403 forbidden GET /api/v1/devices/KAK-01/travelers/UTO/L898902C3/status "$DEV2"
expect 403 forbidden GET /api/v1/devices/KAK-01/travelers/UTO/L898902C3/status "$OPS"
reads=$(sql "SELECT count(*) FROM audit_events WHERE action = 'traveler.read' AND target = 'UTO/L898902C3' AND address = '127.0.0.1' AND role = 'operations'")
[ "$reads" = 1 ] || fail "the traveller read was audited $reads times, not once"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'traveler.status' AND role = 'device'")" = 1 ] ||
    fail "the booth's status read is not audited"
# Own citizens are exempt.
expect 201 stored POST /api/v1/crossings "$DEV" \
    "$(crossing "$(id 4)" 4 entry 2026-01-01T10:00:00Z KAK-01 BA1234567 | sed 's/"nationality":"UTO"/"nationality":"ALB"/')"
expect 200 '"rule":"exempt"' GET "/api/v1/travelers/UTO/BA1234567?on=2026-11-27" "$OPS"
grep -q '"overstay":false' "$WORK/body" || fail "an own citizen is an overstayer"
ctl --token "$OPS" traveler show UTO BA1234567 --on 2026-11-27 | grep_all 'rule exempt' || fail "ctl traveler show"

# --- the watchlist: versions, deltas for devices, a late hit raises an alert ---
printf 'document_number,issuing_country,surname,given_names,birth_date,reason,action\nX0000001,UTO,,,,lost,refer\n,,Müller,Hans,1970-01-31,"notice, red",deny\n' >"$WORK/list.csv"
ctl --token "$ADMIN" watchlist load "$WORK/list.csv" | grep_all 'version 1: 2 entries, 2 added, 0 removed' ||
    fail "the first load is not version 1 with 2 entries"
expect 200 '"full":true' GET "/api/v1/watchlist?since=0" "$DEV"
grep -q '"surname":"Müller"' "$WORK/body" || fail "the device's copy lacks the person entry"
expect 403 forbidden GET "/api/v1/watchlist?since=0" "$OPS"
expect 403 forbidden POST /api/v1/watchlist "$OPS" '{"entries":[]}'
expect 400 '"field":"birth_date"' POST /api/v1/watchlist "$ADMIN" \
    "$(printf 'surname,birth_date,reason,action\nDoe,1970-02-30,r,deny\n')" text/csv
expect 415 unsupported_media_type POST /api/v1/watchlist "$ADMIN" '<list/>' application/xml
[ "$(sql "SELECT count(*) FROM watchlist_versions")" = 1 ] || fail "a refused load made a version"
printf 'document_number,issuing_country,surname,given_names,birth_date,reason,action\n,,Müller,Hans,1970-01-31,"notice, red",deny\n' >"$WORK/list2.csv"
ctl --token "$ADMIN" watchlist load "$WORK/list2.csv" | grep_all 'version 2: 1 entries, 0 added, 1 removed' ||
    fail "the second load did not remove one entry"
expect 200 '"removed":\["' GET "/api/v1/watchlist?since=1" "$DEV"
grep -q '"version":2' "$WORK/body" || fail "the delta does not name version 2"
# Recorded offline against no list at all: a late hit, matched on the transliterated name.
hit=$(printf '{"id":"%s","device_id":"KAK-02","seq":1,"checkpoint_id":"KAKAVIJE","direction":"entry","occurred_at":"2026-11-27T08:00:00Z","recorded_offline":true,"traveler":{"document_number":"C01X00T47","issuing_country":"D","nationality":"D","surname":"MUELLER","given_names":"HANS","birth_date":"1970-01-31","sex":"M"}}' "$(id 5)")
expect 201 stored POST /api/v1/crossings "$DEV2" "$hit"
expect 200 '"late":true' GET /api/v1/alerts "$OPS"
grep -q '"matched_by":"person"' "$WORK/body" || fail "the alert does not say it matched by person"
alert=$(sed 's/.*"alerts":\[{"id":\([0-9]*\),.*/\1/' "$WORK/body")
ctl --token "$OPS" alerts list | grep_all "MUELLER" || fail "ctl alerts list lacks the hit"
ctl --token "$OPS" alerts ack "$alert" --note "called the booth" | grep_all '"state":"acknowledged"' || fail "ack"
expect 200 '"alerts":\[\]' GET /api/v1/alerts "$OPS"
expect 404 not_found POST /api/v1/alerts/999999/acknowledge "$OPS"

# --- the daily report ---
expect 201 stored POST /api/v1/crossings "$DEV" \
    "$(crossing "$(id 6)" 5 exit 2026-11-27T09:00:00Z KAK-01 SYN1 ',"flags":["synthetic"]')"
expect 200 '"count":1' GET "/api/v1/reports/daily?date=2026-11-27" "$OPS"
grep -q '"direction":"exit"' "$WORK/body" && fail "the report counts a synthetic record: $(cat "$WORK/body")"
ctl --token "$OPS" report daily --date 2026-11-27 --csv >"$WORK/report.csv"
[ "$(head -1 "$WORK/report.csv" | tr -d '\r')" = "date,checkpoint_id,direction,nationality,count,back_captured" ] ||
    fail "the report CSV header is $(head -1 "$WORK/report.csv")"
grep -q '^2026-11-27,KAKAVIJE,entry,D,1,0' "$WORK/report.csv" || fail "the report CSV lacks the row: $(cat "$WORK/report.csv")"
expect 200 '"exit":1' GET "/api/v1/reports/daily?date=2026-11-27&synthetic=include" "$OPS"
expect 403 forbidden GET "/api/v1/reports/daily" "$DEV"

# --- central offline: the booth's device calls answer 503 like every other ---
ctl --token "$ADMIN" central-offline on --reason "e2e" >/dev/null
expect 503 central_offline GET /api/v1/devices/KAK-01/travelers/UTO/L898902C3/status "$DEV"
expect 503 central_offline GET "/api/v1/watchlist?since=2" "$DEV"
expect 200 '"valid":true' POST /api/v1/mrz/parse "$DEV" "{\"mrz\":\"$TD3\"}"
ctl --token "$ADMIN" central-offline off >/dev/null

# --- a real terminal: recorded with the passport's MRZ, synced, judged ---
init_checkpoint "$WORK/cp" KAKAVIJE KAK-03
checkpoint record --data-dir "$WORK/cp" --direction exit \
    --mrz 'I<UTOD231458907<<<<<<<<<<<<<<<' --mrz '7408122F1204159UTO<<<<<<<<<<<6' \
    --mrz 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<' >/dev/null
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the terminal could not sync"
ctl --token "$OPS" anomalies list --device KAK-03 --kind document_expired | grep_all 'UTO D23145890' ||
    fail "the synced record's expired card is not listed"

stop_server
