#!/usr/bin/env bash
# Issue 11, the audit trail: token changes made on the command line (no address, the operating-system
# user as actor), the central-offline switch, sign-ins, reads and exports of travellers' data, each a
# line; GET /api/v1/audit for admins only, its filters, its pages (JSON and CSV, nothing missed or
# repeated) and its refusals; borderlogctl audit.
source "$(dirname "$0")/lib.sh"

create_database
start_server
me=$(id -un)

log "token changes from the command line"
ADMIN=$("$SERVER_BIN" token create --db "$DB_URL" --role admin --name "e2e admin" 2>/dev/null)
OPS=$("$SERVER_BIN" token create --db "$DB_URL" --role operations --name "duty desk" 2>/dev/null)
DEV=$(token device KAKAVIJE KAK-01)
spare_id=$("$SERVER_BIN" token create --db "$DB_URL" --role trainer --name spare 2>&1 >/dev/null | grep -o 'token [0-9]*' | grep -o '[0-9]*')
"$SERVER_BIN" token revoke --db "$DB_URL" "$spare_id" 2>/dev/null
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'token.create'")" = 4 ] || fail "not every token creation is audited"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'token.create' AND actor = '$me' AND address IS NULL
            AND token_id IS NULL")" = 4 ] || fail "a token creation is not audited with the OS user, no address and no token"
[ "$(sql "SELECT detail->>'role' FROM audit_events WHERE action = 'token.revoke' AND target = 'token/$spare_id'")" = trainer ] ||
    fail "the revocation is not audited with the revoked token's role"
[ "$(sql "SELECT count(*) FROM audit_events WHERE detail::text LIKE '%blt_%'")" = 0 ] || fail "a token itself is in the audit trail"

log "the central-offline switch and a failed and a good sign-in"
ctl --token "$ADMIN" central-offline on --reason "audit drill" >/dev/null
ctl --token "$ADMIN" central-offline off >/dev/null
[ "$(sql "SELECT string_agg(action || '/' || actor || '/' || address || '/' || coalesce(detail->>'reason', ''), ' ' ORDER BY id)
          FROM audit_events WHERE action LIKE 'central_offline.%'")" = \
  "central_offline.on/e2e admin/127.0.0.1/audit drill central_offline.off/e2e admin/127.0.0.1/" ] ||
    fail "the switch is not audited as it was made: $(sql "SELECT action, actor, address, detail FROM audit_events WHERE action LIKE 'central%'")"
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"token":"blt_wrong"}' "http://127.0.0.1:$PORT/api/v1/session"
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"token\":\"$OPS\"}" "http://127.0.0.1:$PORT/api/v1/session"
wait_until 10 "the failed sign-in's line" is_now 1 sql "SELECT count(*) FROM audit_events WHERE action = 'session.sign_in_failed'"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'session.sign_in' AND actor = 'duty desk'")" = 1 ] ||
    fail "the sign-in is not audited"

log "reads and exports of travellers' data"
ctl --token "$OPS" crossings list --csv >/dev/null
ctl --token "$OPS" traveler show UTO L898902C3 >/dev/null
ctl --token "$OPS" rejected list >/dev/null
for action in crossings.read traveler.read rejected.read; do
    [ "$(sql "SELECT count(*) FROM audit_events WHERE action = '$action' AND actor = 'duty desk' AND address = '127.0.0.1'")" -ge 1 ] ||
        fail "$action is not audited"
done
[ "$(sql "SELECT detail->'query'->>'format' FROM audit_events WHERE action = 'crossings.read'")" = csv ] ||
    fail "the export's line does not say it was CSV"

log "GET /api/v1/audit is for admins only"
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(status_of "http://127.0.0.1:$PORT/api/v1/audit")" = 401 ] || fail "the audit trail answers without a token"
[ "$(status_of -H "Authorization: Bearer $OPS" "http://127.0.0.1:$PORT/api/v1/audit")" = 403 ] || fail "operations may read the audit trail"
[ "$(status_of -H "Authorization: Bearer $DEV" "http://127.0.0.1:$PORT/api/v1/audit")" = 403 ] || fail "a device may read the audit trail"
api() { curl -sf -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/api/v1/audit$1"; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
[ "$(api '?action=token.create' | field 'len(d["events"])')" = 4 ] || fail "action=token.create does not give the 4 creations"
[ "$(api '?action=token.*' | field 'sorted({e["action"] for e in d["events"]})')" = "['token.create', 'token.revoke']" ] ||
    fail "action=token.* does not give the token changes"
[ "$(api "?actor=$me&action=token.revoke" | field 'd["events"][0]["target"]')" = "token/$spare_id" ] || fail "actor filter"
admin_id=$(sql "SELECT token_id FROM audit_events WHERE action = 'central_offline.on'")
[ "$(api "?token=$admin_id&action=central_offline.*" | field 'len(d["events"])')" = 2 ] || fail "token filter"
[ "$(api '?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z' | field 'len(d["events"])')" = 0 ] || fail "from/to filter"
[ "$(api '?from=2000-01-01T00:00:00Z&action=central_offline.on' | field 'd["events"][0]["detail"]["reason"]')" = "audit drill" ] ||
    fail "the event's detail is not in the answer"
rc=$(status_of -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/api/v1/audit?action=DROP%20TABLE")
[ "$rc" = 400 ] || fail "a malformed action filter answered $rc"
curl -s -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/api/v1/audit?limit=5000" | grep '"field":"limit"' >/dev/null ||
    fail "limit over 1000 is not refused naming the field"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'audit.read' AND actor = 'e2e admin'")" -ge 5 ] ||
    fail "reads of the audit trail are not themselves audited"

log "pages: JSON and CSV give every line once, through borderlogctl"
ctl --token "$ADMIN" audit --action 'token.*' >/dev/null  # one more audit.read line, then the trail stands still below
last=$(sql "SELECT max(id) FROM audit_events")
sql "SELECT id FROM audit_events WHERE id <= $last ORDER BY id" >"$WORK/all.ids"
ctl --token "$ADMIN" audit --json --all --limit 3 |
    python3 -c "import json,sys; [print(json.loads(l)['id']) for l in sys.stdin if json.loads(l)['id'] <= $last]" >"$WORK/json.ids"
diff -q "$WORK/all.ids" "$WORK/json.ids" >/dev/null || fail "paging the JSON lost or repeated lines"
ctl --token "$ADMIN" audit --csv --all --limit 3 >"$WORK/audit.csv"
python3 - "$WORK/audit.csv" "$last" >"$WORK/csv.ids" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][:3] == ["id", "at", "action"], rows[0]
assert sum(1 for r in rows if r and r[0] == "id") == 1, "the header repeats"
for r in rows[1:]:
    if int(r[0]) <= int(sys.argv[2]):
        print(r[0])
PY
diff -q "$WORK/all.ids" "$WORK/csv.ids" >/dev/null || fail "paging the CSV lost or repeated lines"
ctl --token "$ADMIN" audit --action central_offline.on | grep_all "audit drill" || fail "borderlogctl audit does not show the detail"
[ "$(ctl --token "$ADMIN" audit --token-id "$admin_id" --action 'central_offline.*' --json | wc -l)" = 2 ] ||
    fail "borderlogctl audit --token-id does not give that token's two switches"
[ "$(BORDERLOG_TOKEN="$ADMIN" ctl audit --actor "$me" --action token.revoke --json | wc -l)" = 1 ] ||
    fail "borderlogctl audit with BORDERLOG_TOKEN does not give the revocation"
rc=0
ctl --token "$OPS" audit >/dev/null 2>"$WORK/ctl.err" || rc=$?
[ $rc = 1 ] && grep -q forbidden "$WORK/ctl.err" || fail "borderlogctl audit with an operations token: exit $rc"
