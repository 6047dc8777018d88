#!/usr/bin/env bash
# A backlog far larger than the server's body limit, synced through a user-space TCP relay with small
# socket buffers (a slow link: a large body is still being written when the server answers).
# - Sized path: the terminal knows the centre's limits (GET /api/v1/token) and sizes every batch under
#   them; one sync --once drains the backlog, nothing is refused, no connection is reset.
# - Over-limit path: the centre restarts with a much smaller limit while the daemon runs with the old
#   one (4 MiB), so its next batches (1000 records, ~450 KB) are well over the new limit (16 KiB). The daemon must not resend them forever: a 413 it reads
#   narrows the batch and refreshes the limits; a connection reset (a server that answers 413 before
#   reading the body, and closes) makes it ask the limits again before the next round.
# Either way every record arrives exactly once.
source "$(dirname "$0")/lib.sh"

create_database
start_server --max-body 65536

python3 "$(dirname "$0")/tools/tcp_relay.py" 0 127.0.0.1 "$PORT" --buffer 4096 --chunk 2048 \
    >"$WORK/relay.out" 2>"$WORK/relay.log" &
BACKGROUND_PIDS+=("$!")
relay_listening() { grep -q '^listening ' "$WORK/relay.out"; }
wait_until 30 "the relay to listen" relay_listening
RELAY_PORT=$(sed -n 's/^listening //p' "$WORK/relay.out")
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01 "$RELAY_PORT"
[ "$(sqlite3 "$WORK/cp/outbox.db" "SELECT value FROM meta WHERE key = 'server_max_body_bytes'")" = 65536 ] ||
    fail "init did not learn the centre's body limit"

# --- the sized path ---------------------------------------------------------------------------------
gen_jsonl 3000 "$WORK/a.jsonl" SIZED
checkpoint import --data-dir "$WORK/cp" "$WORK/a.jsonl" >/dev/null 2>&1 || fail "import failed"
backlog=$(sqlite3 "$WORK/cp/outbox.db" "SELECT sum(length(body)) FROM outbox")
log "backlog of $backlog bytes against a body limit of 65536"
[ "$backlog" -gt $((10 * 65536)) ] || fail "the backlog is not well over the body limit"
report=$(checkpoint sync --once --data-dir "$WORK/cp" --batch-size 1000 --json 2>"$WORK/sync.log") ||
    fail "sync --once through the relay failed: $report $(tail -n 3 "$WORK/sync.log")"
echo "$report" | grep_all '"stored":3000' || fail "not every record was stored in one sync: $report"
echo "$report" | grep_all '"rejected":0' || fail "records were refused: $report"
! grep -q ', reset' "$WORK/relay.log" || fail "a connection was reset on the sized path: $(grep reset "$WORK/relay.log")"
! grep -q '"batch_too_large"' "$WORK/sync.log" || fail "a batch over the limit was sent on the sized path"
assert_exactly_once "$WORK/cp" KAK-01

# --- the over-limit path -------------------------------------------------------------------------------
stop_server
start_server --max-body 4194304
"$CHECKPOINT_BIN" run --data-dir "$WORK/cp" --batch-size 1000 --poll-interval-ms 100 --backoff-base-ms 100 \
    --backoff-cap 1 --heartbeat-interval 3600 --log-level info 2>"$WORK/daemon.log" &
DAEMON=$!
BACKGROUND_PIDS+=("$DAEMON")
checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number WARM1 --doc-country ALB --nationality ALB \
    --surname WARM --birth-date 1980-01-01 --sex F >/dev/null
rows_are() { [ "$(central_count)" = "$1" ]; }
wait_until 60 "the daemon to sync (and learn the limits)" rows_are 3001
learnt() { [ "$(sqlite3 "$WORK/cp/outbox.db" "SELECT value FROM meta WHERE key = 'server_max_body_bytes'")" = 4194304 ]; }
wait_until 30 "the daemon to learn the 4 MiB limit" learnt

stop_server
start_server --max-body 16384  # the daemon still sizes for 4 MiB: its next batches are ~28 times the limit
restart_line=$(wc -l <"$WORK/daemon.log")
gen_jsonl 3000 "$WORK/b.jsonl" OVER
checkpoint import --data-dir "$WORK/cp" "$WORK/b.jsonl" >/dev/null 2>&1 || fail "the second import failed"
drained() { rows_are 6001 && [ "$(status_field "$WORK/cp" pending)" = 0 ]; }
wait_until 120 "the daemon to drain the backlog over the smaller limit" drained
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the daemon did not stop cleanly"
assert_exactly_once "$WORK/cp" KAK-01
[ "$(status_field "$WORK/cp" rejected)" = 0 ] || fail "records were set aside as refused"
tail -n +"$((restart_line + 1))" "$WORK/daemon.log" | grep_all '"batch_too_large"\|"sync_deferred"' ||
    fail "no batch went over the new limit: the test proves nothing"

# Which way can an over-limit batch end? Ask the server through the relay with a body of the daemon's
# batch size (~450 KB), from a socket with a small send buffer, so that the body is written in full only
# if the server reads it: a server that answers 413 before reading the body and closes resets it (the
# client never reads the 413); one that drains a bounded amount first (the HTTP session's fix) lets it
# through and is answered 413. The daemon, whose own send buffer is large, may see either from a server
# that does not drain; from one that does, it must always read the 413.
probe=$(python3 - "$RELAY_PORT" "$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$WORK/cp/config.json")" <<'PY'
import socket, sys
body = b'{"records":[' + b'"x",' * 112000 + b'"x"]}'
head = ("POST /api/v1/crossings/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {sys.argv[2]}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
s.settimeout(20)
s.connect(("127.0.0.1", int(sys.argv[1])))
try:
    s.sendall(head + body)
    print(s.recv(64).split(b"\r\n")[0].decode())
except OSError:
    print("reset")
PY
)
after_restart=$(tail -n +"$((restart_line + 1))" "$WORK/daemon.log")
if echo "$probe" | grep_all ' 413 '; then
    log "the server drains an over-limit body and answers 413: the daemon must read it every time"
    echo "$after_restart" | grep_all '"batch_too_large"' || fail "the daemon never read a 413 over the relay"
    ! echo "$after_restart" | grep_all '"sync_deferred"' ||
        fail "the daemon lost a connection on an over-limit batch: $(echo "$after_restart" | grep '"sync_deferred"' | head -n 1)"
else
    log "the server resets an over-limit body ($probe): the daemon recovered by asking the limits again"
fi
stop_server
