# Shared helpers of the end-to-end tests: the real programs, a database of the test's own on the
# PostgreSQL named by BORDERLOG_TEST_DB, a server on a loopback port, and waits with deadlines.
# Sourced by each test script; ctest sets BORDERLOG_BIN_DIR.
set -euo pipefail

: "${BORDERLOG_TEST_DB:?BORDERLOG_TEST_DB must name a PostgreSQL server (deploy/test.sh sets it)}"
: "${BORDERLOG_BIN_DIR:?BORDERLOG_BIN_DIR must name the build directory}"
SERVER_BIN="$BORDERLOG_BIN_DIR/server/borderlog-server"
CHECKPOINT_BIN="$BORDERLOG_BIN_DIR/client/borderlog-checkpoint"
CTL_BIN="$BORDERLOG_BIN_DIR/client/borderlogctl"

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${BORDERLOG_TEST_TMP:-/tmp}/e2e-$TEST_NAME.XXXXXX")
DB_NAME="e2e_${TEST_NAME}_$$"
DB_URL="${BORDERLOG_TEST_DB%/*}/$DB_NAME"
SERVER_PID=""
PORT=""
BACKGROUND_PIDS=()

log() { echo "[$TEST_NAME] $*" >&2; }
fail() {
    log "FAIL: $*"
    exit 1
}

cleanup() {
    local rc=$?
    for pid in "${BACKGROUND_PIDS[@]}" $SERVER_PID; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ $rc -ne 0 ] && [ -f "$WORK/server.log" ]; then
        log "server log (last 20 lines):"
        tail -n 20 "$WORK/server.log" >&2 || true
    fi
    psql -q "$BORDERLOG_TEST_DB" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
    if [ -n "${BORDERLOG_KEEP_WORK:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    [ $rc -eq 0 ] && log "PASS"
    exit $rc
}
trap cleanup EXIT

sql() { psql -qtAX "$DB_URL" -c "$1"; }

# grep_all ARGS...: grep's answer, reading its input to the end. A `... | grep -q` stops at the first
# match, and under pipefail the writer's SIGPIPE then fails the whole check.
grep_all() { grep "$@" >/dev/null; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds, or fails the test.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || fail "timed out after ${seconds}s waiting for: $what"
        sleep 0.05
    done
}

# is_now EXPECTED COMMAND...: whether the command prints EXPECTED now. For wait_until, which runs it at
# each try (a "$(...)" in wait_until's arguments would be read once, before the wait).
is_now() {
    local want=$1
    shift
    [ "$("$@" 2>/dev/null)" = "$want" ]
}

create_database() {
    psql -q "$BORDERLOG_TEST_DB" -c "CREATE DATABASE $DB_NAME" >/dev/null
    "$SERVER_BIN" migrate --db "$DB_URL" 2>/dev/null
}

# token ROLE [CHECKPOINT DEVICE]: prints a new token.
token() {
    if [ "$1" = device ]; then
        "$SERVER_BIN" token create --db "$DB_URL" --role device --checkpoint "$2" --device "$3" 2>/dev/null
    else
        "$SERVER_BIN" token create --db "$DB_URL" --role "$1" --name "e2e-$1" 2>/dev/null
    fi
}

server_alive() { kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited (see its log)"; }
# With TLS_CA set the server speaks HTTPS (a certificate for localhost of that CA) and is asked so.
TLS_CA=""
TLS_SERVER_ARGS=()
# use_tls: a CA of the test's own (deploy/tls-certs.sh) and a certificate for localhost and 127.0.0.1;
# from then on the server is started on HTTPS and ctl and init_checkpoint trust that CA.
use_tls() {
    local certs="$WORK/certs"
    "$BORDERLOG_SOURCE_DIR/deploy/tls-certs.sh" ca "$certs/ca" "borderlog test CA $$" || fail "cannot make a test CA"
    "$BORDERLOG_SOURCE_DIR/deploy/tls-certs.sh" server "$certs" "$certs/ca" localhost "DNS:localhost,IP:127.0.0.1" ||
        fail "cannot make the server's certificate"
    TLS_CA="$certs/ca/ca.pem"
    TLS_CERT="$certs/localhost.pem"
    TLS_SERVER_ARGS=(--tls-cert "$certs/localhost.pem" --tls-key "$certs/localhost.key")
}
server_base() { if [ -n "${TLS_CA:-}" ]; then echo "https://localhost:$PORT"; else echo "http://127.0.0.1:$PORT"; fi; }
server_ready() { server_alive && curl -sf ${TLS_CA:+--cacert "$TLS_CA"} "$(server_base)/readyz" >/dev/null 2>&1; }

launch_server() {
    "$SERVER_BIN" serve --db "$DB_URL" --db-role "${SERVER_DB_ROLE-borderlog_server}" --listen "127.0.0.1:$PORT" --log-level "${SERVER_LOG_LEVEL:-info}" "${TLS_SERVER_ARGS[@]}" "$@" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
}

listen_count() {
    local n
    n=$(grep -c '"event":"listening"' "$WORK/server.log" 2>/dev/null) || true
    echo "${n:-0}"
}

# Waits until the server launched last says it listens; fails (returns 1) when it exited instead.
wait_listening() {
    local before=$1 deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(listen_count)" -gt "$before" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    fail "the server did not listen within 30 s"
}

# Starts the server. The first start picks a port below the kernel's ephemeral range (so that no
# client socket of a parallel test can hold it when the server restarts); restarts keep it.
start_server() {
    local before
    before=$(listen_count)
    if [ -z "$PORT" ]; then
        for _ in $(seq 1 20); do
            PORT=$((10000 + RANDOM % 10000))
            launch_server "$@"
            if wait_listening "$before"; then break; fi
            PORT=""
        done
        [ -n "$PORT" ] || fail "no free port for the server"
    else
        launch_server "$@"
        wait_listening "$before" || fail "the server did not start again on port $PORT"
    fi
    wait_until 30 "the server to be ready" server_ready
}

kill_server() {
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# stop_server: SIGTERM, then the exit code must be 0.
stop_server() {
    kill -TERM "$SERVER_PID"
    local rc=0
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=""
    [ $rc -eq 0 ] || fail "the server exited $rc after SIGTERM"
}

# Background processes are started with "$CHECKPOINT_BIN" itself, so that $! is the program, not a subshell.
checkpoint() { "$CHECKPOINT_BIN" "$@"; }
ctl() { "$CTL_BIN" --server "$(server_base)" ${TLS_CA:+--ca "$TLS_CA"} "$@"; }

# init_checkpoint DIR CHECKPOINT DEVICE: a data dir with its own device token. The server URL may
# name a port nobody listens on yet (PORT is set once the server first starts).
init_checkpoint() {
    local dir=$1 cp=$2 dev=$3 port=${4:-$PORT}
    local url="http://127.0.0.1:$port"
    [ -z "$TLS_CA" ] || url="https://localhost:$port"
    checkpoint init --data-dir "$dir" --server "$url" --checkpoint "$cp" --device "$dev" \
        --token "$(token device "$cp" "$dev")" ${TLS_CA:+--ca "$TLS_CA"} 2>/dev/null
}

# status_field DIR FIELD: one top-level field of `status --json` (null as "null").
status_field() {
    checkpoint status --data-dir "$1" --json |
        python3 -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print("null" if v is None else v)' "$2"
}

# gen_jsonl N FILE [PREFIX]: N distinct crossings as JSON Lines (the import format); document numbers
# PREFIX0000001... (default E2E), so that files made with other prefixes hold other crossings.
gen_jsonl() {
    awk -v n="$1" -v prefix="${3:-E2E}" 'BEGIN {
        for (i = 1; i <= n; i++) {
            dir = (i % 2) ? "entry" : "exit";
            printf("{\"direction\":\"%s\",\"occurred_at\":\"2026-11-27T%02d:%02d:%02d.%03dZ\",\"lane\":\"%d\",", dir, (i / 3600) % 24, (i / 60) % 60, i % 60, i % 1000, i % 4 + 1);
            printf("\"traveler\":{\"document_type\":\"P\",\"document_number\":\"%s%07d\",\"issuing_country\":\"ALB\",", prefix, i);
            printf("\"nationality\":\"ALB\",\"surname\":\"TRAVELER\",\"given_names\":\"NUMBER %d\",\"birth_date\":\"1980-01-01\",\"sex\":\"F\"}}\n", i);
        }
    }' >"$2"
}

# The ids a data directory holds, and the ids PostgreSQL holds for a device, sorted.
local_ids() { sqlite3 "$1/outbox.db" "SELECT id FROM outbox ORDER BY id"; }
central_ids() { sql "SELECT id FROM crossings WHERE device_id = '$1' ORDER BY id"; }
central_count() { sql "SELECT count(*) FROM crossings"; }

# Every record the data directory holds is in PostgreSQL exactly once, and nothing else is.
assert_exactly_once() {
    local dir=$1 device=$2
    local_ids "$dir" >"$WORK/local.ids"
    central_ids "$device" >"$WORK/central.ids"
    local dupes
    dupes=$(sql "SELECT count(*) - count(DISTINCT id) + count(*) - count(DISTINCT (device_id, stream_id, seq)) FROM crossings")
    [ "$dupes" = 0 ] || fail "PostgreSQL holds duplicates"
    diff -q "$WORK/local.ids" "$WORK/central.ids" >/dev/null ||
        fail "PostgreSQL does not hold exactly the checkpoint's records ($(wc -l <"$WORK/local.ids") local, $(wc -l <"$WORK/central.ids") central)"
}

# use_own_postgres: this test gets a PostgreSQL of its own in $WORK/pg (for tests that stop it), and
# its database moves there. Call before create_database. stop_own_postgres / start_own_postgres after.
use_own_postgres() {
    chmod 755 "$WORK"
    OWN_PG_PORT=""
    for _ in $(seq 1 20); do
        OWN_PG_PORT=$((26000 + RANDOM % 4000))  # apart from test.sh's cluster (20000-25999) and deploy/ha (30000-32499)
        if "$BORDERLOG_SOURCE_DIR/deploy/pg.sh" start "$WORK/pg" "$OWN_PG_PORT" 2>/dev/null; then break; fi
        OWN_PG_PORT=""
    done
    [ -n "$OWN_PG_PORT" ] || fail "could not start a PostgreSQL of its own"
    # set +e: under errexit a failing `(exit $rc)` would end the trap before cleanup stops the servers.
    trap 'rc=$?; set +e; stop_own_postgres; (exit $rc); cleanup' EXIT
    BORDERLOG_TEST_DB="postgresql://postgres@127.0.0.1:$OWN_PG_PORT/postgres"
    DB_URL="postgresql://postgres@127.0.0.1:$OWN_PG_PORT/$DB_NAME"
}
stop_own_postgres() { "$BORDERLOG_SOURCE_DIR/deploy/pg.sh" stop "$WORK/pg" >/dev/null 2>&1 || true; }
start_own_postgres() { "$BORDERLOG_SOURCE_DIR/deploy/pg.sh" start "$WORK/pg" "$OWN_PG_PORT"; }
