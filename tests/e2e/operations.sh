#!/usr/bin/env bash
# The operations view end to end: heartbeats (with lane queues) reach /api/v1/checkpoints and the event
# stream; they go on while central is offline and while PostgreSQL is stopped; a second server in front
# of the same database sees the same within 2 seconds (LISTEN/NOTIFY); dashboard sign-in, its cookie,
# its limits and its audit trail; the static pages and their headers.
source "$(dirname "$0")/lib.sh"

use_own_postgres  # it is stopped halfway
create_database
start_server --silent-after 0.2 --offline-retry-after 1
A=$PORT
OPS=$(token operations)
ADMIN=$(token admin)
TRAINER=$(token trainer)
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
DEVICE_TOKEN=$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$WORK/cp/config.json")

api() { curl -s --max-time 10 "$@"; }
fleet_at() { api -H "Authorization: Bearer $OPS" "http://127.0.0.1:$1/api/v1/checkpoints"; }
# field PORT PYTHON-EXPRESSION-ON-v: prints a value of the fleet view.
field() { fleet_at "$1" | python3 -c "import json,sys; v=json.load(sys.stdin); print($2)" 2>/dev/null; }

# Before its first heartbeat a device with a token is known, and silent.
known() { [ "$(field "$A" "v['checkpoints'][0]['devices'][0]['state']")" = silent ]; }
wait_until 30 "the device known from its token" known

checkpoint queue --data-dir "$WORK/cp" --lane 3 --waiting 9 2>/dev/null
rc=0
checkpoint queue --data-dir "$WORK/cp" --lane "$(printf 'a\tb')" --waiting 1 2>"$WORK/queue.err" || rc=$?
[ $rc -eq 2 ] && grep -q -- "--lane" "$WORK/queue.err" || fail "a lane name with a tab was not refused naming --lane"
"$CHECKPOINT_BIN" run --data-dir "$WORK/cp" --heartbeat-interval 1 --poll-interval-ms 100 --backoff-base-ms 100 \
    --backoff-cap 1 2>"$WORK/daemon.log" &
DAEMON=$!
BACKGROUND_PIDS+=("$DAEMON")
online() { [ "$(field "$A" "v['checkpoints'][0]['state']")" = online ]; }
wait_until 30 "the checkpoint online" online
[ "$(field "$A" "v['checkpoints'][0]['lanes'][0]['waiting']")" = 9 ] || fail "the lane queue did not arrive"
one=$(api -H "Authorization: Bearer $OPS" "http://127.0.0.1:$A/api/v1/checkpoints/KAKAVIJE")
echo "$one" | grep_all '"checkpoint":{"checkpoint_id":"KAKAVIJE"' || fail "GET /api/v1/checkpoints/KAKAVIJE: $one"
[ "$(api -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OPS" "http://127.0.0.1:$A/api/v1/checkpoints/NOWHERE")" = 404 ] ||
    fail "an unknown checkpoint is not 404"
[ "$(sql "SELECT lanes->0->>'waiting' FROM devices WHERE device_id = 'KAK-01'")" = 9 ] || fail "the heartbeat was not written back"

# A second instance in front of the same database.
PORT=""
SERVER_A=$SERVER_PID
start_server --silent-after 0.2
B=$PORT
BACKGROUND_PIDS+=("$SERVER_A")
curl -sN -H "Authorization: Bearer $OPS" "http://127.0.0.1:$B/api/v1/events" >"$WORK/events-b.txt" &
BACKGROUND_PIDS+=($!)
wait_until 30 "the snapshot event on B" grep -q '^event: snapshot' "$WORK/events-b.txt"

# Central offline: heartbeats still answer 204, and say so.
ctl() { "$CTL_BIN" --server "http://127.0.0.1:$A" "$@"; }
ctl --token "$ADMIN" central-offline on >/dev/null
code=$(api -o /dev/null -D "$WORK/hb.headers" -w '%{http_code}' -X POST -H "Authorization: Bearer $DEVICE_TOKEN" \
    -H 'Content-Type: application/json' -d '{"pending":0}' "http://127.0.0.1:$A/api/v1/devices/KAK-01/heartbeat")
[ "$code" = 204 ] || fail "a heartbeat answered $code while central is offline"
grep -qi '^Borderlog-Central: offline' "$WORK/hb.headers" || fail "the heartbeat did not say the centre is offline"
for i in 1 2 3 4 5; do
    checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number "OPS$i" --doc-country ALB --nationality ALB \
        --surname TEST --birth-date 1985-03-03 --sex F >/dev/null
done
# The backlog climbs on B (heartbeats go to A: the state crosses through PostgreSQL).
climbed_on_b() {
    [ "$(field "$B" "v['checkpoints'][0]['pending']")" = 5 ] && [ "$(field "$B" "v['checkpoints'][0]['state']")" = central_offline ]
}
wait_until 30 "the backlog of 5 on instance B" climbed_on_b
grep -q '"pending":5' "$WORK/events-b.txt" || fail "B's event stream did not carry the backlog"
ctl --token "$ADMIN" central-offline off >/dev/null
drained() { [ "$(field "$B" "v['checkpoints'][0]['pending']")" = 0 ] && [ "$(field "$B" "v['checkpoints'][0]['state']")" = online ]; }
wait_until 20 "the drain seen on B" drained
[ "$(field "$B" "v['checkpoints'][0]['last_sync_at'] is not None")" = True ] || fail "no last sync after the drain"

# Sign-in: refused tokens are audited and limited, a good one gets a strict cookie.
signin() { api -o "$WORK/signin.json" -D "$WORK/signin.headers" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"token\":\"$1\"}" "http://127.0.0.1:$A/api/v1/session"; }
[ "$(signin wrong-token)" = 401 ] || fail "an unknown token signed in"
[ "$(signin "$DEVICE_TOKEN")" = 403 ] || fail "a device token signed in"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'session.sign_in_failed' AND address = '127.0.0.1'")" = 2 ] ||
    fail "failed sign-ins were not audited"
[ "$(signin "$TRAINER")" = 200 ] || fail "a trainer could not sign in"
for _ in 1 2 3; do signin wrong >/dev/null; done
[ "$(signin wrong)" = 429 ] || fail "the sixth failed sign-in from one address was not limited"
grep -qi '^Retry-After: ' "$WORK/signin.headers" || fail "the 429 has no Retry-After"
[ "$(signin "$OPS")" = 429 ] || fail "the limit did not hold for a good token from the same address"
# B keeps its own count: sign in there.
signin_b() { api -o /dev/null -D "$WORK/b.headers" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"token\":\"$OPS\"}" "http://127.0.0.1:$B/api/v1/session"; }
[ "$(signin_b)" = 200 ] || fail "a good token could not sign in on B"
cookie_line=$(grep -i '^Set-Cookie: borderlog_session=' "$WORK/b.headers") || fail "no session cookie"
for attribute in HttpOnly SameSite=Strict Path=/ Max-Age=43200; do
    echo "$cookie_line" | grep_all "$attribute" || fail "the cookie lacks $attribute: $cookie_line"
done
COOKIE=$(echo "$cookie_line" | sed 's/^[^:]*: \(borderlog_session=[^;]*\).*/\1/')
[ "$(sql "SELECT count(*) FROM dashboard_sessions WHERE secret_hash = '$(printf '%s' "${COOKIE#borderlog_session=}" | sha256sum | cut -d' ' -f1)'")" = 1 ] ||
    fail "the session is not stored by the hash of its secret"
code=$(api -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$A/api/v1/checkpoints")
[ "$code" = 200 ] || fail "the cookie (made on B) did not read the fleet on A: $code"
code=$(api -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/api/v1/checkpoints")
[ "$code" = 401 ] || fail "the fleet answered $code without a token or cookie"
code=$(api -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $DEVICE_TOKEN" "http://127.0.0.1:$A/api/v1/checkpoints")
[ "$code" = 403 ] || fail "a device token read the fleet: $code"
code=$(api -o /dev/null -w '%{http_code}' -X DELETE -H "Cookie: $COOKIE" "http://127.0.0.1:$A/api/v1/session")
[ "$code" = 403 ] || fail "a cookie sign-out without Origin answered $code, not 403"
code=$(api -o /dev/null -w '%{http_code}' -X DELETE -H "Cookie: $COOKIE" -H "Origin: http://evil.example" "http://127.0.0.1:$A/api/v1/session")
[ "$code" = 403 ] || fail "a cookie sign-out from another origin answered $code"
code=$(api -o /dev/null -w '%{http_code}' -X DELETE -H "Cookie: $COOKIE" -H "Origin: http://127.0.0.1:$A" "http://127.0.0.1:$A/api/v1/session")
[ "$code" = 204 ] || fail "sign-out answered $code"
signed_out() { [ "$(api -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$B/api/v1/checkpoints")" = 401 ]; }
wait_until 30 "the session to end on B too" signed_out

# The pages: compiled in, with their types and a strict policy.
api -D "$WORK/page.headers" -o "$WORK/index.html" "http://127.0.0.1:$A/"
grep -qi '^Content-Type: text/html; charset=utf-8' "$WORK/page.headers" || fail "/ is not HTML"
grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" "$WORK/page.headers" || fail "/ has no strict CSP"
grep -q '/assets/app.js' "$WORK/index.html" || fail "/ is not the dashboard"
api -D "$WORK/js.headers" -o /dev/null "http://127.0.0.1:$A/assets/app.js"
grep -qi '^Content-Type: text/javascript' "$WORK/js.headers" || fail "app.js has the wrong type"
[ "$(api -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/assets/index.html")" = 404 ] || fail "pages are served under /assets"
[ "$(api -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/assets/missing.js")" = 404 ] || fail "a missing asset is not 404"
api "http://127.0.0.1:$A/openapi.yaml" | grep_all '^openapi: 3.1' || fail "/openapi.yaml is not the description"
"$CTL_BIN" --server "http://127.0.0.1:$A" --token "$OPS" fleet | grep_all '^KAKAVIJE .*online' || fail "borderlogctl fleet has no KAKAVIJE online"
"$CTL_BIN" --server "http://127.0.0.1:$A" --token "$OPS" fleet KAKAVIJE --json | grep_all '"checkpoint_id":"KAKAVIJE"' ||
    fail "borderlogctl fleet KAKAVIJE --json"

# PostgreSQL stops: heartbeats are still taken, the view stays up and says so; it all goes back after.
stop_own_postgres
code=$(api -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $DEVICE_TOKEN" -H 'Content-Type: application/json' \
    -d '{"pending":42}' "http://127.0.0.1:$A/api/v1/devices/KAK-01/heartbeat")
[ "$code" = 204 ] || fail "a heartbeat answered $code with PostgreSQL stopped"
db_down() { [ "$(field "$A" "v['database']")" = unavailable ]; }
wait_until 30 "the view to say database unavailable" db_down
kill -STOP "$DAEMON"  # so that the 42 stays the last word until PostgreSQL is back
code=$(api -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $DEVICE_TOKEN" -H 'Content-Type: application/json' \
    -d '{"pending":42}' "http://127.0.0.1:$A/api/v1/devices/KAK-01/heartbeat")
[ "$code" = 204 ] || fail "a heartbeat answered $code with PostgreSQL stopped"
[ "$(field "$A" "v['checkpoints'][0]['pending']")" = 42 ] || fail "the view did not take the heartbeat"
start_own_postgres || fail "PostgreSQL did not start again"
db_back() { [ "$(field "$A" "v['database']")" = available ]; }
wait_until 20 "the view to say the database is back" db_back
written_back() { [ "$(sql "SELECT pending FROM devices WHERE device_id = 'KAK-01'")" = 42 ]; }
wait_until 30 "the heartbeat taken meanwhile written back" written_back
kill -CONT "$DAEMON"

kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the daemon did not stop cleanly"
kill -TERM "$SERVER_A"
stop_server
