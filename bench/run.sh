#!/usr/bin/env bash
# bench/run.sh — the borderlog benchmark, one command. See docs/benchmarks.md.
#
# On a throwaway PostgreSQL (or a fresh database in BORDERLOG_BENCH_DB), it measures
#   A. single-record ingest: bench_ingest_load, 64 keep-alive connections to borderlog-server, beside
#      pgbench single-row INSERTs into the same table with 8 and with 64 clients;
#   B. backlog drain: 20 checkpoints × 5,000 imported records, all `sync --once` in parallel, beside
#      `psql \copy` of the same 100,000 rows;
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
ADMIN_URL="" DB_NAME="" DB_URL=""

# The roadmap's targets (reported, not required unless BORDERLOG_BENCH_ENFORCE=1).
TARGET_INGEST=3.0  # single-record ingest ÷ pgbench single-row inserts with 8 clients
TARGET_DRAIN=0.6   # backlog drain ÷ psql \copy
TARGET_RSS_MB=150  # the server's peak resident memory under the ingest load of A and B

COLUMNS_SQL="id, device_id, seq, checkpoint_id, lane, direction, occurred_at, officer_id, document_type, \
document_number, issuing_country, nationality, surname, given_names, birth_date, sex, expiry_date, \
transport_mode, vehicle_plate, recorded_offline, record"

T0=$(date +%s)
log() { printf '[bench %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
for v in DURATION ROUNDS CONNECTIONS BACKLOG_DEVICES BACKLOG_RECORDS; do
    is_uint "${!v}" || die "$v must be a positive whole number, not '${!v}'"
done
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
    "$SERVER" serve --db "$DB_URL" --listen "127.0.0.1:$PORT" $SERVER_ARGS 2>"$WORK/server.log" &
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
prepare_checkpoint() {  # INDEX DEVICE CHECKPOINT TOKEN
    local dir="$WORK/checkpoints/$2" file="$WORK/jsonl/$2.jsonl" n rc=0
    awk -v n="$BACKLOG_RECORDS" -v checkpoint="$3" -v day="$DAY" -v seed="$1" -f "$ROOT/bench/gen_crossings.awk" >"$file" \
        || { log "B: generating $file failed"; return 1; }
    "$CHECKPOINT" init --data-dir "$dir" --server "http://127.0.0.1:$PORT" --checkpoint "$3" --device "$2" --token "$4" \
        2>"$WORK/logs/$2.init.log" || { log "B: init of $2 failed: $(tail -n 3 "$WORK/logs/$2.init.log")"; return 1; }
    n=$("$CHECKPOINT" import --json --data-dir "$dir" "$file" 2>"$WORK/logs/$2.import.log") || rc=$?
    if [ "$rc" != 0 ] || [ "$(json_field recorded "$n")" != "$BACKLOG_RECORDS" ]; then
        log "B: import into $2 exited $rc, printed '$n': $(tail -n 3 "$WORK/logs/$2.import.log")"
        return 1
    fi
}
i=0 PREP_PIDS=()
while read -r dev cp token; do
    i=$((i + 1))
    prepare_checkpoint "$i" "$dev" "$cp" "$token" &
    PREP_PIDS+=($!) CHILD_PIDS+=($!)
    if [ "${#PREP_PIDS[@]}" -ge "$(nproc)" ]; then
        wait "${PREP_PIDS[0]}" || die "preparing a checkpoint failed"
        PREP_PIDS=("${PREP_PIDS[@]:1}")
    fi
done <"$WORK/backlog-tokens.txt"
for pid in "${PREP_PIDS[@]}"; do wait "$pid" || die "preparing a checkpoint failed"; done
CHILD_PIDS=()
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

# E. The server's peak resident memory (VmHWM) since it started: it has carried A's and B's loads.
RSS_MB=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?")

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
    row "E  server peak RSS (VmHWM) after A and B, MB" "$RSS_MB" "target <= $TARGET_RSS_MB MB"
    row "C  record at the checkpoint, in-process p99: see bench/booth.sh (the officer screen's step)" "" ""
    row "not yet measured here: thundering herd 200 × 1,000; lookups at 10 M rows; flat 0 → 10 M" "" "(docs/benchmarks.md)"
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
    [ "$SERVER_ERRORS$SERVER_WARNINGS" = 00 ] ||
        echo "note: the server logged $SERVER_ERRORS errors and $SERVER_WARNINGS warnings (BORDERLOG_BENCH_KEEP=1 keeps its log)"
    echo "total time: $(($(date +%s) - T0)) s"
}

if [ -n "$JSON_OUT" ]; then
    jarr() { local IFS=,; echo "[$*]"; }
    cat >"$JSON_OUT" <<JSON
{"rounds":$ROUNDS,"seconds_per_run":$DURATION,"connections":$CONNECTIONS,"backlog_rows":$TOTAL,
"sync_latency_us":$(jarr "${SYNC_US[@]}" | sed 's/?/null/g'),"load_average":$(jarr "${LOADS[@]}"),
"pgbench_8":{"rows_per_s":$PGB8_RATE,"rounds":$(jarr "${PGB8_RATES[@]}")},
"pgbench_$CONNECTIONS":{"rows_per_s":$PGBN_RATE,"rounds":$(jarr "${PGBN_RATES[@]}")},
"ingest":{"rows_per_s":$INGEST_RATE,"rounds":$(jarr "${ING_RATES[@]}"),"p50_ms":$(jarr "${ING_P50[@]}"),"p99_ms":$(jarr "${ING_P99[@]}")},
"copy":{"rows_per_s":$COPY_RATE,"rounds":$(jarr "${COPY_RATES[@]}"),"seconds":$(jarr "${COPY_SECS[@]}")},
"drain":{"rows_per_s":$DRAIN_RATE,"rounds":$(jarr "${DRAIN_RATES[@]}"),"seconds":$(jarr "${DRAIN_SECS[@]}")},
"ratios":{"ingest_vs_pgbench_8":$R_INGEST_8,"ingest_vs_pgbench_$CONNECTIONS":$R_INGEST_N,"drain_vs_copy":$R_DRAIN},
"targets":{"ingest_vs_pgbench_8":$TARGET_INGEST,"drain_vs_copy":$TARGET_DRAIN}}
JSON
fi

# C. The officer screen's record latency: its own PostgreSQL, server and terminals (bench/booth.sh).
if [ "${BORDERLOG_BENCH_BOOTH:-1}" = 1 ]; then
    log "C: the officer screen's record latency (bench/booth.sh)"
    BORDERLOG_BENCH_BUILD=0 BORDERLOG_BENCH_JSON="" BORDERLOG_BUILD_DIR="$BUILD_DIR" "$ROOT/bench/booth.sh" \
        || die "C: bench/booth.sh failed"
fi

if [ "$ENFORCE" = 1 ] && { [ "$V_INGEST" != "meets target" ] || [ "$V_DRAIN" != "meets target" ]; }; then
    log "a roadmap target is missed (BORDERLOG_BENCH_ENFORCE=1)"
    exit 1
fi
