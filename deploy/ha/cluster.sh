#!/usr/bin/env bash
# A three-node PostgreSQL cluster with automatic failover, on loopback, in a folder: etcd for the
# leader lock and Patroni on each node (Debian packages etcd-server and patroni).
#
#   cluster.sh start DIR BASEPORT   etcd on BASEPORT (clients) and BASEPORT+1 (peers); PostgreSQL nodes
#                                   on BASEPORT+11..13, Patroni REST APIs on BASEPORT+21..23
#   cluster.sh stop DIR             stops every process the folder's cluster runs
#   cluster.sh leader DIR           prints the leader's node name (node1..node3), or nothing
#   cluster.sh url DIR [DB]         the multi-host connection URL for borderlog-server
#   cluster.sh kill-leader DIR      kill -9 of the leader's Patroni and PostgreSQL (a machine dying)
#
# It is the layout of docs/ha.md at a small scale: on real machines each node is its own host.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: cluster.sh start DIR BASEPORT | stop DIR | leader DIR | url DIR [DB] | kill-leader DIR" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# As root, PostgreSQL must run as postgres. setpriv execs the program itself, so that $! of a background
# start (written without a function or subshell) is the program's own pid.
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
as_postgres() { "${as_postgres[@]}" "$@"; }

rest_port() { echo $(( $(cat "$dir/baseport") + 20 + ${1#node} )); }
pg_port() { echo $(( $(cat "$dir/baseport") + 10 + ${1#node} )); }

node_config() {
    local node=$1 base=$2
    local n=${node#node}
    cat <<YAML
scope: borderlog
namespace: /borderlog-ha/
name: $node
restapi:
  listen: 127.0.0.1:$((base + 20 + n))
  connect_address: 127.0.0.1:$((base + 20 + n))
etcd:
  host: 127.0.0.1:$base
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 104857600
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: "on"
        max_connections: 200
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - username: postgres
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$((base + 10 + n))
  connect_address: 127.0.0.1:$((base + 10 + n))
  data_dir: $dir/$node/data
  basebackup:
    - checkpoint: fast
  bin_dir: $PG_BIN
  pgpass: $dir/$node/pgpass
  authentication:
    replication: {username: replicator, password: replicator}
    superuser: {username: postgres, password: postgres}
    rewind: {username: postgres, password: postgres}
  parameters:
    unix_socket_directories: $dir/$node
log:
  dir: $dir/$node/log
  level: WARNING
YAML
}

case "$cmd" in
start)
    base=${3:?BASEPORT}
    echo "$base" >"$dir/baseport"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_postgres mkdir -p "$dir/etcd"
    "${as_postgres[@]}" etcd --name ha --data-dir "$dir/etcd" --enable-v2=true \
        --listen-client-urls "http://127.0.0.1:$base" --advertise-client-urls "http://127.0.0.1:$base" \
        --listen-peer-urls "http://127.0.0.1:$((base + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((base + 1))" \
        --initial-cluster "ha=http://127.0.0.1:$((base + 1))" >"$dir/etcd.log" 2>&1 &
    echo $! >"$dir/etcd.pid"
    for _ in $(seq 1 100); do
        curl -sf --max-time 2 "http://127.0.0.1:$base/health" >/dev/null 2>&1 && break
        sleep 0.1
    done
    for node in node1 node2 node3; do
        as_postgres mkdir -p "$dir/$node/log"
        node_config "$node" "$base" >"$dir/$node.yml"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir/$node.yml"
        "${as_postgres[@]}" patroni "$dir/$node.yml" >"$dir/$node/patroni.out" 2>&1 &
        echo $! >"$dir/$node.pid"
        # The first node bootstraps alone; the others then clone it.
        if [ "$node" = node1 ]; then
            for _ in $(seq 1 300); do
                [ "$("$0" leader "$dir")" = node1 ] && break
                sleep 0.2
            done
        fi
    done
    ;;
leader)
    for node in node1 node2 node3; do
        port=$(rest_port "$node")
        if curl -sf --max-time 2 "http://127.0.0.1:$port/primary" >/dev/null 2>&1; then echo "$node"; exit 0; fi
    done
    ;;
url)
    base=$(cat "$dir/baseport")
    echo "postgresql://postgres@127.0.0.1:$((base + 11)),127.0.0.1:$((base + 12)),127.0.0.1:$((base + 13))/${3:-postgres}?target_session_attrs=read-write&connect_timeout=3"
    ;;
kill-leader)
    leader=$("$0" leader "$dir")
    [ -n "$leader" ] || { echo "cluster.sh: no leader" >&2; exit 1; }
    kill -9 "$(cat "$dir/$leader.pid")" 2>/dev/null || true
    [ -f "$dir/$leader/data/postmaster.pid" ] && kill -9 "$(head -n 1 "$dir/$leader/data/postmaster.pid")" 2>/dev/null || true
    echo "$leader"
    ;;
stop)
    # A test cluster: no graceful shutdown needed, and none that could hang.
    for node in node1 node2 node3; do
        [ -f "$dir/$node.pid" ] && kill -9 "$(cat "$dir/$node.pid")" 2>/dev/null || true
        if [ -f "$dir/$node/data/postmaster.pid" ]; then
            kill -9 "$(head -n 1 "$dir/$node/data/postmaster.pid")" 2>/dev/null || true
        fi
    done
    [ -f "$dir/etcd.pid" ] && kill -9 "$(cat "$dir/etcd.pid")" 2>/dev/null || true
    ;;
*)
    echo "cluster.sh: unknown command $cmd" >&2; exit 2 ;;
esac
