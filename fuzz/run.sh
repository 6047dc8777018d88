#!/usr/bin/env bash
# Builds the fuzz targets with clang and runs each for SECONDS (default 60), starting from the
# committed corpus in fuzz/corpus/<target>/. New inputs it finds go to a temporary folder (the corpus is only read), a crash
# lands in build-fuzz/ and fails the run. Usage: fuzz/run.sh [SECONDS] [TARGET...]
#   fuzz/run.sh 3600 request_reader      # an hour on the request reader
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(request_reader response_reader mrz_parser crossing_decoder batch_decoder sync_answers)

cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null

for target in "${targets[@]}"; do
    found=$(mktemp -d /tmp/borderlog-fuzz.XXXXXX)
    log="build-fuzz/$target.log"
    rc=0
    "./build-fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="build-fuzz/$target-" "$found" "fuzz/corpus/$target" >"$log" 2>&1 || rc=$?
    rm -rf "$found"
    if [ $rc -ne 0 ]; then
        tail -n 40 "$log" >&2
        echo "fuzz: $target failed (exit $rc); the input is in build-fuzz/$target-*" >&2
        exit 1
    fi
    echo "fuzz: $target: $(grep -o 'Done [0-9]* runs.*' "$log" | tail -n 1), no crash"
done
