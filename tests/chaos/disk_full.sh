#!/usr/bin/env bash
# Chaos: the checkpoint's disk fills up. Its data directory lives on a small tmpfs (mounted by the
# test as root; where mounting is not allowed, the VFS shim of power_loss.sh fails every write with
# SQLITE_FULL instead, and the test says which; BORDERLOG_CHAOS_DISK=vfs picks the shim on purpose).
# With the disk full, `record` and `import` fail with a clear error and record nothing; everything
# confirmed before is intact and still syncs; once there is room again recording goes on, and
# PostgreSQL ends with exactly the confirmed records.
source "$(dirname "$0")/../e2e/lib.sh"

create_database
start_server
DISK="$WORK/disk"
mkdir -p "$DISK"
SHIM="$BORDERLOG_BIN_DIR/tests/chaos/libborderlog_power_cut_vfs.so"
PRELOAD=()
if [ "${BORDERLOG_CHAOS_DISK:-tmpfs}" = tmpfs ] && mount -t tmpfs -o size=16m,mode=0700 tmpfs "$DISK" 2>/dev/null; then
    MODE=tmpfs
    trap 'rc=$?; set +e; umount -l "$DISK" 2>/dev/null; (exit $rc); cleanup' EXIT
else
    MODE=vfs
    PRELOAD=(env LD_PRELOAD="$SHIM" BORDERLOG_VFS_FULL_FLAG="$WORK/disk-full")
fi
log "the full disk is a $MODE"
fill_disk() {
    if [ $MODE = tmpfs ]; then
        dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null || true
        [ "$(df --output=avail -k "$DISK" | tail -n 1)" -lt 64 ] || fail "the tmpfs did not fill"
    else
        touch "$WORK/disk-full"
    fi
}
free_disk() { rm -f "$DISK/filler" "$WORK/disk-full"; }
rec() {
    printf '{"traveler":{"document_number":"%s","issuing_country":"ALB","nationality":"ALB","surname":"FULL","birth_date":"1980-01-01","sex":"F"}}' "$1" |
        "${PRELOAD[@]}" "$CHECKPOINT_BIN" record --data-dir "$DISK/cp" --direction entry --stdin
}

init_checkpoint "$DISK/cp" KAKAVIJE KAK-01
"${PRELOAD[@]}" "$CHECKPOINT_BIN" run --data-dir "$DISK/cp" --poll-interval-ms 100 --backoff-base-ms 100 --backoff-cap 1 \
    --heartbeat-interval 1 2>"$WORK/daemon.log" &
DAEMON=$!
BACKGROUND_PIDS+=($DAEMON)
for i in $(seq 1 30); do rec "SYNCED$i" >>"$WORK/confirmed" || fail "record failed before the disk filled"; done
wait_until 30 "the first records to sync" is_now 0 status_field "$DISK/cp" pending
kill_server
for i in $(seq 1 30); do rec "PENDING$i" >>"$WORK/confirmed" || fail "record failed before the disk filled"; done

fill_disk
rc=0
rec "REFUSED1" >"$WORK/refused.out" 2>"$WORK/refused.err" || rc=$?
[ $rc != 0 ] || fail "record succeeded on a full disk"
[ ! -s "$WORK/refused.out" ] || fail "record printed an id on a full disk: $(cat "$WORK/refused.out")"
grep -qi "full\|no space" "$WORK/refused.err" || fail "record's error does not say the disk is full: $(cat "$WORK/refused.err")"
log "record on a full disk: exit $rc, $(head -c 200 "$WORK/refused.err")"
gen_jsonl 20 "$WORK/more.jsonl" FULLIMP
cp "$WORK/more.jsonl" "$WORK/more-copy.jsonl"  # the import file lives elsewhere; only the outbox is full
rc=0
"${PRELOAD[@]}" "$CHECKPOINT_BIN" import --data-dir "$DISK/cp" "$WORK/more.jsonl" >/dev/null 2>"$WORK/import.err" || rc=$?
[ $rc != 0 ] || fail "import succeeded on a full disk"
# The server comes back while the disk is still full: the daemon cannot note acknowledgements, and
# must not lose or double anything for it.
start_server
sleep 3
kill -0 "$DAEMON" 2>/dev/null || log "the daemon exited on the full disk (a supervisor restarts it)"

free_disk
[ "$(sqlite3 "$DISK/cp/outbox.db" "PRAGMA integrity_check")" = ok ] || fail "the outbox is corrupt after the disk was full"
while read -r id; do
    [ "$(sqlite3 "$DISK/cp/outbox.db" "SELECT count(*) FROM outbox WHERE id = '$id'")" = 1 ] ||
        fail "confirmed record $id is gone after the disk was full"
done <"$WORK/confirmed"
[ "$(sqlite3 "$DISK/cp/outbox.db" "SELECT count(*) FROM outbox WHERE body LIKE '%REFUSED1%'")" = 0 ] ||
    fail "the record refused on the full disk was kept"
rec "AFTER1" >>"$WORK/confirmed" || fail "record failed once there was room again"
"${PRELOAD[@]}" "$CHECKPOINT_BIN" import --data-dir "$DISK/cp" "$WORK/more-copy.jsonl" >/dev/null ||
    fail "import failed once there was room again"
if ! kill -0 "$DAEMON" 2>/dev/null; then
    "$CHECKPOINT_BIN" run --data-dir "$DISK/cp" --poll-interval-ms 100 --backoff-base-ms 100 --backoff-cap 1 2>>"$WORK/daemon.log" &
    BACKGROUND_PIDS+=($!)
fi
wait_until 60 "everything to sync" is_now 0 status_field "$DISK/cp" pending
[ "$(central_ids KAK-01 | wc -l)" = $(($(wc -l <"$WORK/confirmed") + 20)) ] ||
    fail "PostgreSQL holds $(central_ids KAK-01 | wc -l) records, not the $(($(wc -l <"$WORK/confirmed") + 20)) confirmed"
assert_exactly_once "$DISK/cp" KAK-01
