#!/usr/bin/env bash
# bench/booth.sh — step C of the benchmark: how long an officer waits for a record to be confirmed
# through the officer screen (the daemon's local API), with the centre up, down (the server stopped)
# and hanging (a listener that accepts connections and never answers), each beside a bare SQLite
# insert with synchronous=FULL measured just before it, in the same run. bench/run.sh runs it after A and B; it also runs alone.
# See docs/benchmarks.md. Everything listens on 127.0.0.1 only and is stopped on exit.
#
# Environment (all optional):
#   BORDERLOG_BUILD_DIR            build tree (default: build/)
#   BORDERLOG_BENCH_BUILD          auto (default): build the targets it needs; 0: use them as they are
#   BORDERLOG_BENCH_BOOTH_RECORDS  records timed per case (default 500; 20 more are sent first, untimed)
#   BORDERLOG_BENCH_JSON           also write the figures as one JSON object to this file
#   BORDERLOG_BENCH_KEEP=1         keep the temporary folder (logs, data)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BORDERLOG_BUILD_DIR:-$ROOT/build}
BUILD=${BORDERLOG_BENCH_BUILD:-auto}
RECORDS=${BORDERLOG_BENCH_BOOTH_RECORDS:-500}
JSON_OUT=${BORDERLOG_BENCH_JSON:-}
KEEP=${BORDERLOG_BENCH_KEEP:-0}
TARGET_P99_MS=5

T0=$(date +%s)
log() { printf '[bench C %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
[[ $RECORDS =~ ^[0-9]+$ ]] && [ "$RECORDS" -ge 10 ] && [ "$RECORDS" -le 100000 ] \
    || die "BORDERLOG_BENCH_BOOTH_RECORDS must be a whole number from 10 to 100000"

WORK="" PG_DIR="" PIDS=()
cleanup() {
    local rc=$? pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -z "$PG_DIR" ] || "$ROOT/deploy/pg.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
    if [ -n "$WORK" ]; then
        if [ "$KEEP" = 1 ] || [ $rc -ne 0 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$BUILD" = auto ]; then
    [ -f "$BUILD_DIR/CMakeCache.txt" ] || cmake --preset default -S "$ROOT" >/dev/null
    cmake --build "$BUILD_DIR" -j2 --target borderlog-server borderlog-checkpoint bench_booth_latency >/dev/null \
        || die "building the benchmark's targets failed"
fi
SERVER=$BUILD_DIR/server/borderlog-server
CHECKPOINT=$BUILD_DIR/client/borderlog-checkpoint
PROBE=$BUILD_DIR/bench/bench_booth_latency
for b in "$SERVER" "$CHECKPOINT" "$PROBE"; do [ -x "$b" ] || die "$b is missing (build it, or BORDERLOG_BENCH_BUILD=auto)"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/borderlog-bench-booth.XXXXXX")
chmod 755 "$WORK"  # the postgres user reaches its folder inside when this runs as root

free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((10000 + RANDOM % 20000))
        if ! { (exec 3<>"/dev/tcp/127.0.0.1/$p"); } 2>/dev/null; then echo "$p"; return 0; fi
    done
    die "no free port found on 127.0.0.1"
}

PG_DIR=$WORK/pg
for attempt in 1 2 3; do
    PG_PORT=$(free_port)
    "$ROOT/deploy/pg.sh" start "$PG_DIR" "$PG_PORT" && break
    [ "$attempt" = 3 ] && die "PostgreSQL did not start"
done
DB_URL=$("$ROOT/deploy/pg.sh" url "$PG_DIR" "$PG_PORT" postgres)
"$SERVER" migrate --db "$DB_URL" 2>"$WORK/migrate.log" || die "migrate failed: $(tail -n 3 "$WORK/migrate.log")"
token() { "$SERVER" token create --db "$DB_URL" --role device --checkpoint BENCHCP --device "$1" --name bench 2>/dev/null; }

PORT=$(free_port)
"$SERVER" serve --db "$DB_URL" --db-role borderlog_server --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -n 3 "$WORK/server.log")"
    sleep 0.1
done

# A centre that hangs: accepts every connection and never answers.
HANG_PORT=$(free_port)
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(512)
held = []
while True:
    held.append(s.accept()[0])
' "$HANG_PORT" &
PIDS+=($!)

# daemon NAME SERVER_PORT: a terminal of its own running `run` with its screen on a free port; sets UI.
daemon() {
    local dir="$WORK/$1"
    "$CHECKPOINT" init --data-dir "$dir" --server "http://127.0.0.1:$2" --checkpoint BENCHCP --device "$1" \
        --token "$(token "$1")" 2>/dev/null || die "init of $1 failed"
    "$CHECKPOINT" run --data-dir "$dir" --ui-listen 127.0.0.1:0 --heartbeat-interval 1 --poll-interval-ms 100 \
        --backoff-base-ms 100 --backoff-cap 1 2>"$WORK/$1.log" &
    DAEMON_PID=$!
    PIDS+=("$DAEMON_PID")
    for _ in $(seq 1 300); do
        grep -q '"event":"ui_listening"' "$WORK/$1.log" && break
        kill -0 "$DAEMON_PID" 2>/dev/null || die "the daemon $1 exited: $(tail -n 3 "$WORK/$1.log")"
        sleep 0.1
    done
    UI=$(grep '"event":"ui_listening"' "$WORK/$1.log" | head -n 1 | sed 's/.*"address":"\([^"]*\)".*/\1/')
    [ -n "$UI" ] || die "the daemon $1 serves no screen"
}
# The disk's flush time moves with whatever else the machine does: each case gets its own baseline,
# measured just before it, in the same folder.
measure() {  # CASE -> JSON lines in $WORK/CASE.json and $WORK/CASE-baseline.json
    "$PROBE" sqlite --file "$WORK/baseline.db" --records "$RECORDS" >"$WORK/$1-baseline.json" || die "the baseline failed"
    log "$1: baseline $(cat "$WORK/$1-baseline.json")"
    log "$1: $RECORDS records through the screen at $UI"
    "$PROBE" screen --address "$UI" --records "$RECORDS" >"$WORK/$1.json" || die "the $1 run failed"
    log "$1: $(cat "$WORK/$1.json")"
}
field() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$WORK/$1.json"; }

daemon BOOTH-UP "$PORT"
UP_PID=$DAEMON_PID UP_UI=$UI
measure up
# The daemon's own figure over every record of this case, as its next heartbeat (1 s) told the centre.
for _ in $(seq 1 50); do
    HEARTBEAT=$(psql -qtAX "$DB_URL" -c "SELECT record_latency FROM devices WHERE device_id = 'BOOTH-UP' AND
                                         (record_latency ->> 'count')::bigint >= $((RECORDS + 20))" 2>/dev/null || true)
    [ -n "$HEARTBEAT" ] && break
    sleep 0.1
done

daemon BOOTH-HANG "$HANG_PORT"
measure hanging
kill "$DAEMON_PID"

log "stopping the server"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
UI=$UP_UI
sleep 1  # the daemon's next sync meets the closed port
measure down
kill -0 "$UP_PID" 2>/dev/null || die "the daemon stopped"

row() { printf '%-50s %8s %8s %8s   %s\n' "$@"; }
{
    echo
    echo "borderlog officer screen: record latency, $RECORDS records per case, $(nproc) cores"
    row "case" "p50 ms" "p99 ms" "max ms" "baseline just before: bare SQLite insert, WAL, synchronous=FULL, p50/p99/max ms"
    for c in up down hanging; do
        case $c in
            up) what="screen, centre up" ;;
            down) what="screen, centre down (server stopped)" ;;
            hanging) what="screen, centre hanging (accepts, never answers)" ;;
        esac
        row "$what" "$(field "$c" p50_ms)" "$(field "$c" p99_ms)" "$(field "$c" max_ms)" \
            "$(field "$c-baseline" p50_ms)/$(field "$c-baseline" p99_ms)/$(field "$c-baseline" max_ms)"
    done
    echo "the daemon's own figure in its heartbeat (centre up): ${HEARTBEAT:-none received}"
    for c in up down hanging; do
        awk -v c="$c" -v p="$(field "$c" p99_ms)" -v t="$TARGET_P99_MS" -v b="$(field "$c-baseline" p99_ms)" \
            'BEGIN { printf "%-8s p99 %.2f ms: %s the %d ms target; %.1f× its baseline p99\n", c, p, (p <= t ? "meets" : "misses"), t, (b > 0 ? p / b : 0) }'
    done
    echo "total time: $(($(date +%s) - T0)) s"
}
if [ -n "$JSON_OUT" ]; then
    printf '{"records":%s,"up":%s,"down":%s,"hanging":%s,"baseline":{"up":%s,"down":%s,"hanging":%s},"target_p99_ms":%s}\n' \
        "$RECORDS" "$(cat "$WORK/up.json")" "$(cat "$WORK/down.json")" "$(cat "$WORK/hanging.json")" \
        "$(cat "$WORK/up-baseline.json")" "$(cat "$WORK/down-baseline.json")" "$(cat "$WORK/hanging-baseline.json")" \
        "$TARGET_P99_MS" >"$JSON_OUT"
fi
