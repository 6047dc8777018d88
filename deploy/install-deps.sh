#!/usr/bin/env bash
# Installs every build and run dependency of borderlog from Debian 12 packages. Safe to run again:
# it installs only what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libpqxx-dev libspdlog-dev libfmt-dev libsqlitecpp-dev libsqlite3-dev libcli11-dev
    libsodium-dev libhowardhinnant-date-dev libssl-dev prometheus-cpp-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    postgresql postgresql-contrib sqlite3 curl procps util-linux
    patroni etcd-server               # the PostgreSQL high-availability test (deploy/ha)
    python3                           # the raw-socket helpers of tests/e2e/tools
    clang libclang-rt-14-dev          # the libFuzzer targets in fuzz/
    prometheus chromium               # the Prometheus scrape test and the dashboard's browser test
    faketime                          # the clock tests (a checkpoint a day off)
    nginx-light wrk                   # two servers behind nginx (tests/e2e/nginx_two_servers.sh), bench/run.sh
    openssl                           # certificates: the quickstart's CA (deploy/tls-certs.sh), the TLS tests
)
# node and npm for the browser test (playwright-core): Debian's, unless some node is there already.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
# Debian's postgresql and prometheus packages start system services; borderlog's tests run their own on
# other ports, so leave those alone.
echo "install-deps: done"
