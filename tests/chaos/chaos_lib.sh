# The chaos suite's shared part: a fleet of checkpoints (each with its daemon) fed with records while a
# fault goes on, then drained, then checked: PostgreSQL holds exactly the records the checkpoints
# confirmed, once each, with the content each checkpoint recorded. Sourced after tests/e2e/lib.sh.
#
# Sizes (environment): BORDERLOG_CHAOS_DEVICES (10), BORDERLOG_CHAOS_RECORDS per checkpoint (300 in
# CI; the issue's size is 5000), BORDERLOG_CHAOS_SECONDS of faults (12; records keep arriving the
# whole time). docs/fuzzing.md#chaos has the command for the full sizes.

DEVICES=${BORDERLOG_CHAOS_DEVICES:-10}
RECORDS=${BORDERLOG_CHAOS_RECORDS:-300}
FAULT_SECONDS=${BORDERLOG_CHAOS_SECONDS:-12}
CHUNKS=6  # each checkpoint's records arrive in this many imports spread over the fault
FEED_PIDS=()

device_of() { printf 'CHX-%02d' "$1"; }
checkpoint_of() { printf 'CP-%02d' $(((($1 - 1) / 2) + 1)); }  # two devices per checkpoint
dir_of() { echo "$WORK/dev-$1"; }

# The checkpoints' records: RECORDS distinct crossings each, occurring now by the clock of whoever
# runs this (so that a checkpoint under faketime records in its own time), in CHUNKS files.
make_records() {
    local i=$1 prefix
    prefix=$(printf 'C%02dX' "$i")
    mkdir -p "$WORK/feed-$i"
    ${CLOCK_OF[$i]:-} python3 - "$RECORDS" "$prefix" "$CHUNKS" "$WORK/feed-$i" <<'PY'
import datetime, json, sys
n, prefix, chunks, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
now = datetime.datetime.now(datetime.timezone.utc)
files = [open(f"{out}/{c:02d}.jsonl", "w") for c in range(chunks)]
for i in range(1, n + 1):
    at = (now - datetime.timedelta(seconds=n - i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    files[i * chunks // (n + 1)].write(json.dumps({
        "direction": "entry" if i % 2 else "exit", "occurred_at": at, "lane": str(i % 4 + 1),
        "traveler": {"document_type": "P", "document_number": f"{prefix}{i:07d}", "issuing_country": "ALB",
                     "nationality": "ALB", "surname": "CHAOS", "given_names": f"NUMBER {i}",
                     "birth_date": "1980-01-01", "sex": "F"}}) + "\n")
PY
}

# setup_fleet URL [init options]: a token, a data directory and the records of every checkpoint.
declare -a CLOCK_OF  # a command prefix per device (faketime), empty by default
setup_fleet() {
    local url=$1 i
    shift
    for i in $(seq 1 "$DEVICES"); do
        ${CLOCK_OF[$i]:-} "$CHECKPOINT_BIN" init --data-dir "$(dir_of "$i")" --server "$url" \
            --checkpoint "$(checkpoint_of "$i")" --device "$(device_of "$i")" \
            --token "$(token device "$(checkpoint_of "$i")" "$(device_of "$i")")" "$@" 2>/dev/null ||
            fail "init of $(device_of "$i") failed"
        make_records "$i"
    done
}

# Every checkpoint's daemon, quick to retry (and `$@` added to each).
start_daemons() {
    local i
    for i in $(seq 1 "$DEVICES"); do
        ${CLOCK_OF[$i]:-} "$CHECKPOINT_BIN" run --data-dir "$(dir_of "$i")" --heartbeat-interval 2 --poll-interval-ms 200 \
            --backoff-base-ms 100 --backoff-cap 1 --timeout 5 --reconcile-interval 3 "$@" 2>>"$WORK/daemon-$i.log" &
        BACKGROUND_PIDS+=($!)
    done
}

# The records arrive while the fault goes on: each checkpoint imports its chunks over FAULT_SECONDS.
feed_records() {
    local i
    for i in $(seq 1 "$DEVICES"); do
        (
            for chunk in "$WORK/feed-$i"/*.jsonl; do
                ${CLOCK_OF[$i]:-} "$CHECKPOINT_BIN" import --data-dir "$(dir_of "$i")" "$chunk" >/dev/null 2>>"$WORK/feed-$i.log" ||
                    exit 1
                sleep "$(python3 -c "print($FAULT_SECONDS / $CHUNKS)")"
            done
        ) &
        FEED_PIDS+=($!)
    done
}

wait_fed() {
    local pid
    for pid in "${FEED_PIDS[@]}"; do wait "$pid" || fail "an import failed (see $WORK/feed-*.log)"; done
    FEED_PIDS=()
}

fleet_pending() {
    local i total=0 n
    for i in $(seq 1 "$DEVICES"); do
        n=$(sqlite3 "$(dir_of "$i")/outbox.db" "SELECT count(*) FROM outbox WHERE state = 0") || return 1
        total=$((total + n))
    done
    echo "$total"
}
fleet_drained() { [ "$(fleet_pending)" = 0 ] && [ "$(central_count)" = $((DEVICES * RECORDS)) ]; }

# wait_drained SECONDS: everything sent and stored, or the test fails saying where things stand.
wait_drained() {
    local deadline=$((SECONDS + $1))
    until fleet_drained 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            fail "not drained after $1 s: $(fleet_pending) pending, $(central_count) of $((DEVICES * RECORDS)) stored"
        fi
        sleep 0.5
    done
}

# Every checkpoint's records are in PostgreSQL exactly once, with the content the checkpoint recorded,
# and PostgreSQL holds nothing else.
assert_fleet_exactly_once() {
    local i dev
    local dupes
    dupes=$(sql "SELECT count(*) - count(DISTINCT id) + count(*) - count(DISTINCT (device_id, stream_id, seq)) FROM crossings")
    [ "$dupes" = 0 ] || fail "PostgreSQL holds duplicates"
    for i in $(seq 1 "$DEVICES"); do
        dev=$(device_of "$i")
        [ "$(sqlite3 "$(dir_of "$i")/outbox.db" "SELECT count(*) FROM outbox")" = "$RECORDS" ] ||
            fail "$dev holds $(sqlite3 "$(dir_of "$i")/outbox.db" "SELECT count(*) FROM outbox") records, not $RECORDS"
        sqlite3 -separator ' ' "$(dir_of "$i")/outbox.db" "SELECT id, body FROM outbox ORDER BY id" >"$WORK/local-$i.txt"
        # The record's content and its link in the stream's hash chain, as the outbox holds them.
        psql -qtAX -F ' ' "$DB_URL" -c "SELECT id, (record || jsonb_strip_nulls(jsonb_build_object(
                'prev_hash', prev_hash, 'hash', record_hash)))::text FROM crossings WHERE device_id = '$dev' ORDER BY id" \
            >"$WORK/central-$i.txt"
        python3 - "$WORK/local-$i.txt" "$WORK/central-$i.txt" "$dev" <<'PY' || fail "$dev: PostgreSQL does not hold exactly its records"
import json, sys
def load(path):
    out = {}
    for line in open(path):
        if line.strip():
            rid, body = line.rstrip("\n").split(" ", 1)
            out[rid] = json.loads(body)
    return out
local, central, dev = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
missing, extra = local.keys() - central.keys(), central.keys() - local.keys()
if missing or extra:
    sys.exit(f"{dev}: {len(missing)} confirmed records missing centrally, {len(extra)} central records unknown locally")
changed = [rid for rid in local if local[rid] != central[rid]]
if changed:
    sys.exit(f"{dev}: {len(changed)} records stored with other content than recorded, e.g. {changed[0]}")
PY
    done
    "$SERVER_BIN" verify --db "$DB_URL" >"$WORK/verify.out" 2>&1 ||
        fail "verify found the stored chains broken: $(tail -5 "$WORK/verify.out")"
    log "PostgreSQL holds exactly the $((DEVICES * RECORDS)) confirmed records, once each, as recorded, chains intact"
}
