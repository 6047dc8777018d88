#!/usr/bin/env bash
# The HTTP API as a device and an operator meet it: authentication, a device speaking only for
# itself, idempotent ingest and 409, a batch with a bad record rejected alone, limits, problem+json,
# reconcile, listing with a cursor and CSV, and SIGTERM exiting 0.
source "$(dirname "$0")/lib.sh"

create_database
start_server --max-body 65536
DEV=$(token device KAKAVIJE KAK-01)
OPS=$(token operations)
base="http://127.0.0.1:$PORT"

# call METHOD PATH TOKEN [BODY]: prints the status; the body lands in $WORK/body.
call() {
    local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$1" "$base$2" -H 'Content-Type: application/json')
    [ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
    [ $# -ge 4 ] && args+=(--data-binary "$4")
    curl "${args[@]}"
}
expect() { # expect STATUS CODE-IN-BODY METHOD PATH TOKEN [BODY]
    local want=$1 word=$2
    shift 2
    local got
    got=$(call "$@")
    [ "$got" = "$want" ] || fail "$1 $2 answered $got, not $want: $(cat "$WORK/body")"
    [ -z "$word" ] || grep_all "$word" "$WORK/body" || fail "$1 $2 body lacks $word: $(cat "$WORK/body")"
}

crossing() { # crossing ID SEQ [DEVICE] [SURNAME]
    printf '{"id":"%s","device_id":"%s","seq":%s,"checkpoint_id":"KAKAVIJE","direction":"entry","occurred_at":"2026-11-27T10:42:05.123+01:00","traveler":{"document_number":"L898902C3","issuing_country":"UTO","nationality":"UTO","surname":"%s","birth_date":"1974-08-12","sex":"F"}}' \
        "$1" "${3:-KAK-01}" "$2" "${4:-ERIKSSON}"
}
ID1=01936f1e-8c2a-7b3e-9f00-000000000001
ID2=01936f1e-8c2a-7b3e-9f00-000000000002
ID3=01936f1e-8c2a-7b3e-9f00-000000000003

expect 200 alive GET /livez ""
expect 200 ready GET /readyz ""
expect 401 '"code":"unauthorized"' POST /api/v1/crossings "" "$(crossing $ID1 1)"
expect 401 unauthorized POST /api/v1/crossings "not-a-token" "$(crossing $ID1 1)"
expect 403 forbidden POST /api/v1/crossings "$DEV" "$(crossing $ID1 1 KAK-02)"
expect 403 forbidden POST /api/v1/crossings "$OPS" "$(crossing $ID1 1)"
expect 400 '"field":"traveler.birth_date"' POST /api/v1/crossings "$DEV" "$(crossing $ID1 1 | sed 's/1974-08-12/1974-13-12/')"
expect 400 invalid_json POST /api/v1/crossings "$DEV" '{"id":'
expect 201 '"status":"stored"' POST /api/v1/crossings "$DEV" "$(crossing $ID1 1)"
expect 200 '"status":"duplicate"' POST /api/v1/crossings "$DEV" "$(crossing $ID1 1)"
expect 409 id_conflict POST /api/v1/crossings "$DEV" "$(crossing $ID1 1 KAK-01 OTHER)"
expect 409 seq_conflict POST /api/v1/crossings "$DEV" "$(crossing $ID2 1)"
[ "$(central_count)" = 1 ] || fail "PostgreSQL holds $(central_count) rows after one stored record"
[ "$(sql "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') FROM crossings")" = "09:42:05.123" ] || fail "occurred_at not kept in UTC"

batch="{\"records\":[$(crossing $ID2 2),{\"id\":\"nope\"},$(crossing $ID1 1),$(crossing $ID3 4)]}"
expect 200 results POST /api/v1/crossings/batch "$DEV" "$batch"
statuses=$(grep -o '"status":"[a-z]*"' "$WORK/body" | cut -d'"' -f4 | tr '\n' ' ')
[ "$statuses" = "stored rejected duplicate stored " ] || fail "batch statuses in order were: $statuses"
[ "$(central_count)" = 3 ] || fail "the batch did not store exactly its two new records"

expect 200 '"missing":\[\[3,3\]\]' GET /api/v1/devices/KAK-01/reconcile "$DEV"
grep -q '"stream_id":"","received":3,"quarantined":0,"max_seq":4' "$WORK/body" ||
    fail "reconcile of the legacy stream lacks its stream or quarantine count: $(cat "$WORK/body")"
expect 200 '"max_body_bytes":65536' GET /api/v1/token "$DEV"
expect 403 forbidden GET /api/v1/devices/KAK-02/reconcile "$DEV"
expect 200 '"max_seq":4' GET /api/v1/devices/KAK-01/reconcile "$OPS"
expect 204 "" POST /api/v1/devices/KAK-01/heartbeat "$DEV" '{"pending":2,"last_seq":4,"rejected":0,"lanes":[{"lane":"1","waiting":7}]}'
expect 400 '"field":"pending"' POST /api/v1/devices/KAK-01/heartbeat "$DEV" '{"pending":-1}'

expect 200 '"next_after":"' GET "/api/v1/crossings?limit=2" "$OPS"
# Each crossing in the contract's field order (not jsonb's), with what the server keeps beside it.
grep -q '{"crossings":\[{"id":"[0-9a-f-]*","device_id":"KAK-01","stream_id":"","seq":1,"checkpoint_id":"KAKAVIJE",' "$WORK/body" ||
    fail "the listing is not in the contract's field order: $(head -c 300 "$WORK/body")"
grep -q '"recorded_offline":false,"flags":\[\],"received_at":"' "$WORK/body" || fail "the listing lacks flags or received_at"
after=$(sed 's/.*"next_after":"\([0-9]*\)".*/\1/' "$WORK/body")
expect 200 '"next_after":null' GET "/api/v1/crossings?limit=2&after=$after" "$OPS"
grep -q "$ID3" "$WORK/body" || fail "the second page lacks the last record"
expect 200 "" GET "/api/v1/crossings?format=csv&device=KAK-01&direction=entry" "$OPS"
[ "$(wc -l <"$WORK/body")" = 4 ] || fail "CSV is not a header and 3 rows"
expect 400 '"field":"limit"' GET "/api/v1/crossings?limit=0" "$OPS"
expect 400 '"field":"colour"' GET "/api/v1/crossings?colour=red" "$OPS"
expect 403 forbidden GET /api/v1/crossings "$DEV"
expect 404 not_found GET /api/v1/nothing "$OPS"

big=$(head -c 70000 /dev/zero | tr '\0' 'a')
expect 413 payload_too_large POST /api/v1/crossings "$DEV" "{\"x\":\"$big\"}"
expect 200 ready GET /readyz ""

# Keep-alive: two requests on one connection.
curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' "$base/livez" "$base/livez" | tr -d '\n' | grep_all '^10$' ||
    fail "the server did not keep the connection alive"

stop_server
