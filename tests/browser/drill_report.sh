#!/usr/bin/env bash
# The drill report page in headless Chromium, as a trainer uses it: sign in on the dashboard, start a
# drill, see the DRILL banner and follow its link to the report page, watch the backlog plot while two
# terminals record through the outage, and see the verdict once they drained. Screenshots go to
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
create_database
start_server --offline-retry-after 1
TRAINER=$(token trainer)
for dev in KAK-01 KAK-02; do
    init_checkpoint "$WORK/$dev" KAKAVIJE "$dev"
    "$CHECKPOINT_BIN" run --data-dir "$WORK/$dev" --heartbeat-interval 1 --poll-interval-ms 100 --backoff-base-ms 100 \
        --backoff-cap 1 2>"$WORK/$dev.log" &
    BACKGROUND_PIDS+=($!)
done

output=${BORDERLOG_BROWSER_OUTPUT:-$WORK/output}
mkdir -p "$output"
BASE_URL="http://127.0.0.1:$PORT" TRAINER_TOKEN="$TRAINER" CTL_BIN="$CTL_BIN" CHECKPOINT_BIN="$CHECKPOINT_BIN" \
    DATA_DIRS="$WORK/KAK-01:$WORK/KAK-02" CHROMIUM="$chromium" OUTPUT="$output" PROFILE="$WORK/chromium-profile" \
    node "$here/drill_report.test.mjs" || fail "the drill report test failed (screenshots in $output)"
log "screenshots in $output"
