#!/usr/bin/env bash
# What others can see or change on a terminal and at the centre: the data directory is 0700 and its files
# (config, outbox and its -wal and -shm) 0600 whoever made the directory, a data directory others could
# write is refused; tokens and the database URL come from files or the environment, and a traveller from
# standard input, so that none of them shows in `ps`.
source "$(dirname "$0")/lib.sh"
umask 022  # what a careless shell gives

# --- the centre: --db-file -----------------------------------------------------------------------------
psql -q "$BORDERLOG_TEST_DB" -c "CREATE DATABASE $DB_NAME" >/dev/null
printf '%s\n' "$DB_URL" >"$WORK/db-url"
chmod 600 "$WORK/db-url"
"$SERVER_BIN" migrate --db-file "$WORK/db-url" 2>/dev/null || fail "migrate --db-file failed"
DEVICE_TOKEN=$("$SERVER_BIN" token create --db-file "$WORK/db-url" --role device --checkpoint KAKAVIJE --device KAK-01 2>/dev/null) ||
    fail "token create --db-file failed"
OPS_TOKEN=$(BORDERLOG_DB_FILE="$WORK/db-url" "$SERVER_BIN" token create --role operations --name ops 2>/dev/null) ||
    fail "token create with BORDERLOG_DB_FILE failed"
rc=0
"$SERVER_BIN" migrate --db "$DB_URL" --db-file "$WORK/db-url" 2>"$WORK/err" || rc=$?
[ $rc -eq 2 ] && grep -q -- '--db' "$WORK/err" || fail "--db with --db-file was not refused ($rc)"
rc=0
"$SERVER_BIN" migrate 2>"$WORK/err" || rc=$?
[ $rc -eq 2 ] && grep -q -- '--db-file' "$WORK/err" || fail "a missing --db does not name --db-file ($rc): $(cat "$WORK/err")"
start_server
url="http://127.0.0.1:$PORT"

# --- the terminal: files at rest ----------------------------------------------------------------------------
mode() { stat -c %a "$1"; }
mkdir -m 755 "$WORK/cp"  # made by someone else, readable by all
printf '%s\n' "$DEVICE_TOKEN" >"$WORK/device-token"
checkpoint init --data-dir "$WORK/cp" --server "$url" --checkpoint KAKAVIJE --device KAK-01 \
    --token-file "$WORK/device-token" 2>/dev/null || fail "init --token-file failed"
# The daemon holds the outbox open, so its -wal and -shm files stay to be looked at.
"$CHECKPOINT_BIN" run --data-dir "$WORK/cp" --poll-interval-ms 100 --log-level warn 2>"$WORK/daemon.log" &
DAEMON=$!
BACKGROUND_PIDS+=("$DAEMON")
echo '{"traveler":{"document_number":"SEC1","issuing_country":"ALB","nationality":"ALB","surname":"QUIET",
      "given_names":"NOT IN PS","birth_date":"1980-01-01","sex":"F"},"lane":"2"}' |
    checkpoint record --data-dir "$WORK/cp" --direction entry --stdin >/dev/null || fail "record --stdin failed"
stored() { [ "$(central_count)" = 1 ]; }
wait_until 30 "the daemon to sync the record" stored
[ "$(mode "$WORK/cp")" = 700 ] || fail "the data directory is $(mode "$WORK/cp"), not 700"
for f in config.json outbox.db outbox.db-wal outbox.db-shm; do
    [ -e "$WORK/cp/$f" ] || fail "$f is missing"
    [ "$(mode "$WORK/cp/$f")" = 600 ] || fail "$f is $(mode "$WORK/cp/$f"), not 600"
done
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the daemon did not stop cleanly"
[ "$(sql "SELECT surname || '/' || given_names || '/' || lane FROM crossings")" = "QUIET/NOT IN PS/2" ] ||
    fail "the record from standard input did not arrive as given"

# Something others could write is refused, with the reason; read access is taken back.
chmod 664 "$WORK/cp/outbox.db"
rc=0
checkpoint status --data-dir "$WORK/cp" >/dev/null 2>"$WORK/err" || rc=$?
[ $rc -ne 0 ] && grep -q "writable by others" "$WORK/err" || fail "a group-writable outbox was used ($rc)"
chmod 644 "$WORK/cp/outbox.db"
chmod 775 "$WORK/cp"
rc=0
checkpoint status --data-dir "$WORK/cp" >/dev/null 2>"$WORK/err" || rc=$?
[ $rc -ne 0 ] && grep -q "writable by others" "$WORK/err" || fail "a group-writable data directory was used ($rc)"
chmod 755 "$WORK/cp"
checkpoint status --data-dir "$WORK/cp" >/dev/null 2>&1 || fail "a readable (not writable) data directory was refused"
[ "$(mode "$WORK/cp")" = 700 ] && [ "$(mode "$WORK/cp/outbox.db")" = 600 ] || fail "read access was not taken back"

# --- the token from the environment -------------------------------------------------------------------------
BORDERLOG_TOKEN="$DEVICE_TOKEN" checkpoint init --data-dir "$WORK/env" --server "$url" --checkpoint KAKAVIJE \
    --device KAK-01 2>/dev/null || fail "init with BORDERLOG_TOKEN failed"
rc=0
checkpoint init --data-dir "$WORK/both" --server "$url" --checkpoint KAKAVIJE --device KAK-01 \
    --token "$DEVICE_TOKEN" --token-file "$WORK/device-token" 2>"$WORK/err" || rc=$?
[ $rc -eq 2 ] && grep -q -- '--token-file' "$WORK/err" || fail "--token with --token-file was not refused"

# --- record --stdin: bad input is refused naming where it came from ----------------------------------------
expect_usage() { # expect_usage WORD STDIN ARGS...
    local word=$1 input=$2
    shift 2
    local rc=0
    echo "$input" | checkpoint record --data-dir "$WORK/cp" "$@" >/dev/null 2>"$WORK/err" || rc=$?
    [ $rc -eq 2 ] && grep -q -- "$word" "$WORK/err" || fail "record $* with '$input' exited $rc: $(cat "$WORK/err")"
}
traveler='"traveler":{"document_number":"SEC2","issuing_country":"ALB","nationality":"ALB","surname":"A","birth_date":"1980-01-01","sex":"F"}'
expect_usage "--stdin: traveler.birth_date" "{${traveler/1980-01-01/1980-02-30}}" --direction exit --stdin
expect_usage "--stdin: id is not a field" "{\"id\":\"x\",$traveler}" --direction exit --stdin
expect_usage "--doc-number: the traveller is also given" "{$traveler}" --direction exit --stdin --doc-number X1
expect_usage "--direction" "{$traveler}" --stdin
expect_usage "--stdin" "not json" --direction exit --stdin
[ "$(status_field "$WORK/cp" last_seq)" = 1 ] || fail "a refused record was written"
echo "{\"direction\":\"exit\",$traveler}" | checkpoint record --data-dir "$WORK/cp" --stdin >/dev/null ||
    fail "record with the direction on standard input failed"
# A passport scan on standard input: the traveller is read from its MRZ, check digits verified.
printf '%s' '{"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}' |
    checkpoint record --data-dir "$WORK/cp" --direction entry --stdin --json >"$WORK/mrz.json" || fail "record of an MRZ on stdin failed"
grep -q '"surname":"ERIKSSON"' "$WORK/mrz.json" || fail "the traveller was not read from the MRZ"
expect_usage "--stdin: line 2 position" '{"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204158ZE184226B<<<<<10"}' \
    --direction entry --stdin

# --- borderlogctl --token-file --------------------------------------------------------------------------------
printf '%s\n' "$OPS_TOKEN" >"$WORK/ops-token"
ctl --token-file "$WORK/ops-token" crossings list >/dev/null || fail "borderlogctl --token-file failed"
BORDERLOG_TOKEN="$OPS_TOKEN" ctl crossings list >/dev/null || fail "borderlogctl with BORDERLOG_TOKEN failed"
stop_server
