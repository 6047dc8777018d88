#!/usr/bin/env bash
# /metrics as Prometheus sees it: the exposition passes `promtool check metrics`, a real Prometheus on
# a loopback port scrapes the server and finds the checkpoint's backlog and lane queue, and the
# example alert rules in deploy/prometheus pass `promtool check rules` and their unit tests.
source "$(dirname "$0")/lib.sh"

for tool in prometheus promtool; do
    if ! command -v "$tool" >/dev/null; then
        log "SKIP: $tool is not installed (deploy/install-deps.sh installs Debian's prometheus)"
        exit 77
    fi
done
RULES="$(cd "$(dirname "$0")/../../deploy/prometheus" && pwd)"

promtool check rules "$RULES/alerts.yml" >"$WORK/rules.out" 2>&1 || { cat "$WORK/rules.out" >&2; fail "promtool check rules"; }
promtool test rules "$RULES/alerts_test.yml" >"$WORK/rules-test.out" 2>&1 || { cat "$WORK/rules-test.out" >&2; fail "promtool test rules"; }

create_database
start_server
OPS=$(token operations)
init_checkpoint "$WORK/cp" KAKAVIJE KAK-01
checkpoint queue --data-dir "$WORK/cp" --lane 3 --waiting 12 2>/dev/null
checkpoint record --data-dir "$WORK/cp" --direction entry --doc-number PROM1 --doc-country ALB --nationality ALB \
    --surname TEST --birth-date 1985-03-03 --sex F >/dev/null
"$CHECKPOINT_BIN" run --data-dir "$WORK/cp" --heartbeat-interval 1 --poll-interval-ms 100 2>"$WORK/daemon.log" &
BACKGROUND_PIDS+=($!)

metrics() { curl -sf "http://127.0.0.1:$PORT/metrics"; }
lane_reported() { metrics | grep_all '^borderlog_lane_queue_waiting{checkpoint="KAKAVIJE",lane="3"} 12$'; }
wait_until 30 "the lane queue in /metrics" lane_reported
stored_counted() { metrics | grep_all '^borderlog_ingest_records_total{outcome="stored"} 1$'; }
wait_until 30 "the stored record counted" stored_counted

metrics >"$WORK/exposition.txt"
promtool check metrics <"$WORK/exposition.txt" >"$WORK/lint.out" 2>&1 || { cat "$WORK/lint.out" >&2; fail "promtool check metrics found problems"; }
for name in borderlog_build_info borderlog_http_request_duration_seconds_bucket borderlog_checkpoint_backlog_records \
    borderlog_checkpoint_oldest_pending_age_seconds borderlog_checkpoint_last_contact_timestamp_seconds \
    borderlog_lane_queue_waiting borderlog_db_pool_workers borderlog_db_pool_wait_seconds_total borderlog_heartbeats_total; do
    grep -q "^$name" "$WORK/exposition.txt" || fail "the exposition has no $name"
done
# Route patterns label the durations, never raw paths.
grep -q 'route="/api/v1/devices/{device}/heartbeat"' "$WORK/exposition.txt" || fail "no route pattern label"
if grep -q 'route="/api/v1/devices/KAK-01' "$WORK/exposition.txt"; then fail "a raw path is a label"; fi

# A real Prometheus scrapes it.
PROM_PORT=$((PORT + 1))
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES/alerts.yml
scrape_configs:
  - job_name: borderlog
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
BACKGROUND_PIDS+=($!)
query() { curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"; }
scraped() { query 'up{job="borderlog"} == 1' | grep_all '"result":\[{'; }
wait_until 60 "Prometheus to scrape the server" scraped
backlog_seen() { query 'borderlog_lane_queue_waiting{checkpoint="KAKAVIJE",lane="3"}' | grep_all '"12"\]'; }
wait_until 30 "Prometheus to hold the lane queue" backlog_seen
rules_loaded() { curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/rules" | grep BorderlogCheckpointSilent >/dev/null; }
wait_until 30 "Prometheus to load the alert rules" rules_loaded
log "Prometheus scraped $(grep -c '^borderlog_' "$WORK/exposition.txt") series"
