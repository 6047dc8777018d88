#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, integration, e2e) against a throwaway
# PostgreSQL that it starts and removes itself. Extra arguments go to ctest, e.g. `-L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"
# The browser test's playwright-core, exactly as locked (it uses Debian's chromium; no browser download).
if command -v npm >/dev/null; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d /tmp/borderlog-test.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its folder inside
cleanup() {
    ./deploy/pg.sh stop "$work/pg" || true
    rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port for the throwaway cluster, below the ephemeral range and apart from the
# ports the end-to-end tests give their servers (10000-19999).
for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 6000))
    if ./deploy/pg.sh start "$work/pg" "$port" 2>/dev/null; then break; fi
    port=""
done
[ -n "$port" ] || { echo "test.sh: could not start PostgreSQL" >&2; exit 1; }
export BORDERLOG_TEST_DB="postgresql://postgres@127.0.0.1:$port/postgres"
export BORDERLOG_TEST_TMP="$work"
echo "test.sh: PostgreSQL on 127.0.0.1:$port"

ctest --test-dir build --output-on-failure --timeout 900 -j2 "$@"

# The libFuzzer targets (fuzz/: the HTTP reader both ways, the MRZ parser, the crossing and batch
# decoders, the sync answers), 10 s each: a crash fails the run. Skipped when ctest was given a
# selection (a focused run); docs/fuzzing.md says how to fuzz for longer.
if [ $# -eq 0 ]; then
    ./fuzz/run.sh "${BORDERLOG_FUZZ_SECONDS:-10}"
fi
