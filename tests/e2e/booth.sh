#!/usr/bin/env bash
# The booth without a browser: `record --mrz` refuses a wrong check digit naming its field (exit 2) and
# `--force` records it flagged mrz_invalid; the watchlist copy pulled by `sync --once` screens a
# traveller offline (the hit on stderr, the list's version stamped on the record); the officer screen's
# local API refuses calls without the page's token, from another Origin or for another Host, and sends
# no CORS headers; --ui-listen off loopback needs --ui-allow-remote.
source "$(dirname "$0")/lib.sh"

# `record` takes the zone one line per --mrz.
LINE1='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<'
SPECIMEN=(--mrz "$LINE1" --mrz 'L898902C36UTO7408122F1204159ZE184226B<<<<<10')
MISPRINTED=(--mrz "$LINE1" --mrz 'L898902C37UTO7408122F1204159ZE184226B<<<<<10')

create_database
start_server
ADMIN=$(token admin)
printf '%s\n' 'document_number,issuing_country,surname,given_names,birth_date,reason,action' \
    ',,Müller,Hans,1970-01-31,Interpol notice,refer' >"$WORK/list.csv"
ctl --token "$ADMIN" watchlist load "$WORK/list.csv" >/dev/null
DATA="$WORK/KAK-01"
init_checkpoint "$DATA" KAKAVIJE KAK-01
[ "$(status_field "$DATA" watchlist_version)" = null ] || fail "a new terminal claims a watchlist copy"
checkpoint sync --once --data-dir "$DATA" 2>/dev/null
[ "$(status_field "$DATA" watchlist_version)" = 1 ] || fail "sync --once did not pull the watchlist"
[ "$(status_field "$DATA" watchlist_entries)" = 1 ] || fail "the copy does not hold the list's entry"
checkpoint status --data-dir "$DATA" --json | python3 -c '
import json, sys
w = json.load(sys.stdin)["watchlist"]
assert w["version"] == 1 and w["entries"] == 1 and w["checked_at"] and 0 <= w["age_s"] < 60, w' \
    || fail "status --json does not describe the watchlist copy"

log "a wrong check digit is refused, naming the field"
rc=0
checkpoint record --data-dir "$DATA" --direction entry "${MISPRINTED[@]}" 2>"$WORK/refused.err" || rc=$?
[ $rc -eq 2 ] || fail "record --mrz with a wrong check digit exited $rc, not 2"
grep -q -- "--mrz" "$WORK/refused.err" && grep -q "document_number" "$WORK/refused.err" && grep -q -- "--force" "$WORK/refused.err" \
    || fail "the refusal does not name the option, the field and --force: $(cat "$WORK/refused.err")"
[ "$(status_field "$DATA" last_seq)" = 0 ] || fail "a refused record was stored"

log "--force records it as read, flagged mrz_invalid"
forced=$(checkpoint record --data-dir "$DATA" --direction entry "${MISPRINTED[@]}" --force --json 2>/dev/null)
python3 - "$forced" <<'PY' || fail "the forced record is not as read and flagged: $forced"
import json, sys
x = json.loads(sys.argv[1])
assert x["flags"] == ["mrz_invalid"], x["flags"]
assert "L898902C37UTO" in x["mrz"], x["mrz"]
assert x["traveler"]["document_number"] == "L898902C3"
assert x["watchlist_version"] == 1, x.get("watchlist_version")
PY
plain=$(checkpoint record --data-dir "$DATA" --direction exit "${SPECIMEN[@]}" --force --json 2>/dev/null)
python3 -c 'import json, sys; assert "flags" not in json.loads(sys.argv[1]) or json.loads(sys.argv[1])["flags"] == []' "$plain" \
    || fail "--force flagged a correct MRZ: $plain"
rc=0
checkpoint record --data-dir "$DATA" --direction entry --doc-number X1 --doc-country ALB --nationality ALB \
    --surname A --birth-date 1990-01-01 --sex F --force 2>"$WORK/force-alone.err" || rc=$?
[ $rc -eq 2 ] && grep -q -- "--force" "$WORK/force-alone.err" || fail "--force without an MRZ was not refused naming --force"

log "offline, the local copy still screens: the hit on stderr, the version on the record"
kill_server
hit=$(checkpoint record --data-dir "$DATA" --direction entry --doc-number C01X00T47 --doc-country D --nationality D \
    --surname MUELLER --given-names HANS --birth-date 1970-01-31 --sex M --json 2>"$WORK/hit.err")
grep -q "WATCHLIST HIT: refer: Interpol notice" "$WORK/hit.err" && grep -q "watchlist version 1, 1 entries" "$WORK/hit.err" \
    || fail "the watchlist hit was not told on stderr: $(cat "$WORK/hit.err")"
python3 -c 'import json, sys; x = json.loads(sys.argv[1]); assert x["watchlist_version"] == 1 and x["recorded_offline"]' "$hit" \
    || fail "the offline record does not carry the list's version: $hit"
checkpoint record --data-dir "$DATA" --direction entry --doc-number C01X00T48 --doc-country D --nationality D \
    --surname MULLERSON --given-names HANS --birth-date 1970-01-31 --sex M 2>"$WORK/nohit.err" >/dev/null
! grep -q "WATCHLIST HIT" "$WORK/nohit.err" || fail "a name containing the listed one was taken for it"

log "the officer screen's local API is guarded"
rc=0
checkpoint run --data-dir "$DATA" --ui-listen 0.0.0.0:0 2>"$WORK/remote.err" || rc=$?
[ $rc -eq 2 ] && grep -q -- "--ui-listen" "$WORK/remote.err" && grep -q -- "--ui-allow-remote" "$WORK/remote.err" \
    || fail "--ui-listen on all addresses was not refused (exit $rc): $(cat "$WORK/remote.err")"
"$CHECKPOINT_BIN" run --data-dir "$DATA" --ui-listen 127.0.0.1:0 --backoff-cap 1 2>"$WORK/daemon.log" &
BACKGROUND_PIDS+=($!)
wait_until 30 "the officer screen to listen" grep -q '"event":"ui_listening"' "$WORK/daemon.log"
UI=$(grep '"event":"ui_listening"' "$WORK/daemon.log" | head -n 1 | sed 's/.*"address":"\([^"]*\)".*/\1/')
curl -s -D "$WORK/page.head" -o "$WORK/page.html" "http://$UI/"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" "$WORK/page.head" || fail "the page has no strict CSP"
! grep -qi "^access-control-" "$WORK/page.head" || fail "the page sends CORS headers"
TOKEN=$(sed -n 's/.*name="borderlog-token" content="\([^"]*\)".*/\1/p' "$WORK/page.html")
[ ${#TOKEN} -ge 32 ] || fail "the page carries no token"
status() { curl -s -o "$WORK/answer.json" -w '%{http_code}' "$@"; }
[ "$(status "http://$UI/local/v1/state")" = 403 ] || fail "a call without the token was answered"
[ "$(status -H "X-Borderlog-Token: $TOKEN" "http://$UI/local/v1/state")" = 200 ] || fail "the page's own call was refused"
[ "$(status -H "X-Borderlog-Token: $TOKEN" -H "Host: evil.example:${UI##*:}" "http://$UI/local/v1/state")" = 400 ] \
    || fail "a call for another Host (DNS rebinding) was answered"
post() { status -X POST -H "X-Borderlog-Token: $TOKEN" -H "Content-Type: application/json" "$@"; }
body='{"direction":"entry","mrz":"'"$LINE1"'\nL898902C37UTO7408122F1204159ZE184226B<<<<<10"}'
[ "$(post -H "Origin: http://evil.example" -d "$body" "http://$UI/local/v1/crossings")" = 403 ] || fail "a change from another Origin was taken"
[ "$(post -d "$body" "http://$UI/local/v1/crossings")" = 403 ] || fail "a change without an Origin was taken"
[ "$(post -H "Origin: http://$UI" -d "$body" "http://$UI/local/v1/crossings")" = 422 ] || fail "a wrong check digit was not refused"
python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); assert p["code"] == "mrz_invalid" and p["field"] == "mrz.document_number", p' \
    "$WORK/answer.json" || fail "the refusal does not name the field: $(cat "$WORK/answer.json")"
[ "$(post -H "Origin: http://$UI" -d "{\"direction\":\"entry\",\"mrz\":\"$(head -c 20000 /dev/zero | tr '\0' 'A')\"}" \
    "http://$UI/local/v1/crossings")" = 413 ] || fail "a body over the limit was not refused"
before=$(status_field "$DATA" last_seq)
[ "$(post -H "Origin: http://$UI" -d "${body%\}},\"force\":true,\"lane\":\"2\"}" "http://$UI/local/v1/crossings")" = 201 ] \
    || fail "a forced record through the screen's API was refused: $(cat "$WORK/answer.json")"
[ "$(status_field "$DATA" last_seq)" = $((before + 1)) ] || fail "the screen's record is not in the outbox"

log "a screen port already taken is tried again later; the daemon goes on"
init_checkpoint "$WORK/KAK-02" KAKAVIJE KAK-02
"$CHECKPOINT_BIN" run --data-dir "$WORK/KAK-02" --ui-listen "$UI" --backoff-cap 1 2>"$WORK/second.log" &
second=$!
BACKGROUND_PIDS+=("$second")
wait_until 30 "the second daemon to log the port taken" grep -q '"event":"ui_unavailable"' "$WORK/second.log"
wait_until 30 "the second daemon to start syncing" grep -q '"event":"daemon_started"' "$WORK/second.log"
kill -0 "$second" 2>/dev/null || fail "a taken screen port stopped the daemon"

log "the server back: everything recorded reaches the centre once"
start_server
wait_until 30 "every record at the centre" eval '[ "$(central_count)" = "$(status_field "$DATA" last_seq)" ]'
[ "$(sql "SELECT count(*) FROM crossings WHERE 'mrz_invalid' = ANY (flags)")" = 2 ] || fail "the forced records are not flagged at the centre"
assert_exactly_once "$DATA" KAK-01
