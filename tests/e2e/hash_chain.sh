#!/usr/bin/env bash
# Tamper evidence, end to end: two real checkpoints record (typed, from an MRZ, imported, imported from a
# paper register) and sync; `borderlog-server verify` finds every chain intact and exits 0. Then, as the
# database owner with plain psql: a row's surname is altered; another row is altered together with its
# JSON record and a record_hash recomputed to fit (the careful attacker); a row is deleted. verify names
# each one by device, stream, seq and id and exits 3. A record sent with a hash that does not fit its
# content is stored and shown to operators as an anomaly chain_break.
# The canonical form is computed here again, independently, in Python, from docs/security.md's
# description: a second reading of the specification.
source "$(dirname "$0")/lib.sh"

create_database
start_server
OPS=$(token operations)
url="http://127.0.0.1:$PORT"

record() { # record DIR DOC
    checkpoint record --data-dir "$1" --direction entry --doc-number "$2" --doc-country ALB --nationality ALB \
        --surname TEST --birth-date 1985-03-03 --sex F >/dev/null
}
verify() { "$SERVER_BIN" verify --db "$DB_URL" "$@"; }

log "two checkpoints record by every path and sync"
init_checkpoint "$WORK/a" KAKAVIJE KAK-01
init_checkpoint "$WORK/b" KAKAVIJE KAK-02
for i in 1 2 3; do record "$WORK/a" "A$i"; done
checkpoint record --data-dir "$WORK/a" --direction exit \
    --mrz 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' --mrz 'L898902C36UTO7408122F1204159ZE184226B<<<<<10' \
    >/dev/null 2>&1 || fail "record --mrz failed"
gen_jsonl 4 "$WORK/lines.jsonl" CHAIN
checkpoint import --data-dir "$WORK/a" "$WORK/lines.jsonl" >/dev/null 2>&1 || fail "import failed"
for i in 1 2 3; do record "$WORK/b" "B$i"; done
gen_jsonl 3 "$WORK/paper.jsonl" PAPER
checkpoint import --data-dir "$WORK/b" --paper-ref "KAK-REG-7" "$WORK/paper.jsonl" >/dev/null 2>&1 ||
    fail "import --paper-ref failed"
checkpoint sync --once --data-dir "$WORK/a" 2>/dev/null || fail "the sync of KAK-01 failed"
checkpoint sync --once --data-dir "$WORK/b" 2>/dev/null || fail "the sync of KAK-02 failed"
[ "$(central_count)" = 14 ] || fail "PostgreSQL holds $(central_count) rows, not 14"

log "every record arrived chained, and the chain is the one the outbox holds"
[ "$(sql "SELECT count(*) FROM crossings WHERE record_hash IS NULL OR prev_hash IS NULL")" = 0 ] ||
    fail "records were stored without their chain"
for dir in a b; do
    sqlite3 "$WORK/$dir/outbox.db" "SELECT id || '|' || prev_hash || '|' || hash FROM outbox ORDER BY id" >"$WORK/$dir.local"
done
cat "$WORK/a.local" "$WORK/b.local" | sort >"$WORK/local.chain"
sql "SELECT id || '|' || prev_hash || '|' || record_hash FROM crossings ORDER BY id" | sort >"$WORK/central.chain"
diff -q "$WORK/local.chain" "$WORK/central.chain" >/dev/null ||
    fail "the centre's chain is not the checkpoints' ($(diff "$WORK/local.chain" "$WORK/central.chain" | head -4))"

# The record hash of core/record_hash.hpp, from a stored JSON record and a prev_hash.
cat >"$WORK/record_hash.py" <<'PY'
import hashlib, json, struct, sys

def record_hash(record, prev_hash):
    out = bytearray()
    def put(text):
        data = text.encode("utf-8")
        out.extend(struct.pack(">I", len(data)) + data)
    t = record["traveler"]
    tr = record.get("transport", {})
    put("borderlog-record-v1")
    for value in (record["id"], record["device_id"], record.get("stream_id", ""), str(record["seq"]),
                  record["checkpoint_id"], record.get("lane", ""), record["direction"], record["occurred_at"],
                  record.get("officer_id", ""), t.get("document_type", ""), t["document_number"],
                  t["issuing_country"], t["nationality"], t["surname"], t.get("given_names", ""), t["birth_date"],
                  t["sex"], t.get("expiry_date", "")):
        put(value)
    if "mrz" in record:
        put(record["mrz"])
    else:
        out.extend(b"\xff\xff\xff\xff")
    put(tr.get("mode", ""))
    put(tr.get("vehicle_plate", ""))
    put("1" if record.get("recorded_offline") else "0")
    flags = record.get("flags", [])
    put(str(len(flags)))
    for f in flags:
        put(f)
    put(record.get("paper_ref", ""))
    put(str(record.get("watchlist_version", 0)))
    put(prev_hash)
    return hashlib.sha256(bytes(out)).hexdigest()

if __name__ == "__main__":
    for line in sys.stdin:
        record_text, prev_hash, stored = line.rstrip("\n").split("\t")
        print("ok" if record_hash(json.loads(record_text), prev_hash) == stored else "differs")
PY
sql "SELECT record::text || E'\t' || prev_hash || E'\t' || record_hash FROM crossings" |
    python3 "$WORK/record_hash.py" | sort | uniq -c >"$WORK/independent"
grep -q "14 ok" "$WORK/independent" || fail "the documented canonical form does not give the stored hashes: $(cat "$WORK/independent")"

log "verify finds every chain intact"
rc=0
verify >"$WORK/clean.out" 2>"$WORK/clean.err" || rc=$?
[ $rc = 0 ] || fail "verify exited $rc on untouched chains: $(cat "$WORK/clean.out" "$WORK/clean.err")"
grep -qx "verify: 2 streams, 14 records checked, 0 altered, 0 removed, 0 unchained" "$WORK/clean.out" ||
    fail "verify's summary is not as expected: $(cat "$WORK/clean.out")"
anomalies=$(curl -sf -H "Authorization: Bearer $OPS" "$url/api/v1/anomalies?kind=chain_break") ||
    fail "GET /api/v1/anomalies failed"
echo "$anomalies" | grep_all '"anomalies":\[\]' || fail "a clean chain was flagged: $anomalies"

log "the database owner alters and deletes rows with plain SQL"
stream_a=$(status_field "$WORK/a" stream_id)
stream_b=$(status_field "$WORK/b" stream_id)
id_of() { sql "SELECT id FROM crossings WHERE device_id = '$1' AND seq = $2"; }
altered_id=$(id_of KAK-01 2)
forged_id=$(id_of KAK-01 5)
deleted_id=$(id_of KAK-02 3)
sql "UPDATE crossings SET surname = 'SOMEONE ELSE' WHERE id = '$altered_id'" >/dev/null
# The careful attacker: the column, the JSON record and a record_hash recomputed to fit them.
forged_record=$(sql "SELECT jsonb_set(record, '{traveler,surname}', '\"SOMEONE ELSE\"')::text FROM crossings WHERE id = '$forged_id'")
forged_prev=$(sql "SELECT prev_hash FROM crossings WHERE id = '$forged_id'")
forged_hash=$(python3 -c '
import json, sys
sys.path.insert(0, sys.argv[3])
from record_hash import record_hash
print(record_hash(json.loads(sys.argv[1]), sys.argv[2]))' "$forged_record" "$forged_prev" "$WORK")
psql -qtAX "$DB_URL" -v rec="$forged_record" -v hash="$forged_hash" -v id="$forged_id" >/dev/null <<'SQL'
UPDATE crossings SET surname = 'SOMEONE ELSE', record = :'rec'::jsonb, record_hash = :'hash' WHERE id = :'id';
SQL
[ "$(sql "SELECT surname FROM crossings WHERE id = '$forged_id'")" = "SOMEONE ELSE" ] || fail "the forgery did not take"
sql "DELETE FROM crossings WHERE id = '$deleted_id'" >/dev/null

log "verify names each of them"
rc=0
verify >"$WORK/found.out" 2>"$WORK/found.err" || rc=$?
[ $rc = 3 ] || fail "verify exited $rc, not 3, after tampering: $(cat "$WORK/found.out" "$WORK/found.err")"
grep -qx "altered device=KAK-01 stream=$stream_a seq=2 id=$altered_id reason=hash_mismatch" "$WORK/found.out" ||
    fail "verify did not name the altered row: $(cat "$WORK/found.out")"
grep -qx "altered device=KAK-01 stream=$stream_a seq=5 id=$forged_id reason=successor_prev_hash_mismatch" "$WORK/found.out" ||
    fail "verify did not name the row altered with its hash: $(cat "$WORK/found.out")"
grep -qx "removed device=KAK-02 stream=$stream_b seq=3 id=- reason=seq_gap" "$WORK/found.out" ||
    fail "verify did not name the deleted row: $(cat "$WORK/found.out")"
grep -qx "verify: 2 streams, 13 records checked, 2 altered, 1 removed, 0 unchained" "$WORK/found.out" ||
    fail "verify's summary is not as expected: $(cat "$WORK/found.out")"
[ "$(grep -c . "$WORK/found.out")" = 4 ] || fail "verify named more than was done: $(cat "$WORK/found.out")"

verify --json >"$WORK/found.json" || rc=$?
python3 - "$WORK/found.json" "$deleted_id" <<'PY' || fail "verify --json is not as expected: $(cat "$WORK/found.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["streams"], r["checked"], r["altered"], r["removed"], r["unchained"], r["clean"]) == (2, 13, 2, 1, 0, False), r
assert sorted((f["kind"], f["device_id"], f["seq"]) for f in r["findings"]) == [
    ("altered", "KAK-01", 2), ("altered", "KAK-01", 5), ("removed", "KAK-02", 3)], r["findings"]
PY
rc=0
verify --device KAK-02 >"$WORK/b.out" || rc=$?
[ $rc = 3 ] && grep -qx "verify: 1 streams, 5 records checked, 0 altered, 1 removed, 0 unchained" "$WORK/b.out" ||
    fail "verify --device KAK-02 did not keep to that device: $(cat "$WORK/b.out")"

log "verify exits 1 when it cannot check, 2 for a wrong option"
rc=0
"$SERVER_BIN" verify --db "postgresql://127.0.0.1:1/nothing" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "verify without a database exited $rc, not 1"
rc=0
verify --device 'not a device' >/dev/null 2>"$WORK/opt.err" || rc=$?
[ $rc = 2 ] && grep -q -- "--device" "$WORK/opt.err" || fail "a wrong --device exited $rc: $(cat "$WORK/opt.err")"

log "a record whose hash does not fit its content is stored and flagged chain_break"
DEV3=$(token device KAKAVIJE KAK-03)
zeros=0000000000000000000000000000000000000000000000000000000000000000
bad=$(curl -s -o "$WORK/post.json" -w '%{http_code}' -H "Authorization: Bearer $DEV3" -H 'Content-Type: application/json' \
    "$url/api/v1/crossings" -d '{"id":"01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77","device_id":"KAK-03","seq":1,
    "stream_id":"01936f1e-0000-7000-8000-000000000003","checkpoint_id":"KAKAVIJE","direction":"entry",
    "occurred_at":"2026-11-27T10:42:05.123Z","traveler":{"document_number":"X1","issuing_country":"ALB",
    "nationality":"ALB","surname":"TEST","birth_date":"1985-03-03","sex":"F"},"recorded_offline":false,
    "prev_hash":"'$zeros'","hash":"'${zeros%0}1'"}')
[ "$bad" = 201 ] || fail "a record with a wrong hash was answered $bad, not 201: $(cat "$WORK/post.json")"
anomalies=$(curl -sf -H "Authorization: Bearer $OPS" "$url/api/v1/anomalies?kind=chain_break")
python3 - "$anomalies" <<'PY' || fail "the break is not listed as an anomaly: $anomalies"
import json, sys
a = json.loads(sys.argv[1])["anomalies"]
assert len(a) == 1 and a[0]["crossing_id"] == "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77" and a[0]["device_id"] == "KAK-03", a
assert a[0]["detail"]["reasons"] == ["hash_mismatch"], a[0]["detail"]
PY
malformed=$(curl -s -o "$WORK/malformed.json" -w '%{http_code}' -H "Authorization: Bearer $DEV3" \
    -H 'Content-Type: application/json' "$url/api/v1/crossings" -d '{"id":"01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e78",
    "device_id":"KAK-03","seq":2,"checkpoint_id":"KAKAVIJE","direction":"entry","occurred_at":"2026-11-27T10:42:05.123Z",
    "traveler":{"document_number":"X1","issuing_country":"ALB","nationality":"ALB","surname":"TEST",
    "birth_date":"1985-03-03","sex":"F"},"prev_hash":"'$zeros'","hash":"NOT-HEX"}')
[ "$malformed" = 400 ] && grep -q '"field":"hash"' "$WORK/malformed.json" ||
    fail "a malformed hash was answered $malformed: $(cat "$WORK/malformed.json")"

stop_server
log "passed"
