#!/usr/bin/env bash
# Two borderlog-server instances on one database behind nginx, with deploy/nginx/borderlog-proxy.conf:
# a checkpoint syncs through nginx while one instance is killed with kill -9 (every record stored once),
# the central-offline switch set through nginx holds on both instances, and the operations view's event
# stream through nginx carries what a device told the other instance.
source "$(dirname "$0")/lib.sh"
command -v nginx >/dev/null || command -v /usr/sbin/nginx >/dev/null || fail "nginx is not installed (deploy/install-deps.sh)"
NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)

create_database
start_server --offline-retry-after 1
A=$PORT; SERVER_A=$SERVER_PID
PORT=""
start_server --offline-retry-after 1
B=$PORT; SERVER_B=$SERVER_PID
BACKGROUND_PIDS+=("$SERVER_A")
ADMIN=$(token admin)
OPS=$(token operations)

# nginx in $WORK, in front of A and B. As root its workers run as nobody: they must reach their folders.
chmod 755 "$WORK"
mkdir -p "$WORK/nginx/tmp"
chmod 777 "$WORK/nginx/tmp"
start_nginx() {
    for _ in $(seq 1 20); do
        NGX=$((10000 + RANDOM % 10000))
        cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    upstream borderlog {
        server 127.0.0.1:$A max_fails=1 fail_timeout=2s;
        server 127.0.0.1:$B max_fails=1 fail_timeout=2s;
        keepalive 16;
    }
    server {
        listen 127.0.0.1:$NGX;
        include $BORDERLOG_SOURCE_DIR/deploy/nginx/borderlog-proxy.conf;
    }
}
CONF
        "$NGINX_BIN" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >>"$WORK/nginx/error.log" 2>&1 &
        NGINX_PID=$!
        local deadline=$((SECONDS + 10))
        while [ $SECONDS -lt $deadline ] && kill -0 "$NGINX_PID" 2>/dev/null; do
            curl -sf "http://127.0.0.1:$NGX/livez" >/dev/null 2>&1 && return 0
            sleep 0.05
        done
        kill -9 "$NGINX_PID" 2>/dev/null || true
    done
    fail "nginx did not start: $(tail -n 5 "$WORK/nginx/error.log")"
}
# nginx stops with its workers on TERM (kill -9 of the master would leave them running).
stop_nginx() {
    [ -n "${NGINX_PID:-}" ] || return 0
    kill -TERM "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
}
trap 'rc=$?; set +e; stop_nginx; (exit $rc); cleanup' EXIT
start_nginx
log "nginx on $NGX in front of $A and $B"

# 1. A backlog syncs through nginx; instance A is killed with kill -9 while it does. nginx sends the
# rest (and the request A died on) to B; nothing is lost or stored twice.
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01 "$NGX"
gen_jsonl 5000 "$WORK/backlog.jsonl"
[ "$(checkpoint import --data-dir "$WORK/cp" "$WORK/backlog.jsonl" 2>/dev/null)" = 5000 ] || fail "import did not record 5000"
more_than() { [ "$(central_count)" -gt "$1" ]; }
"$CHECKPOINT_BIN" sync --once --data-dir "$WORK/cp" --batch-size 10 --timeout 5 2>"$WORK/sync1.log" &
sync_pid=$!
BACKGROUND_PIDS+=("$sync_pid")
wait_until 60 "sync progress through nginx" more_than 0
kill -9 "$SERVER_A"
at_kill=$(central_count)
[ "$at_kill" -lt 5000 ] || fail "the sync finished before instance A was killed"
rc=0
wait "$sync_pid" || rc=$?
log "instance A killed at $at_kill rows; the sync through nginx exited $rc"
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "sync exited $rc after an instance was killed"
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the sync after the kill failed"
[ "$(status_field "$WORK/cp" pending)" = 0 ] || fail "records still pending"
[ "$(central_count)" = 5000 ] || fail "PostgreSQL holds $(central_count) rows, not 5000"
assert_exactly_once "$WORK/cp" KAK-01

# A comes back on its port.
SERVER_B=$SERVER_PID
PORT=$A
start_server --offline-retry-after 1
SERVER_A=$SERVER_PID
BACKGROUND_PIDS+=("$SERVER_A" "$SERVER_B")

# 2. The operations view's event stream through nginx: a heartbeat sent to B directly, then one to A,
# both reach it, whichever instance nginx gave the stream to (the state crosses through PostgreSQL).
curl -sN -H "Authorization: Bearer $OPS" "http://127.0.0.1:$NGX/api/v1/events" >"$WORK/events.txt" &
BACKGROUND_PIDS+=($!)
wait_until 30 "the snapshot event through nginx" grep -q '^event: snapshot' "$WORK/events.txt"
DEVICE_TOKEN=$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$WORK/cp/config.json")
heartbeat() {
    curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $DEVICE_TOKEN" \
        -H 'Content-Type: application/json' -d "{\"pending\":$2}" "http://127.0.0.1:$1/api/v1/devices/KAK-01/heartbeat"
}
[ "$(heartbeat "$B" 7)" = 204 ] || fail "a heartbeat to B was not taken"
wait_until 30 "the backlog of 7 (told B) in the event stream through nginx" grep -q '"pending":7' "$WORK/events.txt"
[ "$(heartbeat "$A" 11)" = 204 ] || fail "a heartbeat to A was not taken"
wait_until 30 "the backlog of 11 (told A) in the event stream through nginx" grep -q '"pending":11' "$WORK/events.txt"

# 3. Central offline, switched through nginx: both instances refuse devices (each polls the switch),
# records queue at the checkpoint, and sync through nginx after the switch goes back.
"$CTL_BIN" --server "http://127.0.0.1:$NGX" --token "$ADMIN" central-offline on --reason "e2e drill behind nginx" |
    grep -q '"offline":true' || fail "the switch did not turn on through nginx"
offline_at() {
    [ "$(curl -s -o "$WORK/answer.json" -w '%{http_code}' -H "Authorization: Bearer $DEVICE_TOKEN" \
        "http://127.0.0.1:$1/api/v1/token")" = 503 ] && grep -q '"code":"central_offline"' "$WORK/answer.json"
}
wait_until 30 "instance A offline" offline_at "$A"
wait_until 30 "instance B offline" offline_at "$B"
offline_at "$NGX" || fail "a device call through nginx was not refused while central is offline"
for i in 1 2 3 4 5; do
    checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number "NGX$i" --doc-country ALB --nationality ALB \
        --surname TEST --birth-date 1985-03-03 --sex F >/dev/null
done
rc=0
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || rc=$?
[ "$(status_field "$WORK/cp" pending)" = 5 ] || fail "records did not queue while central was offline (sync exited $rc)"
"$CTL_BIN" --server "http://127.0.0.1:$NGX" --token "$ADMIN" central-offline off >/dev/null
online_at() { ! offline_at "$1"; }
wait_until 30 "instance A online" online_at "$A"
wait_until 30 "instance B online" online_at "$B"
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the sync after central came back failed"
[ "$(central_count)" = 5005 ] || fail "PostgreSQL holds $(central_count) rows, not 5005"
assert_exactly_once "$WORK/cp" KAK-01
