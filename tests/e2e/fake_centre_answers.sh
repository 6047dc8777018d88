#!/usr/bin/env bash
# The real checkpoint against a fake centre that answers wrongly (tools/fake_centre.py): what it
# believes must not make it lose, forget or re-send records, nor stop syncing.
# - a batch answer that does not match the batch: nothing of it is applied;
# - a 503 with Retry-After: 2000000000: the daemon waits no longer than its backoff cap;
# - a reconcile claiming seqs missing far beyond what the terminal sent: refused, nothing re-queued;
# - a reconcile page of 400,000 ranges: refused unread, nothing re-queued.
source "$(dirname "$0")/lib.sh"

# start_fake SCENARIO: a fake centre of its own; FAKE_PORT is where it listens.
start_fake() {
    python3 "$(dirname "$0")/tools/fake_centre.py" "$1" >"$WORK/fake-$1.out" 2>"$WORK/fake-$1.log" &
    BACKGROUND_PIDS+=("$!")
    FAKE_PID=$!
    fake_listening() { grep -q '^listening ' "$WORK/fake-$1.out"; }
    wait_until 30 "the fake centre to listen" fake_listening "$1"
    FAKE_PORT=$(sed -n 's/^listening //p' "$WORK/fake-$1.out")
}
# terminal SCENARIO N: a data directory pointed at the fake centre, with N records.
terminal() {
    checkpoint init --data-dir "$WORK/$1" --server "http://127.0.0.1:$FAKE_PORT" --checkpoint KAKAVIJE --device KAK-01 \
        --token fake 2>/dev/null || fail "init against the fake centre failed"
    for i in $(seq 1 "$2"); do
        checkpoint record --data-dir "$WORK/$1" --direction entry --doc-number "F$i" --doc-country ALB --nationality ALB \
            --surname FAKE --birth-date 1980-01-01 --sex F >/dev/null
    done
}
states() { sqlite3 "$WORK/$1/outbox.db" "SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state" | tr '\n' ' '; }

# --- an answer that does not match the batch ----------------------------------------------------------
start_fake mismatch
terminal mismatch 5
rc=0
checkpoint sync --once --data-dir "$WORK/mismatch" 2>/dev/null || rc=$?
[ $rc -eq 1 ] || fail "sync --once exited $rc on an answer that does not match, not 1"
[ "$(states mismatch)" = "0|5 " ] || fail "part of a mismatched answer was applied: $(states mismatch)"

# --- Retry-After far beyond the backoff cap -----------------------------------------------------------------
start_fake retry_after
terminal retry_after 3
"$CHECKPOINT_BIN" run --data-dir "$WORK/retry_after" --poll-interval-ms 100 --backoff-base-ms 100 --backoff-cap 1 \
    --heartbeat-interval 3600 2>"$WORK/daemon.log" &
DAEMON=$!
BACKGROUND_PIDS+=("$DAEMON")
synced() { [ "$(states retry_after)" = "1|3 " ]; }
wait_until 30 "the daemon to sync after a Retry-After of 2000000000 s" synced
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the daemon did not stop cleanly"
[ "$(grep -c '^POST /api/v1/crossings/batch' "$WORK/fake-retry_after.log")" -ge 2 ] || fail "the batch was not sent again"

# --- a reconcile claiming more missing than the terminal ever sent -------------------------------------------
for scenario in reconcile_claims reconcile_huge; do
    start_fake "$scenario"
    terminal "$scenario" 3
    report=$(checkpoint sync --once --data-dir "$WORK/$scenario" --json 2>"$WORK/$scenario.err") ||
        fail "$scenario: sync --once failed: $report"
    echo "$report" | grep_all '"requeued":0' || fail "$scenario: records were re-queued: $report"
    [ "$(states "$scenario")" = "1|3 " ] || fail "$scenario: the outbox changed: $(states "$scenario")"
    grep -q '"event":"reconcile_answer_refused"' "$WORK/$scenario.err" || fail "$scenario: the answer was not refused"
    checkpoint status --data-dir "$WORK/$scenario" --json | grep_all 'reconcile answer was refused' ||
        fail "$scenario: status does not show the refused answer"
done
