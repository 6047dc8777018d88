#!/usr/bin/env bash
# Installs every build and run dependency of borderlog from Debian 12 packages. Safe to run again:
# it installs only what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libpqxx-dev libspdlog-dev libfmt-dev libsqlitecpp-dev libsqlite3-dev libcli11-dev
    libsodium-dev libhowardhinnant-date-dev libssl-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    postgresql postgresql-contrib sqlite3 curl procps util-linux
    python3 faketime
)

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
# Debian's postgresql package starts a system cluster; borderlog runs its own, so leave that one alone.
echo "install-deps: done"
