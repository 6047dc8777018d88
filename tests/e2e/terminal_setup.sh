#!/usr/bin/env bash
# Setting up terminals the way mistakes happen: a token for another checkpoint or device, a reused
# device id, text from a non-UTF-8 terminal, a record the centre refuses and its retry after a fix. Each
# is refused with a message naming the option, and nothing is written. A new data directory for a device
# the centre knows (a replaced terminal) is accepted: it records in a stream of its own.
source "$(dirname "$0")/lib.sh"

create_database
start_server
TOKEN=$(token device KAKAVIJE KAK-01)
url="http://127.0.0.1:$PORT"

# expect_refusal OPTION COMMAND...: exit code 2 and a message naming OPTION.
expect_refusal() {
    local option=$1
    shift
    local rc=0
    "$@" 2>"$WORK/err" >/dev/null || rc=$?
    [ $rc -eq 2 ] || fail "'$*' exited $rc, not 2"
    grep -q -- "$option" "$WORK/err" || fail "'$*' did not name $option: $(cat "$WORK/err")"
}

expect_refusal --device "$SERVER_BIN" token create --db "$DB_URL" --role device --checkpoint QAFTHANE --device KAK-01
expect_refusal --checkpoint checkpoint init --data-dir "$WORK/typo" --server "$url" --checkpoint KAKAVIJ --device KAK-01 --token "$TOKEN"
expect_refusal --device checkpoint init --data-dir "$WORK/typo" --server "$url" --checkpoint KAKAVIJE --device KAK-02 --token "$TOKEN"
expect_refusal --token checkpoint init --data-dir "$WORK/typo" --server "$url" --checkpoint KAKAVIJE --device KAK-01 --token wrong
[ ! -e "$WORK/typo/config.json" ] || fail "a refused init wrote a configuration"

checkpoint init --data-dir "$WORK/cp" --server "$url" --checkpoint KAKAVIJE --device KAK-01 --token "$TOKEN" 2>/dev/null
expect_refusal --surname checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number A1 --doc-country ALB \
    --nationality ALB --surname "$(printf '\307ELIK')" --birth-date 1980-01-01 --sex M
expect_refusal --birth-date checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number A1 --doc-country ALB \
    --nationality ALB --surname CELIK --birth-date 1980-02-30 --sex M
expect_refusal --mrz checkpoint record --data-dir "$WORK/cp" --direction entry \
    --mrz 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' --mrz 'L898902C36UTO7408122F1204158ZE184226B<<<<<10'
[ "$(status_field "$WORK/cp" last_seq)" = 0 ] || fail "a refused record was written"

checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number A1 --doc-country ALB --nationality ALB \
    --surname "$(printf '\303\207ELIK')" --birth-date 1980-01-01 --sex M >/dev/null
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "sync failed"
[ "$(sql "SELECT surname FROM crossings")" = "$(printf '\303\207ELIK')" ] || fail "the UTF-8 surname did not arrive intact"

# A new, empty data directory for KAK-01 (a replaced terminal) starts a new stream: its seq 1 collides
# with nothing.
checkpoint init --data-dir "$WORK/fresh" --server "$url" --checkpoint KAKAVIJE --device KAK-01 --token "$TOKEN" 2>/dev/null ||
    fail "init of a replacement terminal was refused"
checkpoint record --data-dir "$WORK/fresh" --direction entry --doc-number A2 --doc-country ALB --nationality ALB \
    --surname CELIK --birth-date 1980-01-01 --sex M >/dev/null
checkpoint sync --once --data-dir "$WORK/fresh" 2>/dev/null || fail "the replacement terminal's sync failed"
[ "$(sql "SELECT count(DISTINCT stream_id) FROM crossings WHERE device_id = 'KAK-01' AND seq = 1")" = 2 ] ||
    fail "the replacement's seq 1 is not in a stream of its own"

# A record the centre refuses (its id was used for other content) is set aside, and can be retried.
checkpoint record --data-dir "$WORK/cp" --direction exit --doc-number A1 --doc-country ALB --nationality ALB \
    --surname CELIK --birth-date 1980-01-01 --sex M >/dev/null
id=$(sqlite3 "$WORK/cp/outbox.db" "SELECT id FROM outbox WHERE seq = 2")
psql -q "$DB_URL" -c "UPDATE crossings SET id = '$id' WHERE seq = 1 AND device_id = 'KAK-01' AND stream_id = '$(status_field "$WORK/cp" stream_id)'" >/dev/null
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "sync with a refused record did not finish"
[ "$(status_field "$WORK/cp" rejected)" = 1 ] || fail "the refused record is not listed as rejected"
checkpoint status --data-dir "$WORK/cp" --json | grep_all '"code":"id_conflict"' || fail "status does not say why"
psql -q "$DB_URL" -c "DELETE FROM crossings WHERE id = '$id'" >/dev/null
[ "$(checkpoint retry-rejected --data-dir "$WORK/cp" 2>/dev/null)" = 1 ] || fail "retry-rejected did not queue it"
checkpoint sync --once --data-dir "$WORK/cp" 2>/dev/null || fail "the retry failed"
[ "$(status_field "$WORK/cp" rejected)" = 0 ] && [ "$(status_field "$WORK/cp" pending)" = 0 ] || fail "the retried record did not go through"
[ "$(sql "SELECT count(*) FROM crossings WHERE id = '$id'")" = 1 ] || fail "the retried record is not stored"
stop_server
