#!/usr/bin/env bash
# Chaos: power loss on the checkpoint. An SQLite VFS shim (power_cut_vfs.cpp, loaded into the real
# programs with LD_PRELOAD and registered as the default VFS) logs every write not yet synced; the
# test kills the recording officer, the daemon and whatever they were doing with kill -9 at a random
# moment, and tools/power_cut.py drops every write that was not synced, as a power cut does. With the
# checkpoint's synchronous=FULL every record `record` confirmed survives each cut, and its records then
# reach PostgreSQL exactly once. The negative control runs the same with synchronous=NORMAL (the shim
# rewrites the pragma) and must lose confirmed records: the test sees what it claims to see.
source "$(dirname "$0")/../e2e/lib.sh"

SHIM="$BORDERLOG_BIN_DIR/tests/chaos/libborderlog_power_cut_vfs.so"
[ -f "$SHIM" ] || fail "the VFS shim is not built: $SHIM"
CUTS=${BORDERLOG_CHAOS_CUTS:-4}
create_database
start_server

# cut DIR SYNCHRONOUS: records with the daemon syncing, then the power goes. Prints "confirmed lost".
cut() {
    local dir=$1 sync=$2 undo="$WORK/undo" confirmed="$WORK/confirmed-$(basename "$1")"
    rm -rf "$undo" && mkdir -p "$undo"
    touch "$confirmed"
    local before
    before=$(wc -l <"$confirmed")
    # A session of its own, so that one kill -9 takes the daemon, the loop and the record it was making.
    LD_PRELOAD="$SHIM" BORDERLOG_VFS_UNDO_DIR="$undo" BORDERLOG_VFS_SYNCHRONOUS="$sync" \
        setsid bash -c '
            "$1" run --data-dir "$2" --poll-interval-ms 50 --backoff-base-ms 50 --backoff-cap 1 --heartbeat-interval 1 2>/dev/null &
            i=0
            while :; do
                i=$((i + 1))
                printf "{\"traveler\":{\"document_number\":\"P%s%06d\",\"issuing_country\":\"ALB\",\"nationality\":\"ALB\",\"surname\":\"POWER\",\"birth_date\":\"1980-01-01\",\"sex\":\"F\"}}" "$RANDOM" "$i" |
                    "$1" record --data-dir "$2" --direction entry --stdin >>"$3" 2>/dev/null
            done' _ "$CHECKPOINT_BIN" "$dir" "$confirmed" &
    local session=$!
    sleep "$(python3 -c 'import random; print(random.uniform(1.0, 3.0))')"
    kill -9 -- "-$session" 2>/dev/null || true
    wait "$session" 2>/dev/null || true
    wait_until 10 "every process of the cut session to end" bash -c "! pgrep -s $session >/dev/null"
    [ -n "$(ls "$undo")" ] || fail "the VFS shim was not loaded (no undo logs)"
    local undone
    undone=$(python3 "$(dirname "$0")/tools/power_cut.py" "$undo")
    [ "$(sqlite3 "$dir/outbox.db" "PRAGMA integrity_check")" = ok ] || fail "the outbox is corrupt after the cut"
    # Every id `record` printed, looked up in the outbox as the cut left it (one pass, not one sqlite3 per id).
    local lost
    lost=$(python3 - "$dir/outbox.db" "$confirmed" <<'PY'
import sqlite3, sys
held = {row[0] for row in sqlite3.connect(sys.argv[1]).execute("SELECT id FROM outbox")}
print(sum(1 for line in open(sys.argv[2]) if line.strip() and line.strip() not in held))
PY
    ) || fail "cannot read the outbox after the cut"
    log "power cut ($sync): $(($(wc -l <"$confirmed") - before)) confirmed this round, $undone unsynced writes dropped, $lost confirmed records lost in all"
    echo "$lost"
}

init_checkpoint "$WORK/full" KAKAVIJE KAK-01
for _ in $(seq 1 "$CUTS"); do
    lost=$(cut "$WORK/full" FULL)
    [ "$lost" = 0 ] || fail "synchronous=FULL lost $lost confirmed records to a power cut"
done
[ "$(wc -l <"$WORK/confirmed-full")" -gt 0 ] || fail "no record was confirmed before the cuts"
checkpoint sync --once --data-dir "$WORK/full" 2>/dev/null || fail "sync after the power cuts failed"
assert_exactly_once "$WORK/full" KAK-01
[ "$(central_ids KAK-01 | wc -l)" -ge "$(wc -l <"$WORK/confirmed-full")" ] || fail "fewer records centrally than confirmed"

# The negative control: the same cuts with synchronous=NORMAL lose confirmed records.
init_checkpoint "$WORK/normal" KAKAVIJE KAK-02
lost=0
for _ in $(seq 1 3); do
    lost=$(cut "$WORK/normal" NORMAL)
    [ "$lost" -gt 0 ] && break
done
[ "$lost" -gt 0 ] || fail "the negative control lost nothing: the shim does not drop unsynced writes"
log "negative control: synchronous=NORMAL lost $lost confirmed records; FULL lost none"
