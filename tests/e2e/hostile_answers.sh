#!/usr/bin/env bash
# Issue 6: hostile answers against the real checkpoint, through a relay (tools/hostile_relay.py) in
# front of the real server that reshapes each answer: a 65,600-byte chunked trailer, 100 Continue and
# 103 Early Hints before the answer, a second unasked answer after it, an answer cut off, garbage,
# a reset, and 503 with Retry-After 2000000000 or 2^63-1. `sync --once` must exit as documented
# (3 while the centre is unavailable, 0 once drained), `run` must never exit and never wait more
# than a day, and no answer may be applied to the wrong request: at the end PostgreSQL holds every
# record exactly once and nothing is rejected.
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 is needed (deploy/install-deps.sh installs it)"
create_database
start_server

MODE="$WORK/relay.mode"
SERVED="$WORK/relay.served"
echo pass >"$MODE"
: >"$SERVED"
python3 "$(dirname "$0")/tools/hostile_relay.py" --upstream-port "$PORT" --mode-file "$MODE" --served "$SERVED" \
    --port-file "$WORK/relay.port" 2>"$WORK/relay.log" &
BACKGROUND_PIDS+=($!)
wait_until 20 "the relay to listen" test -s "$WORK/relay.port"
RELAY=$(cat "$WORK/relay.port")

CP="$WORK/cp"
init_checkpoint "$CP" KAKAVIJE KAK-01 "$RELAY" || fail "init through the relay failed"
record_some() { # record_some N FIRST: N crossings numbered from FIRST
    gen_jsonl $(($1 + $2 - 1)) "$WORK/all.jsonl"
    tail -n "$1" "$WORK/all.jsonl" >"$WORK/from-$2.jsonl"
    checkpoint import --data-dir "$CP" "$WORK/from-$2.jsonl" >/dev/null 2>&1 || fail "import failed"
}
served() { grep -c "^$1 " "$SERVED" || true; }
pending() { status_field "$CP" pending; }

# sync --once: every broken answer is "centre unavailable" (3); nothing acknowledged, nothing rejected.
record_some 30 1
for mode in trailer truncated garbage reset retry_huge retry_2p63; do
    echo "$mode" >"$MODE"
    rc=0
    checkpoint sync --once --data-dir "$CP" --batch-size 10 --timeout 5 >/dev/null 2>"$WORK/sync.err" || rc=$?
    [ "$rc" = 3 ] || fail "sync --once against a '$mode' answer exited $rc, not 3: $(tail -n 3 "$WORK/sync.err")"
    [ "$(pending)" = 30 ] || fail "a '$mode' answer changed the queue: $(pending) pending, not 30"
    [ "$(status_field "$CP" rejected)" = 0 ] || fail "a '$mode' answer rejected records"
    log "sync --once against '$mode': exit 3, nothing applied"
done

# Interim answers are skipped and a second, unasked answer is never read as the next one.
for mode in interim extra; do
    echo "$mode" >"$MODE"
    rc=0
    checkpoint sync --once --data-dir "$CP" --batch-size 10 --timeout 5 >/dev/null 2>"$WORK/sync.err" || rc=$?
    [ "$rc" = 0 ] || fail "sync --once with '$mode' answers exited $rc: $(tail -n 3 "$WORK/sync.err")"
    [ "$(pending)" = 0 ] || fail "sync --once with '$mode' answers left $(pending) pending"
    assert_exactly_once "$CP" KAK-01
    [ "$(status_field "$CP" rejected)" = 0 ] || fail "'$mode' answers made records rejected"
    log "sync --once with '$mode' answers: drained, exactly once"
    record_some 30 $(($(status_field "$CP" last_seq) + 1))
done

# run: the daemon lives through every kind of broken answer and syncs once answers are sane again.
start_daemon() {
    "$CHECKPOINT_BIN" run --data-dir "$CP" --batch-size 10 --timeout 5 --backoff-base-ms 50 --backoff-cap 1 \
        --poll-interval-ms 50 --heartbeat-interval 1 --reconcile-interval 1 2>>"$WORK/daemon.log" &
    DAEMON=$!
    BACKGROUND_PIDS+=("$DAEMON")
}
daemon_alive() { kill -0 "$DAEMON" 2>/dev/null || fail "the checkpoint daemon exited (see $WORK/daemon.log)"; }
served_at_least() { daemon_alive && [ "$(served "$1")" -ge "$2" ]; }
drained() { daemon_alive && [ "$(pending)" = 0 ]; }
deferrals() { grep -c '"event":"sync_deferred"' "$WORK/daemon.log" || true; }
stop_daemon() {
    kill -TERM "$DAEMON"
    local rc=0
    wait "$DAEMON" || rc=$?
    [ "$rc" = 0 ] || fail "the daemon exited $rc after SIGTERM"
}

start_daemon
for mode in trailer truncated garbage reset; do
    echo "$mode" >"$MODE"
    before=$(served "$mode")
    wait_until 30 "the daemon to meet 3 '$mode' answers" served_at_least "$mode" $((before + 3))
    daemon_alive
    log "run lives through '$mode' answers"
done
for mode in interim extra pass; do
    echo "$mode" >"$MODE"
    record_some 5 $(($(status_field "$CP" last_seq) + 1))
    wait_until 60 "the daemon to drain with '$mode' answers" drained
    daemon_alive
    assert_exactly_once "$CP" KAK-01
    log "run drains with '$mode' answers, exactly once"
done

# Retry-After from a hostile server: read without overflow and never more than a day. Each daemon
# starts after its mode is set, so that its first deferral answers that mode.
stop_daemon
for mode in retry_huge retry_2p63; do
    echo "$mode" >"$MODE"
    record_some 1 $(($(status_field "$CP" last_seq) + 1))
    before=$(deferrals)
    start_daemon
    deferred() { daemon_alive && [ "$(deferrals)" -gt "$before" ]; }
    wait_until 30 "the daemon to defer after a '$mode' answer" deferred
    wait_ms=$(grep '"event":"sync_deferred"' "$WORK/daemon.log" | tail -n 1 |
        sed 's/.*"retry_in_ms":\(-\{0,1\}[0-9]*\).*/\1/')
    [ "$wait_ms" -ge 0 ] && [ "$wait_ms" -le 86400000 ] ||
        fail "after Retry-After from '$mode' the daemon waits $wait_ms ms (more than a day, or negative)"
    daemon_alive
    stop_daemon  # SIGTERM ends the wait at once
    log "run after '$mode': waits $wait_ms ms, stops on SIGTERM with 0"
done

echo pass >"$MODE"
checkpoint sync --once --data-dir "$CP" >/dev/null 2>&1 || fail "the final sync failed"
assert_exactly_once "$CP" KAK-01
[ "$(status_field "$CP" rejected)" = 0 ] || fail "records were rejected"
