#!/usr/bin/env bash
# PostgreSQL high availability: three nodes under Patroni and etcd (deploy/ha/cluster.sh). The leader
# machine dies (kill -9 of its Patroni and PostgreSQL) while a checkpoint syncs 3,000 records. The
# server, given every node with target_session_attrs=read-write, follows the new leader; the
# checkpoint carries on; whatever the old leader acknowledged but never replicated is found by
# reconcile and sent again. PostgreSQL ends holding the 3,000 exactly once.
source "$(dirname "$0")/lib.sh"

command -v patroni >/dev/null && command -v etcd >/dev/null || {
    log "SKIP: patroni or etcd is not installed (deploy/install-deps.sh installs them)"
    exit 77
}

CLUSTER="$WORK/cluster"
chmod 755 "$WORK"
base=$((30000 + (RANDOM % 25) * 100))
stop_cluster() {
    # The server and the daemon go first, so that nothing holds the cluster's connections.
    for pid in "${BACKGROUND_PIDS[@]}" $SERVER_PID; do kill -9 "$pid" 2>/dev/null || true; done
    if [ "${1:-0}" != 0 ]; then
        log "rows on the leader: $(sql "SELECT count(*) FROM crossings" 2>&1 | head -n 1); checkpoint: $(checkpoint status --data-dir "$WORK/cp" --json 2>&1 | head -c 400)"
        log "server (last lines):"; grep -v '"db_connect_failed"' "$WORK/server.log" | tail -n 8 >&2 || true
        grep '"db_connect_failed"' "$WORK/server.log" | tail -n 2 >&2 || true
        log "daemon (last lines):"; tail -n 8 "$WORK/daemon.log" >&2 || true
        for node in node1 node2 node3; do
            log "$node (last lines of Patroni's log):"
            tail -n 5 "$CLUSTER/$node/log/patroni.log" >&2 2>/dev/null || true
        done
    fi
    "$(dirname "$0")/../../deploy/ha/cluster.sh" stop "$CLUSTER" >/dev/null 2>&1 || true
}
trap 'rc=$?; set +e; stop_cluster $rc; (exit $rc); cleanup' EXIT
cluster() { "$(dirname "$0")/../../deploy/ha/cluster.sh" "$@"; }

cluster start "$CLUSTER" "$base"
[ -n "$(cluster leader "$CLUSTER")" ] || fail "the cluster has no leader after start"
psql -q "$(cluster url "$CLUSTER" postgres)" -c "CREATE DATABASE borderlog" >/dev/null
DB_URL=$(cluster url "$CLUSTER" borderlog)
# Both replicas stream from the leader before the test goes on (Patroni names each replica's connection
# after its node; a clone's pg_basebackup streams too, but is not yet a replica).
replicas_streaming() {
    [ "$(sql "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name LIKE 'node%'")" = 2 ]
}
wait_until 60 "both replicas to stream" replicas_streaming

start_server --db-workers 2
# ... and hold the schema the server just made: a replica promoted later must have it. (The records that
# follow may well lag: what the old leader acknowledged and never replicated is what reconcile repairs.)
schema_lsn=$(sql "SELECT pg_current_wal_lsn()")
replicas_have_schema() {
    [ "$(sql "SELECT count(*) FROM pg_stat_replication WHERE application_name LIKE 'node%' AND replay_lsn >= '$schema_lsn'")" = 2 ]
}
wait_until 60 "both replicas to replay the schema" replicas_have_schema
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
gen_jsonl 3000 "$WORK/backlog.jsonl"
[ "$(checkpoint import --data-dir "$WORK/cp" "$WORK/backlog.jsonl" 2>/dev/null)" = 3000 ] || fail "import did not record 3000"

"$CHECKPOINT_BIN" run --data-dir "$WORK/cp" --batch-size 20 --timeout 5 --poll-interval-ms 100 --backoff-base-ms 200 \
    --backoff-cap 2 --reconcile-interval 2 --heartbeat-interval 2 2>"$WORK/daemon.log" &
BACKGROUND_PIDS+=($!)

more_than() { [ "$(sql "SELECT count(*) FROM crossings" 2>/dev/null || echo 0)" -gt "$1" ]; }
wait_until 60 "the sync to be under way" more_than 300
at_kill=$(sql "SELECT count(*) FROM crossings")
killed=$(cluster kill-leader "$CLUSTER")
log "killed the leader ($killed) at $at_kill rows"

new_leader() { local l; l=$(cluster leader "$CLUSTER"); [ -n "$l" ] && [ "$l" != "$killed" ]; }
wait_until 90 "a new leader" new_leader
log "new leader: $(cluster leader "$CLUSTER")"

drained() {
    [ "$(sql "SELECT count(*) FROM crossings" 2>/dev/null || echo 0)" = 3000 ] &&
        [ "$(status_field "$WORK/cp" pending)" = 0 ]
}
wait_until 120 "every record stored on the new leader" drained
server_ready || fail "the server is not ready after the failover"
assert_exactly_once "$WORK/cp" KAK-01
log "re-sent after reconcile: $(grep -c '"event":"reconcile_requeued"' "$WORK/daemon.log" || true) time(s)"
stop_server
