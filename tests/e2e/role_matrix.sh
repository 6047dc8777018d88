#!/usr/bin/env bash
# Roles everywhere: every operation the OpenAPI description names, called with no token, a revoked
# token, an expired token and each role's token, answers as its declared x-roles say (the OpenApi unit
# test holds x-roles to the server's route table). A device token is refused on another device's paths.
# A token's end and its revocation take effect on a running server within the documented bound (the
# 5-second token cache), even for a token the server has just cached.
source "$(dirname "$0")/lib.sh"

create_database
start_server --max-auth-failures 100000
base="http://127.0.0.1:$PORT"
status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$base/api/v1/token"; }
refused() { [ "$(status "$1")" = 401 ]; }

# --- token create refuses an end it cannot keep, naming the option ---
for bad in "--expires-in 5x" "--expires-in 0" "--expires-in 5000d" "--expires-at yesterday" \
           "--expires-at 2001-01-01T00:00:00Z" "--expires-in 1h --expires-at 2099-01-01T00:00:00Z"; do
    # shellcheck disable=SC2086
    if "$SERVER_BIN" token create --db "$DB_URL" --role admin $bad >"$WORK/out" 2>"$WORK/err"; then
        fail "token create accepted $bad"
    fi
    grep -q -- "${bad%% *}" "$WORK/err" || fail "token create $bad did not name the option: $(cat "$WORK/err")"
    [ ! -s "$WORK/out" ] || fail "token create $bad printed a token"
done

ADMIN=$(token admin)
OPS=$(token operations)
TRAINER=$(token trainer)
DEV=$(token device KAKAVIJE KAK-01)
token device KAKAVIJE KAK-02 >/dev/null

# --- revocation: a token in use (so cached) stops working within the bound ---
REVOKED=$("$SERVER_BIN" token create --db "$DB_URL" --role admin --name to-revoke 2>/dev/null)
[ "$(status "$REVOKED")" = 200 ] || fail "a fresh admin token was refused"
revoked_id=$(sql "SELECT max(id) FROM api_tokens WHERE name = 'to-revoke'")
"$SERVER_BIN" token revoke --db "$DB_URL" "$revoked_id" 2>/dev/null
revoked_at=$SECONDS
wait_until 10 "the revoked token to be refused" refused "$REVOKED"
[ $((SECONDS - revoked_at)) -le 7 ] || fail "the revoked token worked for $((SECONDS - revoked_at)) s (bound: 5 s)"

# --- expiry: a token used while valid is refused once its end has passed, cache or not ---
EXPIRED=$("$SERVER_BIN" token create --db "$DB_URL" --role admin --name short --expires-in 3s 2>"$WORK/err")
grep -q "valid until" "$WORK/err" || fail "token create did not say when the token ends: $(cat "$WORK/err")"
[ "$(status "$EXPIRED")" = 200 ] || fail "a token within its lifetime was refused"
wait_until 10 "the token past its end to be refused" refused "$EXPIRED"
"$SERVER_BIN" token list --db "$DB_URL" | grep_all "(expired)" || fail "token list does not mark the expired token"
"$SERVER_BIN" token list --db "$DB_URL" --json | grep_all '"expired":true' || fail "token list --json lacks expired"

# --- the matrix ---
cat >"$WORK/tokens.json" <<EOF
{"none": "", "revoked": "$REVOKED", "expired": "$EXPIRED", "admin": "$ADMIN", "operations": "$OPS",
 "trainer": "$TRAINER", "device": "$DEV"}
EOF
python3 "$BORDERLOG_SOURCE_DIR/tests/e2e/tools/role_matrix.py" "$base" "$BORDERLOG_SOURCE_DIR/docs/openapi.yaml" \
    "$WORK/tokens.json" | tee "$WORK/matrix.txt" >&2 || fail "answers differ from the declared roles (above)"
server_alive
