#!/usr/bin/env bash
# bench/run.sh — the borderlog benchmark, one command. See docs/benchmarks.md.
#
# On a throwaway PostgreSQL (or a fresh database in BORDERLOG_BENCH_DB), it measures
#   A. single-record ingest: bench_ingest_load, 64 keep-alive connections to borderlog-server, beside
#      pgbench single-row INSERTs into the same table with 8 and with 64 clients;
#   B. backlog drain: 20 checkpoints × 5,000 imported records, all `sync --once` in parallel, beside
#      `psql \copy` of the same 100,000 rows;
#   D. /livez throughput beside nginx returning a fixed answer (wrk);
#   E. a thundering herd: 200 checkpoint daemons × 1,000 records started at once, beside \copy;
#   F. 10 million crossings loaded by COPY: traveller lookup and checkpoint listing p99 through the API,
#      ingest and lookup at the empty table and at that size, the listing's plans (EXPLAIN);
#   C. the officer screen's record latency with the centre up, down and hanging, beside a bare SQLite
#      insert (bench/booth.sh, which also runs alone; BORDERLOG_BENCH_BOOTH=0 leaves it out);
# and prints each figure beside its baseline as a ratio, with the roadmap targets.
# Everything listens on and loads only 127.0.0.1. Everything it starts is stopped on exit, Ctrl-C included.
#
# Environment (all optional):
#   BORDERLOG_BUILD_DIR          build tree to use (default: build/, the `default` preset)
#   BORDERLOG_BENCH_BUILD        auto (default): configure if needed, then build the three targets it
#                                needs (a no-op when up to date); 0: use the binaries as they are
#   BORDERLOG_BENCH_DB           PostgreSQL URL on a loopback host to create the bench database in,
#                                instead of starting a private server (the database is dropped after)
#   BORDERLOG_BENCH_SECONDS      length of each ingest run (default 15)
#   BORDERLOG_BENCH_ROUNDS       how many times each measurement is repeated, the order reversed every
#                                other round; figures are means over rounds (default 2)
#   BORDERLOG_BENCH_CONNECTIONS  connections of the server ingest run and clients of pgbench's second run (64)
#   BORDERLOG_BENCH_DEVICES      backlog checkpoints (20)
#   BORDERLOG_BENCH_RECORDS      backlog records per checkpoint (5000)
#   BORDERLOG_BENCH_SERVER_ARGS  extra `borderlog-server serve` options, e.g. "--db-workers 16"
#   BORDERLOG_BENCH_JSON         also write the figures as one JSON object to this file
#   BORDERLOG_BENCH_ENFORCE=1    exit 1 when a roadmap target is missed (default: report only)
#   BORDERLOG_BENCH_KEEP=1       keep the temporary folder (logs, data) instead of deleting it
#   BORDERLOG_BENCH_LIVEZ_SECONDS length of each /livez run of step D (default 5; 0 skips D)
#   BORDERLOG_BENCH_HERD_DEVICES  checkpoint daemons of the thundering herd, step E (200; 0 skips E)
#   BORDERLOG_BENCH_HERD_RECORDS  records each herd daemon holds (1000)
#   BORDERLOG_BENCH_HERD_TIMEOUT  seconds the herd may take before the step fails (900)
#   BORDERLOG_BENCH_BIG_ROWS      rows loaded by COPY for step F, lookups and ingest at size (10000000;
#                                 0 skips F; about 1.3 GB of disk per million rows)
#   BORDERLOG_BENCH_BIG_SECONDS   length of each measured run of step F (10)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BORDERLOG_BUILD_DIR:-$ROOT/build}
BUILD=${BORDERLOG_BENCH_BUILD:-auto}
EXTERNAL_DB=${BORDERLOG_BENCH_DB:-}
DURATION=${BORDERLOG_BENCH_SECONDS:-15}
ROUNDS=${BORDERLOG_BENCH_ROUNDS:-2}
CONNECTIONS=${BORDERLOG_BENCH_CONNECTIONS:-64}
BACKLOG_DEVICES=${BORDERLOG_BENCH_DEVICES:-20}
BACKLOG_RECORDS=${BORDERLOG_BENCH_RECORDS:-5000}
SERVER_ARGS=${BORDERLOG_BENCH_SERVER_ARGS:-}
JSON_OUT=${BORDERLOG_BENCH_JSON:-}
ENFORCE=${BORDERLOG_BENCH_ENFORCE:-0}
KEEP=${BORDERLOG_BENCH_KEEP:-0}
LIVEZ_SECONDS=${BORDERLOG_BENCH_LIVEZ_SECONDS:-5}
HERD_DEVICES=${BORDERLOG_BENCH_HERD_DEVICES:-200}
HERD_RECORDS=${BORDERLOG_BENCH_HERD_RECORDS:-1000}
HERD_TIMEOUT=${BORDERLOG_BENCH_HERD_TIMEOUT:-900}
BIG_ROWS=${BORDERLOG_BENCH_BIG_ROWS:-10000000}
BIG_SECONDS=${BORDERLOG_BENCH_BIG_SECONDS:-10}
ADMIN_URL="" DB_NAME="" DB_URL=""

# The roadmap's targets (reported, not required unless BORDERLOG_BENCH_ENFORCE=1).
TARGET_INGEST=3.0  # single-record ingest ÷ pgbench single-row inserts with 8 clients
TARGET_DRAIN=0.85  # backlog drain ÷ psql \copy (issue 10's table)
TARGET_HERD=0.6    # thundering herd ÷ psql \copy of the same rows, every row once, refusals only 503
TARGET_LOOKUP_MS=10  # traveller lookup and checkpoint listing p99 at BIG_ROWS rows, through the HTTP API
TARGET_FLAT=0.2    # ingest and lookup at BIG_ROWS rows within 20 % of the empty table's
TARGET_RSS_MB=150  # the server's peak resident memory under the ingest load of A and B

COLUMNS_SQL="id, device_id, seq, checkpoint_id, lane, direction, occurred_at, officer_id, document_type, \
document_number, issuing_country, nationality, surname, given_names, birth_date, sex, expiry_date, \
transport_mode, vehicle_plate, recorded_offline, record"

T0=$(date +%s)
log() { printf '[bench %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
for v in DURATION ROUNDS CONNECTIONS BACKLOG_DEVICES BACKLOG_RECORDS HERD_RECORDS HERD_TIMEOUT BIG_SECONDS; do
    is_uint "${!v}" || die "$v must be a positive whole number, not '${!v}'"
done
for v in HERD_DEVICES BIG_ROWS LIVEZ_SECONDS; do  # 0 skips the step
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (0 skips the step), not '${!v}'"
done
[ "$HERD_DEVICES" -le 1000 ] || die "BORDERLOG_BENCH_HERD_DEVICES must be at most 1000"
[ "$BIG_ROWS" -le 100000000 ] || die "BORDERLOG_BENCH_BIG_ROWS must be at most 100000000"
[ "$BIG_SECONDS" -le 600 ] || die "BORDERLOG_BENCH_BIG_SECONDS must be at most 600"
[ "$DURATION" -le 600 ] || die "BORDERLOG_BENCH_SECONDS must be at most 600"
[ "$ROUNDS" -le 10 ] || die "BORDERLOG_BENCH_ROUNDS must be at most 10"
[ "$CONNECTIONS" -le 512 ] || die "BORDERLOG_BENCH_CONNECTIONS must be at most 512"
[ "$BACKLOG_DEVICES" -le 200 ] || die "BORDERLOG_BENCH_DEVICES must be at most 200"

# A given database must be on this machine: the benchmark loads only loopback addresses.
if [ -n "$EXTERNAL_DB" ]; then
    [[ $EXTERNAL_DB =~ ^(postgres(ql)?://([^@/]*@)?([^/:?]*)(:[0-9]+)?)(/[^?]*)?(\?.*)?$ ]] \
        || die "BORDERLOG_BENCH_DB must be a postgresql://[user@]host[:port][/db][?params] URL"
    case "${BASH_REMATCH[4]}" in
        127.0.0.1 | localhost | "[::1]" | "") ;;
        *) die "BORDERLOG_BENCH_DB must point at a loopback host (127.0.0.1, localhost, [::1]), not '${BASH_REMATCH[4]}'" ;;
    esac
    ADMIN_URL=$EXTERNAL_DB
    DB_NAME="borderlog_bench_$$_$RANDOM"
    DB_URL="${BASH_REMATCH[1]}/$DB_NAME${BASH_REMATCH[7]}"
fi

# ---------------------------------------------------------------------------------------------------
# Cleanup: whatever was started is stopped, on success, failure and Ctrl-C alike.
WORK="" PG_DIR="" SERVER_PID="" DB_CREATED=""
CHILD_PIDS=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    local pid
    for pid in "${CHILD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 250); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && { log "server did not stop within 25 s; killing it"; kill -KILL "$SERVER_PID"; }
    fi
    for pid in "${CHILD_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    [ -n "$SERVER_PID" ] && wait "$SERVER_PID" 2>/dev/null
    if [ -n "$DB_CREATED" ] && [ -n "$EXTERNAL_DB" ]; then
        "$PSQL" -X -q -d "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 \
            || log "could not drop database $DB_NAME; drop it by hand"
    fi
    [ -n "$PG_DIR" ] && "$ROOT/deploy/pg.sh" stop "$PG_DIR" >/dev/null 2>&1
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ] && [ -s "$WORK/server.log" ]; then
            log "the server's last log lines:"
            tail -n 10 "$WORK/server.log" >&2
        fi
        if [ "$KEEP" = 1 ]; then
            log "kept $WORK (logs, checkpoint data; the PostgreSQL in it is stopped)"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------
# Programs.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PSQL=$PG_BIN/psql; [ -x "$PSQL" ] || PSQL=$(command -v psql) || die "psql not found (install postgresql-client)"
PGBENCH=$PG_BIN/pgbench; [ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench) || die "pgbench not found (install postgresql-contrib)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/borderlog-bench.XXXXXX")
chmod 755 "$WORK"  # the postgres user must be able to enter it (as root, PostgreSQL runs as postgres)
log "working in $WORK"

SERVER=$BUILD_DIR/server/borderlog-server
CHECKPOINT=$BUILD_DIR/client/borderlog-checkpoint
LOADGEN=$BUILD_DIR/bench/bench_ingest_load
if [ "$BUILD" != 0 ]; then
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
        log "configuring $BUILD_DIR"
        if [ "$BUILD_DIR" = "$ROOT/build" ]; then
            (cd "$ROOT" && cmake --preset default) >"$WORK/configure.log" 2>&1
        else
            cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$WORK/configure.log" 2>&1
        fi || { tail -n 30 "$WORK/configure.log" >&2; die "cmake configure failed"; }
    fi
    log "building borderlog-server, borderlog-checkpoint, bench_ingest_load in $BUILD_DIR (minutes the first time)"
    cmake --build "$BUILD_DIR" -j "$(nproc)" --target borderlog-server borderlog-checkpoint bench_ingest_load bench_booth_latency \
        >"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; die "build failed (is BORDERLOG_BENCH=ON in $BUILD_DIR?)"; }
fi
for p in "$SERVER" "$CHECKPOINT" "$LOADGEN"; do
    [ -x "$p" ] || die "$p is missing: build first (cmake --preset default && cmake --build --preset default)"
done

# ---------------------------------------------------------------------------------------------------
# Helpers.

# A TCP port on 127.0.0.1 that nothing is listening on, below the kernel's ephemeral range (where
# outgoing connections take their local ports, so a port free now could be taken a moment later).
free_port() {
    local p lo=10000 hi
    hi=$(($(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768) - 1))
    [ "$hi" -gt $((lo + 1000)) ] || { lo=20000 hi=30000; }
    for _ in $(seq 1 100); do
        p=$((lo + RANDOM % (hi - lo)))
        if ! { (exec 3<>"/dev/tcp/127.0.0.1/$p"); } 2>/dev/null; then echo "$p"; return 0; fi
    done
    die "no free port found on 127.0.0.1"
}

# The status code of GET PATH on the server, or 000; plain bash, no curl needed.
http_status() (
    { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || { echo 000; exit 0; }
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1" "$PORT" >&3
    line=""
    IFS=' ' read -r -t 5 _ line _ <&3 || true
    echo "${line:-000}"
)

http_status_at() ( PORT=$1; http_status "$2" )  # PORT PATH: the same, on another port
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$DB_URL" "$@"; }
scalar() { q -At -c "$1"; }
# Empties crossings and flushes dirty pages, so each measured run starts from the same state.
reset_table() {
    q -c "TRUNCATE crossings" || die "TRUNCATE crossings failed"
    q -c "CHECKPOINT" 2>/dev/null || true  # needs superuser or pg_checkpoint; only for steadier figures
}
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
json_field() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2"; }
# Every device's sequence numbers run from FIRST_SEQ without a gap: none lost, none doubled.
check_gapless() {  # WHAT FIRST_SEQ
    local bad
    bad=$(scalar "SELECT count(*) FROM (SELECT device_id FROM crossings GROUP BY device_id
                                      HAVING max(seq) - min(seq) + 1 <> count(*) OR min(seq) <> $2) s")
    [ "$bad" = 0 ] || die "$bad devices have gaps in their sequence numbers after $1"
}

# ---------------------------------------------------------------------------------------------------
# The database.
if [ -z "$EXTERNAL_DB" ]; then
    PG_DIR=$WORK/pg
    for attempt in 1 2 3; do  # another program may take the port between the check and the start
        PG_PORT=$(free_port)
        log "starting a private PostgreSQL on 127.0.0.1:$PG_PORT"
        "$ROOT/deploy/pg.sh" start "$PG_DIR" "$PG_PORT" && break
        tail -n 20 "$PG_DIR/postgres.log" >&2 2>/dev/null
        if [ "$attempt" = 3 ] || ! grep -q "could not bind\|could not create listen socket" "$PG_DIR/postgres.log" 2>/dev/null
        then
            die "PostgreSQL did not start"
        fi
    done
    ADMIN_URL=$("$ROOT/deploy/pg.sh" url "$PG_DIR" "$PG_PORT" postgres)
    DB_NAME=borderlog_bench
    DB_URL=$("$ROOT/deploy/pg.sh" url "$PG_DIR" "$PG_PORT" "$DB_NAME")
fi
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_URL" -c "CREATE DATABASE \"$DB_NAME\"" || die "cannot create database $DB_NAME"
DB_CREATED=1
PG_VERSION=$(scalar "SHOW server_version" | cut -d' ' -f1)
log "database $DB_NAME ready (PostgreSQL $PG_VERSION); applying migrations"
"$SERVER" migrate --db "$DB_URL" 2>"$WORK/migrate.log" || { cat "$WORK/migrate.log" >&2; die "migrate failed"; }

# Device tokens: one per ingest connection, one per backlog checkpoint.
new_token() {  # CHECKPOINT DEVICE
    "$SERVER" token create --db "$DB_URL" --role device --checkpoint "$1" --device "$2" --name bench 2>>"$WORK/tokens.log" \
        || { tail -n 5 "$WORK/tokens.log" >&2; die "token create for $2 failed"; }
}
log "creating $CONNECTIONS + $BACKLOG_DEVICES device tokens"
: >"$WORK/load-tokens.txt"
for i in $(seq 1 "$CONNECTIONS"); do
    dev=$(printf 'LOAD-%03d' "$i") cp="LOADCP-$(((i - 1) % 4 + 1))"
    token=$(new_token "$cp" "$dev")
    echo "$dev $cp $token" >>"$WORK/load-tokens.txt"
done
: >"$WORK/backlog-tokens.txt"
for i in $(seq 1 "$BACKLOG_DEVICES"); do
    dev=$(printf 'BL-%03d' "$i") cp="BLCP-$(((i - 1) % 5 + 1))"
    token=$(new_token "$cp" "$dev")
    echo "$dev $cp $token" >>"$WORK/backlog-tokens.txt"
done

start_server() {  # -> 0 ready, 1 failed, 2 its port was taken
    PORT=$(free_port)
    log "starting borderlog-server on 127.0.0.1:$PORT ${SERVER_ARGS:+($SERVER_ARGS)}"
    # shellcheck disable=SC2086  # SERVER_ARGS is a list of options
    # Every checkpoint of the bench comes from 127.0.0.1: the per-address share must fit the herd's
    # daemons (a sync and a heartbeat connection each), which in the field come from as many addresses.
    local share=""
    [[ " $SERVER_ARGS " == *" --max-connections-per-address"* ]] ||
        share="--max-connections-per-address $((4 * HERD_DEVICES + 2 * CONNECTIONS + 256))"
    # shellcheck disable=SC2086  # SERVER_ARGS is a list of options
    "$SERVER" serve --db "$DB_URL" --db-role "${BORDERLOG_BENCH_DB_ROLE-borderlog_server}" --listen "127.0.0.1:$PORT" $share $SERVER_ARGS 2>"$WORK/server.log" &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        [ "$(http_status /readyz)" = 200 ] && return 0
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            wait "$SERVER_PID" 2>/dev/null || true
            SERVER_PID=""
            grep -q "Address already in use" "$WORK/server.log" && return 2
            tail -n 20 "$WORK/server.log" >&2
            return 1
        fi
        sleep 0.1
    done
    tail -n 20 "$WORK/server.log" >&2
    return 1
}
for attempt in 1 2 3; do
    rc=0
    start_server || rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 2 ] && [ "$attempt" -lt 3 ] && { log "port $PORT was taken meanwhile; trying another"; continue; }
    die "the server did not start or is not ready after 30 s"
done

# ---------------------------------------------------------------------------------------------------
# Context: the disk's sync latency and the machine's load, which move every figure below.
probe_sync() {  # -> microseconds per 8 kB O_DSYNC write in the temp folder
    local out
    out=$(dd if=/dev/zero of="$WORK/sync.probe" bs=8k count=200 oflag=dsync 2>&1 | tail -n 1) || { echo "?"; return; }
    rm -f "$WORK/sync.probe"
    awk -v line="$out" 'BEGIN { n = split(line, f, " "); for (i = 1; i <= n; i++) if (f[i] == "s,") { printf "%.0f", f[i-1] * 1e6 / 200; exit } print "?" }'
}
load_avg() { cut -d' ' -f1 /proc/loadavg; }

# CPU seconds used so far (user + system) by a process; with "exited", also by its children that have
# exited; with "tree", also by the ones still running (PostgreSQL's backends are children of the postmaster).
TICKS=$(getconf CLK_TCK)
cpu_of() {  # PID [exited|tree]
    local stat f total pid
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || { echo 0; return; }
    read -r -a f <<<"${stat##*) }"
    total=$((f[11] + f[12]))
    [ -z "${2:-}" ] || total=$((total + f[13] + f[14]))
    if [ "${2:-}" = tree ]; then
        for pid in /proc/[0-9]*; do
            { read -r stat <"$pid/stat"; } 2>/dev/null || continue
            read -r -a f <<<"${stat##*) }"
            [ "${f[1]}" = "$1" ] && total=$((total + f[11] + f[12]))
        done
    fi
    calc "$total / $TICKS" 2
}
# PostgreSQL's CPU, when it is the private one (an external server's processes are not ours to read).
pg_cpu() { if [ -n "$PG_DIR" ]; then cpu_of "$(head -n 1 "$PG_DIR/data/postmaster.pid")" tree; else echo 0; fi; }
# After a client has gone, waits until its backends have exited and been reaped (no zombie left), so
# that their CPU time is in the postmaster's account and not half-way between two places.
pg_settle() {
    local pm pid stat f zombies
    [ -n "$PG_DIR" ] || return 0
    pm=$(head -n 1 "$PG_DIR/data/postmaster.pid")
    sleep 0.2
    for _ in $(seq 1 30); do
        zombies=0
        for pid in /proc/[0-9]*; do
            { read -r stat <"$pid/stat"; } 2>/dev/null || continue
            read -r -a f <<<"${stat##*) }"
            [ "${f[1]}" != "$pm" ] || [ "${f[0]}" != Z ] || zombies=$((zombies + 1))
        done
        [ "$zombies" != 0 ] || return 0
        sleep 0.1
    done
}
# CPU milliseconds per row of a run: (after - before) * 1000 / rows.
per_row() { calc "($2 - $1) * 1000 / $3" 3; }
SYNC_US=("$(probe_sync)") LOADS=("$(load_avg)")
log "disk: ${SYNC_US[0]} µs per synced 8 kB write; load average ${LOADS[0]}"

# Statistics over rounds.
mean() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.1f", s / (ARGC - 1) }' "$@"; }
list() { local IFS=' '; echo "$*"; }
# "a/b" for each pair of the two space-separated lists.
ratios() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ");
    for (i = 1; i <= n; i++) printf "%s%.2f", (i > 1 ? " " : ""), x[i] / y[i] }'; }

# ---------------------------------------------------------------------------------------------------
# A. Single-record ingest: pgbench with 8 and with N clients, and the server with N connections, each
# run ROUNDS times, the order reversed every other round so that a drift of the disk hits all alike.
PGB8_RATES=() PGBN_RATES=() ING_RATES=() ING_P50=() ING_P99=()
PGB8_CPU=() PGBN_CPU=() ING_CPU=()  # "postgres/server/client" CPU ms per row, one entry per round
run_pgbench() {  # CLIENTS ROUND
    local clients=$1 out="$WORK/logs/pgbench-$1-round$2.log" jobs processed failed rows rate
    jobs=$((clients < $(nproc) ? clients : $(nproc)))
    reset_table
    q -c "CREATE SEQUENCE bench_pgbench_seq"
    log "A$2: pgbench single-row INSERTs, $clients clients, ${DURATION}s"
    local pg0 me0 pg1 me1 cpu
    pg_settle
    pg0=$(pg_cpu) me0=$(cpu_of $$ exited)
    "$PGBENCH" -n -M prepared -f "$ROOT/bench/pgbench_insert.sql" -c "$clients" -j "$jobs" -T "$DURATION" "$DB_URL" \
        >"$out" 2>&1 || { tail -n 20 "$out" >&2; die "pgbench with $clients clients failed"; }
    me1=$(cpu_of $$ exited)
    pg_settle
    pg1=$(pg_cpu)
    rate=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out")
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
    rows=$(scalar "SELECT count(*) FROM crossings")
    [ -n "$rate" ] || { cat "$out" >&2; die "no tps in pgbench's output"; }
    [ "${failed:-0}" = 0 ] || die "pgbench reported $failed failed transactions"
    [ "$rows" = "$processed" ] || die "pgbench processed $processed transactions but crossings holds $rows rows"
    q -c "DROP SEQUENCE bench_pgbench_seq"
    rate=$(calc "$rate" 1)
    log "A$2: pgbench $clients clients: $rows rows, $rate rows/s"
    cpu="$(per_row "$pg0" "$pg1" "$rows")/-/$(per_row "$me0" "$me1" "$rows")"
    if [ "$clients" = 8 ]; then PGB8_RATES+=("$rate") PGB8_CPU+=("$cpu"); fi
    if [ "$clients" = "$CONNECTIONS" ]; then PGBN_RATES+=("$rate") PGBN_CPU+=("$cpu"); fi
}
run_ingest() {  # ROUND
    local out="$WORK/logs/ingest-round$1.json" result rows created pg0 pg1 sv0 sv1
    reset_table
    log "A$1: server single-record ingest, $CONNECTIONS keep-alive connections, ${DURATION}s"
    pg_settle
    pg0=$(pg_cpu) sv0=$(cpu_of "$SERVER_PID")
    "$LOADGEN" --target "127.0.0.1:$PORT" --tokens "$WORK/load-tokens.txt" --connections "$CONNECTIONS" \
        --duration "$DURATION" --max-run $((DURATION + 120)) \
        >"$out" 2>"$WORK/logs/ingest-round$1.log" || { cat "$WORK/logs/ingest-round$1.log" >&2; die "the ingest load failed"; }
    pg1=$(pg_cpu) sv1=$(cpu_of "$SERVER_PID")
    result=$(cat "$out")
    log "A$1: $result"
    created=$(json_field created "$result")
    rows=$(scalar "SELECT count(*) FROM crossings")
    [ "$rows" = "$created" ] || die "the server answered 201 $created times but crossings holds $rows rows"
    check_gapless "the ingest run" 1
    ING_RATES+=("$(calc "$(json_field requests_per_s "$result")" 1)")
    ING_CPU+=("$(per_row "$pg0" "$pg1" "$rows")/$(per_row "$sv0" "$sv1" "$rows")/$(per_row 0 "$(json_field cpu_s "$result")" "$rows")")
    ING_P50+=("$(calc "$(json_field p50 "$result")" 1)") ING_P99+=("$(calc "$(json_field p99 "$result")" 1)")
}
mkdir -p "$WORK/logs"
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then
        run_pgbench 8 "$round"
        [ "$CONNECTIONS" = 8 ] || run_pgbench "$CONNECTIONS" "$round"
        run_ingest "$round"
    else
        run_ingest "$round"
        [ "$CONNECTIONS" = 8 ] || run_pgbench "$CONNECTIONS" "$round"
        run_pgbench 8 "$round"
    fi
done
[ "$CONNECTIONS" != 8 ] || PGBN_RATES=("${PGB8_RATES[@]}")
SYNC_US+=("$(probe_sync)") LOADS+=("$(load_avg)")
log "disk: ${SYNC_US[1]} µs per synced 8 kB write; load average ${LOADS[1]}"

# ---------------------------------------------------------------------------------------------------
# B. Backlog drain: BACKLOG_DEVICES checkpoints, each with BACKLOG_RECORDS imported records, all
# `sync --once` at the same time; beside it psql \copy of the same rows. The checkpoints' data is
# restored from a snapshot for every round after the first.
TOTAL=$((BACKLOG_DEVICES * BACKLOG_RECORDS))
log "B: building the backlog: $BACKLOG_DEVICES checkpoints × $BACKLOG_RECORDS records"
DAY=$(date -u -d yesterday +%F)
mkdir -p "$WORK/checkpoints" "$WORK/jsonl"
prepare_checkpoint() {  # INDEX DEVICE CHECKPOINT TOKEN RECORDS FOLDER
    local dir="$6/$2" file="$WORK/jsonl/$2.jsonl" n rc=0
    awk -v n="$5" -v checkpoint="$3" -v day="$DAY" -v seed="$1" -f "$ROOT/bench/gen_crossings.awk" >"$file" \
        || { log "generating $file failed"; return 1; }
    "$CHECKPOINT" init --data-dir "$dir" --server "http://127.0.0.1:$PORT" --checkpoint "$3" --device "$2" --token "$4" \
        2>"$WORK/logs/$2.init.log" || { log "init of $2 failed: $(tail -n 3 "$WORK/logs/$2.init.log")"; return 1; }
    n=$("$CHECKPOINT" import --json --data-dir "$dir" "$file" 2>"$WORK/logs/$2.import.log") || rc=$?
    if [ "$rc" != 0 ] || [ "$(json_field recorded "$n")" != "$5" ]; then
        log "import into $2 exited $rc, printed '$n': $(tail -n 3 "$WORK/logs/$2.import.log")"
        return 1
    fi
    rm -f "$file"
}
# Prepares one checkpoint per line of TOKENS_FILE ("DEVICE CHECKPOINT TOKEN"), nproc at a time.
prepare_checkpoints() {  # TOKENS_FILE RECORDS FOLDER
    local i=0 dev cp token pid
    PREP_PIDS=()
    while read -r dev cp token; do
        i=$((i + 1))
        prepare_checkpoint "$i" "$dev" "$cp" "$token" "$2" "$3" &
        PREP_PIDS+=($!) CHILD_PIDS+=($!)
        if [ "${#PREP_PIDS[@]}" -ge "$(nproc)" ]; then
            wait "${PREP_PIDS[0]}" || die "preparing a checkpoint failed"
            PREP_PIDS=("${PREP_PIDS[@]:1}")
        fi
    done <"$1"
    for pid in "${PREP_PIDS[@]}"; do wait "$pid" || die "preparing a checkpoint failed"; done
    CHILD_PIDS=()
}
prepare_checkpoints "$WORK/backlog-tokens.txt" "$BACKLOG_RECORDS" "$WORK/checkpoints"
[ "$ROUNDS" -le 1 ] || cp -a "$WORK/checkpoints" "$WORK/checkpoints.snapshot"

DRAIN_RATES=() DRAIN_SECS=() COPY_RATES=() COPY_SECS=() DRAIN_CPU=() COPY_CPU=()
run_drain() {  # ROUND
    local start end secs rows k rc failed=0 pids=() devs=() pg0 pg1 sv0 sv1 me0 me1
    if [ "$1" -gt 1 ]; then
        rm -rf "$WORK/checkpoints"
        cp -a "$WORK/checkpoints.snapshot" "$WORK/checkpoints"
    fi
    reset_table
    log "B$1: draining: $BACKLOG_DEVICES × borderlog-checkpoint sync --once in parallel"
    pg_settle
    pg0=$(pg_cpu) sv0=$(cpu_of "$SERVER_PID") me0=$(cpu_of $$ exited)
    start=$(now)
    while read -r dev _ _; do
        "$CHECKPOINT" sync --once --data-dir "$WORK/checkpoints/$dev" >"$WORK/logs/$dev.sync-round$1.log" 2>&1 &
        pids+=($!) devs+=("$dev") CHILD_PIDS+=($!)
    done <"$WORK/backlog-tokens.txt"
    for k in "${!pids[@]}"; do
        rc=0
        wait "${pids[$k]}" || rc=$?
        if [ "$rc" != 0 ]; then
            failed=$((failed + 1))
            log "B$1: sync of ${devs[$k]} exited $rc: $(tail -n 3 "$WORK/logs/${devs[$k]}.sync-round$1.log")"
        fi
    done
    end=$(now)
    me1=$(cpu_of $$ exited) sv1=$(cpu_of "$SERVER_PID") pg1=$(pg_cpu)
    CHILD_PIDS=()
    [ "$failed" = 0 ] || die "$failed of $BACKLOG_DEVICES syncs did not exit 0"
    secs=$(calc "$end - $start" 3)
    rows=$(scalar "SELECT count(*) FROM crossings")
    [ "$rows" = "$TOTAL" ] || die "after the drain crossings holds $rows rows, not $TOTAL"
    check_gapless "the drain" 1
    [ -f "$WORK/rows.copy" ] ||
        q -c "\\copy (SELECT $COLUMNS_SQL FROM crossings ORDER BY ingest_no) TO '$WORK/rows.copy'"
    DRAIN_SECS+=("$secs") DRAIN_RATES+=("$(calc "$rows / $secs" 1)")
    DRAIN_CPU+=("$(per_row "$pg0" "$pg1" "$rows")/$(per_row "$sv0" "$sv1" "$rows")/$(per_row "$me0" "$me1" "$rows")")
    log "B$1: drained $rows rows in ${secs}s: ${DRAIN_RATES[-1]} rows/s"
}
run_copy() {  # ROUND
    local start end secs rows pg0 pg1 me0 me1
    reset_table
    log "B$1: psql \\copy of the same $TOTAL rows into the emptied table"
    pg_settle
    pg0=$(pg_cpu) me0=$(cpu_of $$ exited)
    start=$(now)
    q -c "\\copy crossings ($COLUMNS_SQL) FROM '$WORK/rows.copy'" || die "psql \\copy failed"
    end=$(now)
    me1=$(cpu_of $$ exited)
    pg_settle
    pg1=$(pg_cpu)
    secs=$(calc "$end - $start" 3)
    rows=$(scalar "SELECT count(*) FROM crossings")
    [ "$rows" = "$TOTAL" ] || die "after \\copy crossings holds $rows rows, not $TOTAL"
    COPY_SECS+=("$secs") COPY_RATES+=("$(calc "$rows / $secs" 1)")
    COPY_CPU+=("$(per_row "$pg0" "$pg1" "$rows")/-/$(per_row "$me0" "$me1" "$rows")")
    log "B$1: \\copy of $rows rows in ${secs}s: ${COPY_RATES[-1]} rows/s"
}
# The first round drains first: the \copy file is exported from what the drain stored.
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then
        run_drain "$round"
        run_copy "$round"
    else
        run_copy "$round"
        run_drain "$round"
    fi
done
SYNC_US+=("$(probe_sync)") LOADS+=("$(load_avg)")
SERVER_ERRORS=$(grep -c '"level":"\(error\|err\|critical\)"' "$WORK/server.log" || true)
SERVER_WARNINGS=$(grep -c '"level":"warn' "$WORK/server.log" || true)

# ---------------------------------------------------------------------------------------------------
# D. /livez throughput beside nginx answering a fixed body, both loaded by wrk (2 threads, 64
# connections) for LIVEZ_SECONDS each: what the server's HTTP layer costs over a minimal one.
LIVEZ_RATE="-" NGINX_RATE="-" R_LIVEZ="-"
NGINX_BIN=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
wrk_rate() { "$(command -v wrk)" -t2 -c64 -d"${LIVEZ_SECONDS}s" "$1" 2>&1 | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
if [ "$LIVEZ_SECONDS" -gt 0 ] && command -v wrk >/dev/null && [ -n "$NGINX_BIN" ]; then
    NGINX_PORT=$(free_port)
    mkdir -p "$WORK/nginx/tmp" && chmod 755 "$WORK" "$WORK/nginx" && chmod 777 "$WORK/nginx/tmp"
    cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    server { listen 127.0.0.1:$NGINX_PORT; location = /livez { default_type text/plain; return 200 "ok\n"; } }
}
CONF
    "$NGINX_BIN" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >>"$WORK/nginx/error.log" 2>&1 &
    NGINX_PID=$!
    for _ in $(seq 1 100); do [ "$(http_status_at "$NGINX_PORT" /livez)" = 200 ] && break; sleep 0.05; done
    log "D: /livez of the server and of nginx (fixed answer), wrk 2 threads 64 connections, ${LIVEZ_SECONDS}s each"
    LIVEZ_RATE=$(calc "$(wrk_rate "http://127.0.0.1:$PORT/livez")" 1)
    NGINX_RATE=$(calc "$(wrk_rate "http://127.0.0.1:$NGINX_PORT/livez")" 1)
    kill -TERM "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null || true
    R_LIVEZ=$(calc "$LIVEZ_RATE / $NGINX_RATE")
    log "D: server $LIVEZ_RATE req/s, nginx $NGINX_RATE req/s"
else
    log "D: skipped (BORDERLOG_BENCH_LIVEZ_SECONDS=0, or wrk or nginx missing: deploy/install-deps.sh)"
fi

# M. The server's peak resident memory (VmHWM) since it started: it has carried A's and B's loads.
RSS_MB=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?")

# ---------------------------------------------------------------------------------------------------
# E. Thundering herd: HERD_DEVICES checkpoint daemons (`borderlog-checkpoint run`, the real program, as at
# the end of a long outage), each holding HERD_RECORDS imported records, all started at once; timed until
# PostgreSQL holds every row. Beside it psql \copy of the same rows. A refusal must be a 503 with
# Retry-After (the daemons then wait as told): the server's own request metrics for the batch route are
# read before and after, and the daemons' logs are searched for any other answer or a transport error.
HERD_RATE="-" HERD_SECS="-" HERD_COPY_RATE="-" HERD_COPY_SECS="-" R_HERD="-" V_HERD="skipped"
RSS_HERD_MB="-" HERD_ROWS=0 HERD_DISTINCT=0 HERD_503=0 HERD_OTHER=0 HERD_DEFERRED_503=0 HERD_DEFERRED_OTHER=0 HERD_CODES="-"
# "CODE COUNT" lines: POST /api/v1/crossings/batch answers by status code, from GET /metrics.
batch_codes() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 0
        printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
        cat <&3
    ) 2>/dev/null | awk '/^borderlog_http_request_duration_seconds_count\{/ && /route="\/api\/v1\/crossings\/batch"/ && /method="POST"/ {
        match($0, /code="[0-9]+"/); code = substr($0, RSTART + 6, RLENGTH - 7); n[code] += $NF }
        END { for (c in n) print c, n[c] }'
}
if [ "$HERD_DEVICES" -gt 0 ]; then
    HERD_TOTAL=$((HERD_DEVICES * HERD_RECORDS))
    log "E: creating $HERD_DEVICES device tokens, preparing $HERD_DEVICES checkpoints × $HERD_RECORDS records"
    : >"$WORK/herd-tokens.txt"
    for i in $(seq 1 "$HERD_DEVICES"); do
        dev=$(printf 'HERD-%03d' "$i") cp="HERDCP-$(((i - 1) % 50 + 1))"
        echo "$dev $cp $(new_token "$cp" "$dev")" >>"$WORK/herd-tokens.txt"
    done
    mkdir -p "$WORK/herd"
    prepare_checkpoints "$WORK/herd-tokens.txt" "$HERD_RECORDS" "$WORK/herd"
    reset_table
    batch_codes >"$WORK/logs/herd-codes-before.txt"
    log "E: $HERD_DEVICES × borderlog-checkpoint run, started at once; waiting for $HERD_TOTAL rows"
    pg_settle
    herd_pids=()
    start=$(now)
    while read -r dev _ _; do
        "$CHECKPOINT" run --data-dir "$WORK/herd/$dev" --ui-listen off >"$WORK/logs/$dev.herd.log" 2>&1 &
        herd_pids+=($!) CHILD_PIDS+=($!)
    done <"$WORK/herd-tokens.txt"
    deadline=$(($(date +%s) + HERD_TIMEOUT))
    rows=0
    while :; do
        rows=$(scalar "SELECT count(*) FROM crossing_seqs")  # the key table: narrower than crossings to count
        [ "$rows" -lt "$HERD_TOTAL" ] || break
        [ "$(date +%s)" -lt "$deadline" ] || die "E: after ${HERD_TIMEOUT}s PostgreSQL holds $rows of $HERD_TOTAL rows"
        sleep 0.1
    done
    end=$(now)
    for pid in "${herd_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${herd_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    CHILD_PIDS=()
    HERD_SECS=$(calc "$end - $start" 3)
    HERD_ROWS=$(scalar "SELECT count(*) FROM crossings")
    HERD_DISTINCT=$(scalar "SELECT count(DISTINCT id) FROM crossings")
    [ "$HERD_ROWS" = "$HERD_TOTAL" ] && [ "$HERD_DISTINCT" = "$HERD_TOTAL" ] \
        || die "E: crossings holds $HERD_ROWS rows, $HERD_DISTINCT distinct ids, not $HERD_TOTAL"
    check_gapless "the herd" 1
    # The server's answers to the batches during the herd, by status code (after - before).
    batch_codes >"$WORK/logs/herd-codes-after.txt"
    HERD_CODES=$(awk 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; if (d > 0) printf "%s%s:%d", (n++ ? " " : ""), $1, d }' \
        "$WORK/logs/herd-codes-before.txt" "$WORK/logs/herd-codes-after.txt")
    HERD_503=$(awk 'NR == FNR { b[$1] = $2; next } $1 == 503 { print $2 - b[$1] }' \
        "$WORK/logs/herd-codes-before.txt" "$WORK/logs/herd-codes-after.txt")
    HERD_503=${HERD_503:-0}
    HERD_OTHER=$(awk 'NR == FNR { b[$1] = $2; next } $1 != 200 && $1 != 503 { s += $2 - b[$1] } END { print s + 0 }' \
        "$WORK/logs/herd-codes-before.txt" "$WORK/logs/herd-codes-after.txt")
    # The daemons' side: every round put off, by its reason (a 503 told to wait, or anything else).
    HERD_DEFERRED_503=$(cat "$WORK"/logs/HERD-*.herd.log | grep '"sync_deferred"' | grep -c 'answered 503' || true)
    HERD_DEFERRED_OTHER=$(cat "$WORK"/logs/HERD-*.herd.log | grep '"sync_deferred"' | grep -vc 'answered 503' || true)
    HERD_RATE=$(calc "$HERD_ROWS / $HERD_SECS" 1)
    log "E: $HERD_ROWS rows ($HERD_DISTINCT distinct ids) in ${HERD_SECS}s: $HERD_RATE rows/s; batch answers $HERD_CODES;" \
        "daemons deferred $HERD_DEFERRED_503 rounds on a 503, $HERD_DEFERRED_OTHER on anything else"
    q -c "\\copy (SELECT $COLUMNS_SQL FROM crossings ORDER BY ingest_no) TO '$WORK/herd.copy'"
    reset_table
    pg_settle
    start=$(now)
    q -c "\\copy crossings ($COLUMNS_SQL) FROM '$WORK/herd.copy'" || die "E: psql \\copy failed"
    end=$(now)
    rows=$(scalar "SELECT count(*) FROM crossings")
    [ "$rows" = "$HERD_TOTAL" ] || die "E: after \\copy crossings holds $rows rows, not $HERD_TOTAL"
    rm -f "$WORK/herd.copy"
    HERD_COPY_SECS=$(calc "$end - $start" 3)
    HERD_COPY_RATE=$(calc "$rows / $HERD_COPY_SECS" 1)
    R_HERD=$(calc "$HERD_RATE / $HERD_COPY_RATE")
    V_HERD=$(awk "BEGIN { print (($R_HERD >= $TARGET_HERD && $HERD_OTHER == 0 && $HERD_DEFERRED_OTHER == 0) ? \"meets target\" : \"below target\") }")
    log "E: \\copy of $rows rows in ${HERD_COPY_SECS}s: $HERD_COPY_RATE rows/s; herd ÷ \\copy = $R_HERD"
    RSS_HERD_MB=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?")
else
    log "E: skipped (BORDERLOG_BENCH_HERD_DEVICES=0)"
fi

# ---------------------------------------------------------------------------------------------------
# F. Ten million crossings: traveller lookup and checkpoint listing p99 through the HTTP API (wrk, 4
# connections), and single-record ingest (as in A), first at the empty table, then after BIG_ROWS rows
# spread over the last 12 months are loaded with COPY (bench/gen_copy_rows.awk). Then the listing's
# statements, as sql.hpp holds them, are explained at that size (EXPLAIN ANALYZE, custom and generic plans).
BIG_LOAD_SECS="-" BIG_LOAD_RATE="-" V_BIG="skipped" V_FLAT="skipped"
declare -A BIG=()
# wrk on random paths of FILE with the operations token: sets BIG[NAME_p50|p99 ms, NAME_rate, NAME_bad].
measure_reads() {  # NAME PATHS_FILE
    local out
    out=$(BENCH_PATHS=$2 BENCH_TOKEN=$OPS_TOKEN wrk -t1 -c4 -d"${BIG_SECONDS}s" -s "$ROOT/bench/wrk_paths.lua" \
        "http://127.0.0.1:$PORT" 2>&1) || { echo "$out" >&2; die "F: wrk failed"; }
    echo "$out" >"$WORK/logs/big-$1.log"
    BIG[$1_p50]=$(calc "$(sed -n 's/^p50_us //p' <<<"$out") / 1000" 2)
    BIG[$1_p99]=$(calc "$(sed -n 's/^p99_us //p' <<<"$out") / 1000" 2)
    BIG[$1_rate]=$(calc "$(sed -n 's/^rate //p' <<<"$out")" 1)
    BIG[$1_bad]=$(sed -n 's/^not_200 //p' <<<"$out")
    [ "${BIG[$1_bad]}" = 0 ] || die "F: ${BIG[$1_bad]} answers to $1 were not 200 (see $WORK/logs/big-$1.log)"
    log "F: $1: ${BIG[$1_rate]} req/s, p50 ${BIG[$1_p50]} ms, p99 ${BIG[$1_p99]} ms"
}
# Single-record ingest for BIG_SECONDS, as in A, on from each LOAD device's next seq: sets BIG[NAME_rate].
measure_ingest() {  # NAME
    local first result
    first=$(scalar "SELECT coalesce(max(seq), 0) + 1 FROM crossing_seqs WHERE device_id LIKE 'LOAD-%'")
    pg_settle
    "$LOADGEN" --target "127.0.0.1:$PORT" --tokens "$WORK/load-tokens.txt" --connections "$CONNECTIONS" \
        --duration "$BIG_SECONDS" --max-run $((BIG_SECONDS + 120)) --first-seq "$first" \
        >"$WORK/logs/big-$1.json" 2>"$WORK/logs/big-$1.log" || { cat "$WORK/logs/big-$1.log" >&2; die "F: the ingest load failed"; }
    result=$(cat "$WORK/logs/big-$1.json")
    BIG[$1_rate]=$(calc "$(json_field requests_per_s "$result")" 1)
    BIG[$1_p99]=$(calc "$(json_field p99 "$result")" 1)
    log "F: $1: ${BIG[$1_rate]} rows/s, p99 ${BIG[$1_p99]} ms"
}
# A traveller read first judges its own document's crossings that the analyser has not judged yet:
# reads are measured once the analyser has caught up with what is stored, as in a centre that keeps up
# (bench/lookup_backlog.sh measures them with a backlog). Pending: above the watermark and not named in
# analysis_done (by the analyser or by a lookup).
wait_for_analyser() {
    local pending deadline=$(($(date +%s) + 300))
    while :; do
        pending=$(scalar "SELECT count(*) FROM crossings c WHERE c.ingest_no > (SELECT watermark FROM analysis_state)
                          AND NOT EXISTS (SELECT 1 FROM analysis_done d WHERE d.ingest_no = c.ingest_no)")
        [ "$pending" != 0 ] || return 0
        [ "$(date +%s)" -lt "$deadline" ] || die "F: the analyser still has $pending crossings to judge after 300 s"
        sleep 0.5
    done
}
# The paths the reads draw from: documents and checkpoints that the table holds now.
read_paths() {  # SAMPLE_PERCENT
    scalar "SELECT DISTINCT '/api/v1/travelers/' || issuing_country || '/' || document_number
            FROM crossings TABLESAMPLE SYSTEM ($1) LIMIT 2000" >"$WORK/big-travelers.txt"
    scalar "SELECT DISTINCT '/api/v1/crossings?checkpoint=' || checkpoint_id FROM crossings TABLESAMPLE SYSTEM ($1) LIMIT 2000" \
        >"$WORK/big-listing.txt"
    [ -s "$WORK/big-travelers.txt" ] && [ -s "$WORK/big-listing.txt" ] || die "F: no rows to draw lookups from"
}
if [ "$BIG_ROWS" -gt 0 ] && command -v wrk >/dev/null; then
    OPS_TOKEN=$("$SERVER" token create --db "$DB_URL" --role operations --name bench-reads 2>>"$WORK/tokens.log") \
        || die "F: token create --role operations failed"
    # The last 12 months (whole seconds, ending an hour ago), every month's partition made before the
    # empty table is measured: a centre a year old has them, and a traveller lookup plans one index
    # scan per partition, so the two measurements differ by the rows only.
    BIG_END=$(($(date +%s) - 3600)) BIG_SPAN=$((365 * 86400))
    BIG_START=$((BIG_END - BIG_SPAN))
    q -c "SELECT count(*) FROM crossings_make_partitions(to_timestamp($BIG_START)::date, to_timestamp($BIG_END)::date)" >/dev/null
    BIG_PARTITIONS=$(scalar "SELECT count(*) FROM crossing_partitions")
    reset_table
    log "F: at the empty table ($BIG_PARTITIONS monthly partitions): ingest ${BIG_SECONDS}s, then lookups and listings of what it stored"
    measure_ingest ingest_empty
    q -c "ANALYZE crossings"
    wait_for_analyser
    read_paths 100
    measure_reads travelers_empty "$WORK/big-travelers.txt"
    measure_reads listing_empty "$WORK/big-listing.txt"
    log "F: loading $BIG_ROWS crossings with COPY (bench/gen_copy_rows.awk), in chunks of a million"
    start=$(now) loaded=0
    while [ "$loaded" -lt "$BIG_ROWS" ]; do
        chunk=$((BIG_ROWS - loaded < 1000000 ? BIG_ROWS - loaded : 1000000))
        q -c "\\copy crossings ($COLUMNS_SQL) FROM PROGRAM 'awk -v from=$loaded -v n=$chunk -v total=$BIG_ROWS -v start=$BIG_START -v span=$BIG_SPAN -f \"$ROOT/bench/gen_copy_rows.awk\"'" \
            || die "F: COPY of rows $loaded.. failed"
        loaded=$((loaded + chunk))
        log "F: $loaded rows loaded ($(calc "$(now) - $start" 0) s)"
    done
    q -c "ANALYZE crossings, crossing_ids, crossing_seqs"
    end=$(now)
    # The loaded history counts as judged by the analyser (its watermark moves past it), as in a centre
    # whose analyser kept up while the rows arrived: judging them all here would take hours.
    q -c "BEGIN" -c "SELECT pg_advisory_xact_lock(7368201956)" \
      -c "UPDATE analysis_state SET watermark = (SELECT max(ingest_no) FROM crossings)" \
      -c "DELETE FROM analysis_done WHERE ingest_no <= (SELECT watermark FROM analysis_state)" -c "COMMIT" >/dev/null
    BIG_LOAD_SECS=$(calc "$end - $start" 0) BIG_LOAD_RATE=$(calc "$BIG_ROWS / ($end - $start)" 0)
    BIG_STORED=$(scalar "SELECT count(*) FROM crossings")
    BIG_SIZE=$(scalar "SELECT pg_size_pretty(pg_database_size(current_database()))")
    log "F: $BIG_STORED rows stored, database $BIG_SIZE; load and ANALYZE took ${BIG_LOAD_SECS}s ($BIG_LOAD_RATE rows/s)"
    q -c "CHECKPOINT" 2>/dev/null || true
    log "F: at $BIG_STORED rows: ingest ${BIG_SECONDS}s, lookups and listings drawn from the whole table"
    measure_ingest ingest_big
    wait_for_analyser
    read_paths 0.05
    measure_reads travelers_big "$WORK/big-travelers.txt"
    measure_reads listing_big "$WORK/big-listing.txt"
    # The listing's four statements, explained as the server runs them (an unnamed statement planned
    # for its values), and the generic plan a prepared statement could fall to.
    big_cp=$(head -n 1 "$WORK/big-listing.txt" | sed 's/.*checkpoint=//')
    big_dev=$(scalar "SELECT device_id FROM crossings TABLESAMPLE SYSTEM (0.01) WHERE device_id LIKE 'BIG-%' LIMIT 1")
    big_doc=$(head -n 1 "$WORK/big-travelers.txt" | awk -F/ '{ print $6 }')
    statement() { sed -n "/inline constexpr const char\\* $1 = R\"SQL(/,/^)SQL\";/p" "$ROOT/server/storage/sql.hpp" | sed '1d;$d'; }
    explain() {  # TITLE STATEMENT ARGS
        local types="text,text,text,text,text,timestamptz,timestamptz,bigint,int,text"
        {
            echo "### $1"
            q -c "PREPARE s($types) AS $(statement "$2")" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE s($3)" \
                -c "SET plan_cache_mode = force_generic_plan" -c "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE s($3)" 2>&1
        } >>"$WORK/big-explain.txt"
    }
    : >"$WORK/big-explain.txt"
    explain "listing by checkpoint $big_cp" kListCrossingsByCheckpoint \
        "'$big_cp',NULL,NULL,NULL,NULL,'-infinity','infinity',0,100,'exclude'"
    explain "listing by checkpoint, exits, one day" kListCrossingsByCheckpoint \
        "'$big_cp',NULL,'exit',NULL,NULL,now() - interval '30 days',now() - interval '29 days',0,100,'exclude'"
    explain "listing by device $big_dev" kListCrossingsByDevice \
        "NULL,'$big_dev',NULL,NULL,NULL,'-infinity','infinity',0,100,'exclude'"
    explain "listing by document $big_doc" kListCrossingsByDocument \
        "NULL,NULL,NULL,NULL,'$big_doc','-infinity','infinity',0,100,'exclude'"
    explain "listing in order after a cursor" kListCrossingsInOrder \
        "NULL,NULL,NULL,NULL,NULL,'-infinity','infinity',$((BIG_ROWS / 2)),100,'exclude'"
    explain "listing of one hour, entries" kListCrossingsInOrder \
        "NULL,NULL,'entry',NULL,NULL,now() - interval '60 days',now() - interval '60 days' + interval '1 hour',0,100,'exclude'"
    log "F: the listing's plans at this size are in the summary's appendix (EXPLAIN ANALYZE)"
    ratio_big() { calc "$1 / $2"; }
    BIG[flat_ingest]=$(ratio_big "${BIG[ingest_big_rate]}" "${BIG[ingest_empty_rate]}")
    BIG[flat_travelers]=$(ratio_big "${BIG[travelers_big_p99]}" "${BIG[travelers_empty_p99]}")
    BIG[flat_listing]=$(ratio_big "${BIG[listing_big_p99]}" "${BIG[listing_empty_p99]}")
    V_BIG=$(awk "BEGIN { print ((${BIG[travelers_big_p99]} <= $TARGET_LOOKUP_MS && ${BIG[listing_big_p99]} <= $TARGET_LOOKUP_MS) ? \"meets target\" : \"below target\") }")
    # Flat: ingest at size at least 80 % of the empty table's, lookup p99 at most 120 % of it.
    V_FLAT=$(awk "BEGIN { print ((${BIG[flat_ingest]} >= 1 - $TARGET_FLAT && ${BIG[flat_travelers]} <= 1 + $TARGET_FLAT && ${BIG[flat_listing]} <= 1 + $TARGET_FLAT) ? \"meets target\" : \"below target\") }")
else
    log "F: skipped (BORDERLOG_BENCH_BIG_ROWS=0, or wrk missing: deploy/install-deps.sh)"
fi
RSS_END_MB=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?")

# ---------------------------------------------------------------------------------------------------
# Summary.
PGB8_RATE=$(mean "${PGB8_RATES[@]}") PGBN_RATE=$(mean "${PGBN_RATES[@]}") INGEST_RATE=$(mean "${ING_RATES[@]}")
DRAIN_RATE=$(mean "${DRAIN_RATES[@]}") COPY_RATE=$(mean "${COPY_RATES[@]}")
R_INGEST_8=$(calc "$INGEST_RATE / $PGB8_RATE") R_INGEST_N=$(calc "$INGEST_RATE / $PGBN_RATE")
R_DRAIN=$(calc "$DRAIN_RATE / $COPY_RATE")
verdict() { awk "BEGIN { print (($1 >= $2) ? \"meets target\" : \"below target\") }"; }
V_INGEST=$(verdict "$R_INGEST_8" "$TARGET_INGEST") V_DRAIN=$(verdict "$R_DRAIN" "$TARGET_DRAIN")

row() { printf '%-56s %10s   %s\n' "$1" "$2" "$3"; }
ratio_row() { printf '%-40s %6s   %-8s %-13s %s\n' "$@"; }
{
    echo
    echo "borderlog benchmark — $(date -u +%FT%TZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')," \
        "$(nproc) cores, PostgreSQL $PG_VERSION, $ROUNDS rounds"
    echo "disk sync latency (µs per 8 kB O_DSYNC write) at start / after A / end: $(list "${SYNC_US[@]}" | sed 's# # / #g')"
    echo "load average (1 min) at start / after A / end: $(list "${LOADS[@]}" | sed 's# # / #g')"
    echo
    row "figure" "rows/s" "per round"
    row "A  pgbench single-row INSERT, 8 clients, ${DURATION}s" "$PGB8_RATE" "$(list "${PGB8_RATES[@]}")"
    [ "$CONNECTIONS" = 8 ] ||
        row "A  pgbench single-row INSERT, $CONNECTIONS clients, ${DURATION}s" "$PGBN_RATE" "$(list "${PGBN_RATES[@]}")"
    row "A  server single-record ingest, $CONNECTIONS connections, ${DURATION}s" "$INGEST_RATE" "$(list "${ING_RATES[@]}")"
    row "     its latency p50/p99 in ms" "" "$(for k in "${!ING_P50[@]}"; do printf '%s/%s ' "${ING_P50[$k]}" "${ING_P99[$k]}"; done)"
    row "B  psql \\copy of the same $TOTAL rows" "$COPY_RATE" "$(list "${COPY_RATES[@]}")  (seconds: $(list "${COPY_SECS[@]}"))"
    row "B  backlog drain $BACKLOG_DEVICES × $BACKLOG_RECORDS, parallel sync --once" "$DRAIN_RATE" \
        "$(list "${DRAIN_RATES[@]}")  (seconds: $(list "${DRAIN_SECS[@]}"))"
    row "D  server GET /livez, wrk 64 connections (req/s)" "$LIVEZ_RATE" ""
    row "D  nginx fixed answer, same load (req/s)" "$NGINX_RATE" ""
    row "M  server peak RSS (VmHWM) after A and B, MB" "$RSS_MB" "target <= $TARGET_RSS_MB MB"
    row "M  server peak RSS (VmHWM) after E, the herd, MB" "$RSS_HERD_MB" "target <= $TARGET_RSS_MB MB"
    row "M  server peak RSS (VmHWM) at the end (after E and F), MB" "$RSS_END_MB" "target <= $TARGET_RSS_MB MB"
    if [ "$HERD_DEVICES" -gt 0 ]; then
        row "E  psql \\copy of the herd's $((HERD_DEVICES * HERD_RECORDS)) rows" "$HERD_COPY_RATE" "(seconds: $HERD_COPY_SECS)"
        row "E  herd: $HERD_DEVICES daemons × $HERD_RECORDS records, started at once" "$HERD_RATE" "(seconds: $HERD_SECS)"
        row "     stored / distinct ids in PostgreSQL" "" "$HERD_ROWS / $HERD_DISTINCT (expected $((HERD_DEVICES * HERD_RECORDS)))"
        row "     batch answers by status (server metrics)" "" "$HERD_CODES; 503: $HERD_503, other than 200/503: $HERD_OTHER"
        row "     rounds the daemons put off (their logs)" "" "on a 503: $HERD_DEFERRED_503, on anything else: $HERD_DEFERRED_OTHER"
    fi
    if [ "$V_BIG" != skipped ]; then
        row "F  $BIG_STORED rows loaded by COPY (+ ANALYZE), rows/s" "$BIG_LOAD_RATE" \
            "(seconds: $BIG_LOAD_SECS; database $BIG_SIZE; $BIG_PARTITIONS monthly partitions)"
        row "F  single-record ingest, empty table / at size, rows/s" "" "${BIG[ingest_empty_rate]} / ${BIG[ingest_big_rate]}"
        row "F  traveller lookup p50/p99 ms, empty / at size" "" \
            "${BIG[travelers_empty_p50]}/${BIG[travelers_empty_p99]} / ${BIG[travelers_big_p50]}/${BIG[travelers_big_p99]} (req/s ${BIG[travelers_empty_rate]} / ${BIG[travelers_big_rate]})"
        row "F  checkpoint listing p50/p99 ms, empty / at size" "" \
            "${BIG[listing_empty_p50]}/${BIG[listing_empty_p99]} / ${BIG[listing_big_p50]}/${BIG[listing_big_p99]} (req/s ${BIG[listing_empty_rate]} / ${BIG[listing_big_rate]})"
    fi
    row "C  record at the checkpoint, in-process p99: below (bench/booth.sh, the officer screen's step)" "" ""
    echo
    if [ -n "$PG_DIR" ]; then
        echo "CPU ms per row, postgres/server/client, per round:"
        row "     pgbench 8 clients (client: pgbench and psql)" "" "$(list "${PGB8_CPU[@]}")"
        [ "$CONNECTIONS" = 8 ] || row "     pgbench $CONNECTIONS clients" "" "$(list "${PGBN_CPU[@]}")"
        row "     server ingest (client: bench_ingest_load)" "" "$(list "${ING_CPU[@]}")"
        row "     psql \\copy (client: psql)" "" "$(list "${COPY_CPU[@]}")"
        row "     backlog drain (client: the sync processes)" "" "$(list "${DRAIN_CPU[@]}")"
    fi
    echo
    ratio_row "ratio (of the means)" "value" "target" "" "per round"
    ratio_row "ingest ÷ pgbench 8 clients" "$R_INGEST_8" ">= $TARGET_INGEST" "$V_INGEST" \
        "$(ratios "$(list "${ING_RATES[@]}")" "$(list "${PGB8_RATES[@]}")")"
    [ "$CONNECTIONS" = 8 ] || ratio_row "ingest ÷ pgbench $CONNECTIONS clients" "$R_INGEST_N" "-" "" \
        "$(ratios "$(list "${ING_RATES[@]}")" "$(list "${PGBN_RATES[@]}")")"
    ratio_row "server /livez ÷ nginx fixed answer" "$R_LIVEZ" "-" "" ""
    ratio_row "backlog drain ÷ psql \\copy" "$R_DRAIN" ">= $TARGET_DRAIN" "$V_DRAIN" \
        "$(ratios "$(list "${DRAIN_RATES[@]}")" "$(list "${COPY_RATES[@]}")")"
    ratio_row "herd ÷ psql \\copy (all stored once, only 503)" "$R_HERD" ">= $TARGET_HERD" "$V_HERD" ""
    if [ "$V_BIG" != skipped ]; then
        ratio_row "lookup and listing p99 at $BIG_STORED rows" "${BIG[travelers_big_p99]}/${BIG[listing_big_p99]}" \
            "<= $TARGET_LOOKUP_MS ms" "$V_BIG" ""
        ratio_row "at size ÷ empty: ingest, lookup p99, listing p99" \
            "${BIG[flat_ingest]}/${BIG[flat_travelers]}/${BIG[flat_listing]}" "±20 %" "$V_FLAT" ""
    fi
    [ "$SERVER_ERRORS$SERVER_WARNINGS" = 00 ] ||
        echo "note: the server logged $SERVER_ERRORS errors and $SERVER_WARNINGS warnings (BORDERLOG_BENCH_KEEP=1 keeps its log)"
    echo "total time: $(($(date +%s) - T0)) s"
}
if [ -s "$WORK/big-explain.txt" ]; then
    echo
    echo "F  the listing's statements at $BIG_STORED rows: EXPLAIN ANALYZE of the plan for the values, then of the generic plan"
    cat "$WORK/big-explain.txt"
fi

# C. The officer screen's record latency: its own PostgreSQL, server and terminals (bench/booth.sh).
if [ "${BORDERLOG_BENCH_BOOTH:-1}" = 1 ]; then
    log "C: the officer screen's record latency (bench/booth.sh)"
    BORDERLOG_BENCH_BUILD=0 BORDERLOG_BENCH_JSON="$WORK/booth.json" BORDERLOG_BUILD_DIR="$BUILD_DIR" "$ROOT/bench/booth.sh" \
        || die "C: bench/booth.sh failed"
fi

if [ -n "$JSON_OUT" ]; then
    jarr() { local IFS=,; echo "[$*]"; }
    jnum() { [[ $1 =~ ^-?[0-9.]+$ ]] && echo "$1" || echo null; }
    big_json() {
        [ "$V_BIG" != skipped ] || { echo null; return; }
        local k out="{\"rows\":$BIG_STORED,\"load_seconds\":$BIG_LOAD_SECS,\"load_rows_per_s\":$BIG_LOAD_RATE"
        for k in $(printf '%s\n' "${!BIG[@]}" | sort); do out+=",\"$k\":$(jnum "${BIG[$k]}")"; done
        echo "$out,\"verdict_p99\":\"$V_BIG\",\"verdict_flat\":\"$V_FLAT\"}"
    }
    cat >"$JSON_OUT" <<JSON
{"rounds":$ROUNDS,"seconds_per_run":$DURATION,"connections":$CONNECTIONS,"backlog_rows":$TOTAL,
"sync_latency_us":$(jarr "${SYNC_US[@]}" | sed 's/?/null/g'),"load_average":$(jarr "${LOADS[@]}"),
"pgbench_8":{"rows_per_s":$PGB8_RATE,"rounds":$(jarr "${PGB8_RATES[@]}")},
"pgbench_$CONNECTIONS":{"rows_per_s":$PGBN_RATE,"rounds":$(jarr "${PGBN_RATES[@]}")},
"ingest":{"rows_per_s":$INGEST_RATE,"rounds":$(jarr "${ING_RATES[@]}"),"p50_ms":$(jarr "${ING_P50[@]}"),"p99_ms":$(jarr "${ING_P99[@]}")},
"copy":{"rows_per_s":$COPY_RATE,"rounds":$(jarr "${COPY_RATES[@]}"),"seconds":$(jarr "${COPY_SECS[@]}")},
"drain":{"rows_per_s":$DRAIN_RATE,"rounds":$(jarr "${DRAIN_RATES[@]}"),"seconds":$(jarr "${DRAIN_SECS[@]}")},
"ratios":{"ingest_vs_pgbench_8":$R_INGEST_8,"ingest_vs_pgbench_$CONNECTIONS":$R_INGEST_N,"drain_vs_copy":$R_DRAIN},
"livez":{"server_req_per_s":$(jnum "$LIVEZ_RATE"),"nginx_req_per_s":$(jnum "$NGINX_RATE"),"ratio":$(jnum "$R_LIVEZ")},
"rss_mb":{"after_a_b":$(jnum "$RSS_MB"),"after_e":$(jnum "$RSS_HERD_MB"),"end":$(jnum "$RSS_END_MB")},
"herd":{"devices":$HERD_DEVICES,"records_each":$HERD_RECORDS,"rows":$HERD_ROWS,"distinct_ids":$HERD_DISTINCT,
  "seconds":$(jnum "$HERD_SECS"),"rows_per_s":$(jnum "$HERD_RATE"),"copy_seconds":$(jnum "$HERD_COPY_SECS"),
  "copy_rows_per_s":$(jnum "$HERD_COPY_RATE"),"ratio":$(jnum "$R_HERD"),"batch_answers_503":$HERD_503,
  "batch_answers_other_errors":$HERD_OTHER,"daemon_rounds_deferred_503":$HERD_DEFERRED_503,
  "daemon_rounds_deferred_other":$HERD_DEFERRED_OTHER,"verdict":"$V_HERD"},
"big":$(big_json),
"booth":$( [ -s "$WORK/booth.json" ] && cat "$WORK/booth.json" || echo null),
"targets":{"ingest_vs_pgbench_8":$TARGET_INGEST,"drain_vs_copy":$TARGET_DRAIN,"herd_vs_copy":$TARGET_HERD,
  "lookup_p99_ms":$TARGET_LOOKUP_MS,"flat_within":$TARGET_FLAT,"rss_mb":$TARGET_RSS_MB}}
JSON
fi

if [ "$ENFORCE" = 1 ] && { [ "$V_INGEST" != "meets target" ] || [ "$V_DRAIN" != "meets target" ] ||
                            [ "$V_HERD" = "below target" ] || [ "$V_BIG" = "below target" ] || [ "$V_FLAT" = "below target" ]; }; then
    log "a roadmap target is missed (BORDERLOG_BENCH_ENFORCE=1)"
    exit 1
fi
