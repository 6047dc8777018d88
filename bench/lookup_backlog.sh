#!/usr/bin/env bash
# bench/lookup_backlog.sh — traveller lookups (GET /api/v1/travelers/{country}/{document}) while the
# anomaly analyser is busy. See docs/performance.md, "Traveller lookups and the analyser".
#
# On a private PostgreSQL, with the server running as borderlog_server (as deployed), it loads a backlog
# of crossings by COPY (bench/gen_copy_rows.awk) that the analyser has not judged, and measures lookups of
# documents of that backlog with wrk (1 thread, 4 connections, bench/wrk_paths.lua):
#   0. alone:     the analyser with no lookups, its rate (crossings judged per second);
#   1. backlog:   while the server's analyser works through the backlog;
#   2. locked:    while another session holds the analyser's lock (as another server's long batch would),
#                 the backlog still pending;
#   3. caught up: once the backlog counts as judged (the watermark moved past it, as bench/run.sh step F
#                 does: judging it all would take minutes).
# and prints p50, p99 and req/s of each. Run it on two builds to compare (BORDERLOG_BUILD_DIR, or
# BORDERLOG_SERVER_BIN for a binary kept aside).
#
# Environment (all optional):
#   BORDERLOG_BUILD_DIR        build tree whose borderlog-server to use (default: build/)
#   BORDERLOG_SERVER_BIN       the server binary itself (overrides BORDERLOG_BUILD_DIR)
#   BORDERLOG_LOOKUP_ROWS      backlog rows (default 600000)
#   BORDERLOG_LOOKUP_SECONDS   length of each wrk run (default 10; wrk's timeout is 30 s)
#   BORDERLOG_BENCH_KEEP=1     keep the temporary folder (logs, data)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BORDERLOG_BUILD_DIR:-$ROOT/build}
SERVER=${BORDERLOG_SERVER_BIN:-$BUILD_DIR/server/borderlog-server}
ROWS=${BORDERLOG_LOOKUP_ROWS:-600000}
SECONDS_EACH=${BORDERLOG_LOOKUP_SECONDS:-10}
KEEP=${BORDERLOG_BENCH_KEEP:-0}
ANALYSER_LOCK=7368201956  # sql::kAnalysisLock

T0=$(date +%s)
log() { printf '[lookup %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
[[ $ROWS =~ ^[0-9]+$ ]] && [ "$ROWS" -ge 1000 ] || die "BORDERLOG_LOOKUP_ROWS must be a whole number >= 1000"
[[ $SECONDS_EACH =~ ^[0-9]+$ ]] && [ "$SECONDS_EACH" -ge 1 ] && [ "$SECONDS_EACH" -le 600 ] \
    || die "BORDERLOG_LOOKUP_SECONDS must be 1 to 600"
[ -x "$SERVER" ] || die "$SERVER is missing: build first (cmake --build --preset default)"
command -v wrk >/dev/null || die "wrk is missing (deploy/install-deps.sh)"
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PSQL=$PG_BIN/psql; [ -x "$PSQL" ] || PSQL=$(command -v psql) || die "psql not found"

WORK="" PG_DIR="" SERVER_PID="" HOLDER_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    [ -n "$HOLDER_PID" ] && kill -TERM "$HOLDER_PID" 2>/dev/null && wait "$HOLDER_PID" 2>/dev/null
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        for _ in $(seq 1 250); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null
    fi
    [ -n "$PG_DIR" ] && "$ROOT/deploy/pg.sh" stop "$PG_DIR" >/dev/null 2>&1
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$rc" -ne 0 ] && [ -s "$WORK/server.log" ]; then tail -n 10 "$WORK/server.log" >&2; fi
        if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 6000))
        if ! { (exec 3<>"/dev/tcp/127.0.0.1/$p"); } 2>/dev/null; then echo "$p"; return 0; fi
    done
    die "no free port found on 127.0.0.1"
}
http_status() (
    { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || { echo 000; exit 0; }
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&3
    line=""
    IFS=' ' read -r -t 5 _ line _ <&3 || true
    echo "${line:-000}"
)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/borderlog-lookup.XXXXXX")
chmod 755 "$WORK"
PG_DIR=$WORK/pg
PG_PORT=$(free_port)
log "starting a private PostgreSQL on 127.0.0.1:$PG_PORT"
"$ROOT/deploy/pg.sh" start "$PG_DIR" "$PG_PORT" || die "PostgreSQL did not start"
ADMIN_URL=$("$ROOT/deploy/pg.sh" url "$PG_DIR" "$PG_PORT" postgres)
DB_URL=$("$ROOT/deploy/pg.sh" url "$PG_DIR" "$PG_PORT" borderlog_lookup)
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$DB_URL" "$@"; }
scalar() { q -At -c "$1"; }
"$PSQL" -X -q -d "$ADMIN_URL" -c "CREATE DATABASE borderlog_lookup" || die "cannot create the database"
"$SERVER" migrate --db "$DB_URL" 2>"$WORK/migrate.log" || { cat "$WORK/migrate.log" >&2; die "migrate failed"; }
OPS_TOKEN=$("$SERVER" token create --db "$DB_URL" --role operations --name bench-lookups 2>"$WORK/token.log") \
    || { cat "$WORK/token.log" >&2; die "token create failed"; }

# The backlog, loaded before the server starts so that its analyser finds all of it waiting: the last 30
# days, a document for every 4 rows (several crossings each, entries and exits).
END=$(($(date +%s) - 3600)) SPAN=$((30 * 86400))
START=$((END - SPAN))
q -c "SELECT count(*) FROM crossings_make_partitions(to_timestamp($START)::date, to_timestamp($END)::date)" >/dev/null
COLUMNS_SQL="id, device_id, seq, checkpoint_id, lane, direction, occurred_at, officer_id, document_type, \
document_number, issuing_country, nationality, surname, given_names, birth_date, sex, expiry_date, \
transport_mode, vehicle_plate, recorded_offline, record"
log "loading a backlog of $ROWS crossings (COPY)"
q -c "\\copy crossings ($COLUMNS_SQL) FROM PROGRAM 'awk -v from=0 -v n=$ROWS -v total=$ROWS -v start=$START -v span=$SPAN -f \"$ROOT/bench/gen_copy_rows.awk\"'" \
    || die "COPY failed"
q -c "ANALYZE crossings, crossing_ids, crossing_seqs"
scalar "SELECT DISTINCT '/api/v1/travelers/' || issuing_country || '/' || document_number
        FROM crossings TABLESAMPLE SYSTEM (10) LIMIT 2000" >"$WORK/paths.txt"
[ -s "$WORK/paths.txt" ] || die "no documents to look up"

# Crossings not judged yet: above the watermark and not named in analysis_done.
pending() {
    scalar "SELECT count(*) FROM crossings c WHERE c.ingest_no > (SELECT watermark FROM analysis_state)
            AND NOT EXISTS (SELECT 1 FROM analysis_done d WHERE d.ingest_no = c.ingest_no)"
}

PORT=$(free_port)
log "starting borderlog-server on 127.0.0.1:$PORT as borderlog_server"
"$SERVER" serve --db "$DB_URL" --db-role borderlog_server --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 300); do
    [ "$(http_status /readyz)" = 200 ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server stopped"
    sleep 0.1
done
[ "$(http_status /readyz)" = 200 ] || die "the server is not ready after 30 s"

declare -A R=()
measure() {  # NAME [SECONDS]
    local out
    out=$(BENCH_PATHS=$WORK/paths.txt BENCH_TOKEN=$OPS_TOKEN wrk -t1 -c4 -d"${2:-$SECONDS_EACH}s" --timeout 30s \
        -s "$ROOT/bench/wrk_paths.lua" "http://127.0.0.1:$PORT" 2>&1) || { echo "$out" >&2; die "wrk failed"; }
    echo "$out" >"$WORK/wrk-$1.log"
    R[$1_p50]=$(calc "$(sed -n 's/^p50_us //p' <<<"$out") / 1000" 1)
    R[$1_p99]=$(calc "$(sed -n 's/^p99_us //p' <<<"$out") / 1000" 1)
    R[$1_rate]=$(calc "$(sed -n 's/^rate //p' <<<"$out")" 1)
    R[$1_bad]=$(sed -n 's/^not_200 //p' <<<"$out")
    R[$1_errors]=$(sed -n 's/^ *Socket errors: \(.*\)$/\1/p' <<<"$out")
    R[$1_answered]=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<<"$out")
    if [ "${R[$1_answered]:-0}" = 0 ]; then  # every request still waiting when the run ended
        R[$1_p50]="none" R[$1_p99]="none"
    fi
    log "$1: ${R[$1_rate]} req/s, p50 ${R[$1_p50]} ms, p99 ${R[$1_p99]} ms, not 200: ${R[$1_bad]}${R[$1_errors]:+, socket errors: ${R[$1_errors]}}"
}

# 0. The analyser alone, no lookups: how fast it works through the backlog (the cost of its document
# locks shows here).
alone_start=$(pending)
sleep "$SECONDS_EACH"
alone_end=$(pending)
R[alone_rate]=$(calc "($alone_start - $alone_end) / $SECONDS_EACH" 0)
log "0. analyser alone: ${R[alone_rate]} crossings judged per second over ${SECONDS_EACH}s"

# 1. The analyser busy with the backlog.
before=$(pending)
log "1. backlog: $before crossings pending; lookups for ${SECONDS_EACH}s"
measure backlog
after=$(pending)
R[backlog_judged]=$(calc "($before - $after) / $SECONDS_EACH" 0)
log "1. backlog: $after crossings pending after the run ($((before - after)) judged meanwhile)"
[ "$after" -gt 0 ] || log "1. WARNING: the backlog was drained during the run; raise BORDERLOG_LOOKUP_ROWS"

# 2. Another session holds the analyser's lock (the background analyser and catch-up both wait on it).
mkfifo "$WORK/holder.in"
"$PSQL" -X -q -d "$DB_URL" <"$WORK/holder.in" >"$WORK/holder.log" 2>&1 &
HOLDER_PID=$!
exec 7>"$WORK/holder.in"
echo "SELECT pg_advisory_lock($ANALYSER_LOCK);" >&7
for _ in $(seq 1 100); do
    [ "$(scalar "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = ($ANALYSER_LOCK & 4294967295)::oid
                 AND classid = ($ANALYSER_LOCK >> 32)::oid AND granted")" = 1 ] && break
    sleep 0.1
done
# At least 25 s: a lookup that waits for the lock would give up after the server's lock_timeout (10 s),
# if it applied (p50/p99 "none": no lookup answered before the run ended).
LOCKED_SECONDS=$((SECONDS_EACH > 25 ? SECONDS_EACH : 25))
log "2. locked: another session holds the analyser's lock; $(pending) crossings pending; lookups for ${LOCKED_SECONDS}s"
measure locked "$LOCKED_SECONDS"
echo "SELECT pg_advisory_unlock($ANALYSER_LOCK);" >&7
exec 7>&-
wait "$HOLDER_PID" 2>/dev/null || true
HOLDER_PID=""

# 3. The backlog counts as judged.
q -c "BEGIN" -c "SELECT pg_advisory_xact_lock($ANALYSER_LOCK)" \
  -c "UPDATE analysis_state SET watermark = (SELECT max(ingest_no) FROM crossings)" \
  -c "DELETE FROM analysis_done WHERE ingest_no <= (SELECT watermark FROM analysis_state)" -c "COMMIT" >/dev/null
log "3. caught up: $(pending) crossings pending; lookups for ${SECONDS_EACH}s"
measure caught_up

echo
echo "borderlog traveller lookups, $ROWS-row backlog, wrk 1 thread 4 connections ${SECONDS_EACH}s each"
built_from=" (given)"  # a binary kept aside: its commit is not this tree's
[ -n "${BORDERLOG_SERVER_BIN:-}" ] || built_from=" (tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "server: $SERVER$built_from, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %10s %10s %10s %8s\n' "case" "p50 ms" "p99 ms" "req/s" "not 200"
printf '%-44s %10s %10s %10s %8s\n' "1. analyser working through the backlog" "${R[backlog_p50]}" "${R[backlog_p99]}" "${R[backlog_rate]}" "${R[backlog_bad]}"
printf '%-44s %10s %10s %10s %8s\n' "2. another session holds the analyser lock (${LOCKED_SECONDS}s)" "${R[locked_p50]}" "${R[locked_p99]}" "${R[locked_rate]}" "${R[locked_bad]}"
printf '%-44s %10s %10s %10s %8s\n' "3. analyser caught up" "${R[caught_up_p50]}" "${R[caught_up_p99]}" "${R[caught_up_rate]}" "${R[caught_up_bad]}"
echo "analyser: ${R[alone_rate]} crossings/s judged alone (0), ${R[backlog_judged]}/s during the lookups of case 1 (by the analyser and, before judge_document, the lookups' catch-up)"
