#!/usr/bin/env bash
# The operations dashboard in headless Chromium, as an operations officer uses it: sign in, see the
# demo checkpoint, watch it turn "central offline" and its backlog climb, watch it drain, keep the
# view when PostgreSQL stops, and see the "stale" mark when the server goes. Screenshots go to
# $BORDERLOG_BROWSER_OUTPUT. Skipped (exit 77) where Chromium, node or playwright-core is missing.
here=$(cd "$(dirname "$0")" && pwd)
chromium=${BORDERLOG_CHROMIUM:-/usr/bin/chromium}
skip() {
    echo "[browser] SKIP: $*" >&2
    exit 77
}
[ -x "$chromium" ] || skip "no Chromium at $chromium (deploy/install-deps.sh installs Debian's chromium)"
command -v node >/dev/null || skip "node is not installed (deploy/install-deps.sh installs it)"
[ -d "$here/node_modules/playwright-core" ] || skip "playwright-core is not installed: run npm ci in tests/browser (deploy/test.sh does)"

source "$here/../e2e/lib.sh"
use_own_postgres  # the test stops it
create_database
# Over HTTPS, as deployed: a CA of the test's own, and the session cookie marked Secure. Chromium is
# told to accept the certificate of this test's server alone (its public key's hash, below), not to
# ignore certificate errors in general.
use_tls
start_server --offline-retry-after 1 --silent-after 1 --secure-cookie
SERVER_SPKI=$(openssl x509 -in "$TLS_CERT" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
    base64)
OPS=$(token operations)
ADMIN=$(token admin)
for dev in KAK-01 KAK-02; do
    init_checkpoint "$WORK/$dev" KAKAVIJE "$dev"
    "$CHECKPOINT_BIN" run --data-dir "$WORK/$dev" --heartbeat-interval 1 --poll-interval-ms 100 --backoff-base-ms 100 \
        --backoff-cap 1 2>"$WORK/$dev.log" &
    BACKGROUND_PIDS+=($!)
done
checkpoint queue --data-dir "$WORK/KAK-01" --lane 1 --waiting 6 2>/dev/null
checkpoint queue --data-dir "$WORK/KAK-02" --lane 2 --waiting 11 2>/dev/null

output=${BORDERLOG_BROWSER_OUTPUT:-$WORK/output}
mkdir -p "$output"
BASE_URL="$(server_base)" CA_FILE="$TLS_CA" SERVER_SPKI="$SERVER_SPKI" OPS_TOKEN="$OPS" ADMIN_TOKEN="$ADMIN" CTL_BIN="$CTL_BIN" CHECKPOINT_BIN="$CHECKPOINT_BIN" \
    DATA_DIR="$WORK/KAK-01" PG_STOP="$BORDERLOG_SOURCE_DIR/deploy/pg.sh stop $WORK/pg" SERVER_PID="$SERVER_PID" \
    CHROMIUM="$chromium" OUTPUT="$output" PROFILE="$WORK/chromium-profile" \
    node "$here/dashboard.test.mjs" || fail "the dashboard test failed (screenshots in $output)"
log "screenshots in $output"
