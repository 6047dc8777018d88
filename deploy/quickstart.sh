#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to crossings flowing: installs what is missing, builds,
# starts a private PostgreSQL in .run/ of this project, the central server on HTTPS (with a small CA
# of its own, made with openssl: the server's certificate and one client certificate per device), and
# a checkpoint daemon for each of the demo checkpoint's two devices, records a few demo crossings, and
# shows them in PostgreSQL. Ctrl-C stops everything cleanly. With --check it stops by itself after the
# demo.
#
# Settings (environment): BORDERLOG_PG_PORT (5544), BORDERLOG_LISTEN (127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

check_only=false
[ "${1:-}" = "--check" ] && check_only=true

pg_port=${BORDERLOG_PG_PORT:-5544}
listen=${BORDERLOG_LISTEN:-127.0.0.1:8080}
run="$root/.run"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing packages (only what is missing)"
./deploy/install-deps.sh

say "Building"
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)" --target borderlog-server borderlog-checkpoint borderlogctl
bin="$root/build"
server="$bin/server/borderlog-server"
checkpoint="$bin/client/borderlog-checkpoint"
ctl="$bin/client/borderlogctl"

mkdir -p "$run"
pg_dir="$run/pg"
# The postgres user must be able to reach the project folder when we run as root.
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$run"; then
    pg_dir="/var/tmp/borderlog-quickstart-pg"
    echo "note: the postgres user cannot enter $run; the private PostgreSQL lives in $pg_dir instead"
fi

pids=()
cleanup() {
    say "Stopping"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ./deploy/pg.sh stop "$pg_dir" || true
    echo "stopped: checkpoint daemons, borderlog-server, PostgreSQL (data kept in $run; rm -rf $run to start over)"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

say "Starting PostgreSQL on 127.0.0.1:$pg_port (data in $pg_dir)"
./deploy/pg.sh start "$pg_dir" "$pg_port"
admin_url=$(./deploy/pg.sh url "$pg_dir" "$pg_port" postgres)
db_url=$(./deploy/pg.sh url "$pg_dir" "$pg_port" borderlog)
if [ "$(psql -qtAX "$admin_url" -c "SELECT count(*) FROM pg_database WHERE datname = 'borderlog'")" = 0 ]; then
    psql -q "$admin_url" -c "CREATE DATABASE borderlog" >/dev/null
fi
# Secrets live in files only their owner can read, never on a command line (where `ps` shows them).
db_file="$run/db-url"
(umask 077; printf '%s\n' "$db_url" >"$db_file")
"$server" migrate --db-file "$db_file"

# Tokens are made once and kept (only their hashes are in PostgreSQL), one file each.
tokens="$run/tokens"
if [ ! -s "$tokens/kak-02.token" ]; then
    say "Creating tokens: an admin, an operations user, and devices KAK-01 and KAK-02 of checkpoint KAKAVIJE"
    (
        umask 077
        mkdir -p "$tokens"
        "$server" token create --db-file "$db_file" --role admin --name quickstart-admin >"$tokens/admin.token"
        "$server" token create --db-file "$db_file" --role operations --name quickstart-ops >"$tokens/ops.token"
        "$server" token create --db-file "$db_file" --role device --checkpoint KAKAVIJE --device KAK-01 --name terminal-1 >"$tokens/kak-01.token"
        "$server" token create --db-file "$db_file" --role device --checkpoint KAKAVIJE --device KAK-02 --name terminal-2 >"$tokens/kak-02.token"
    )
fi

# TLS on every link: a CA of this demo's own, the server's certificate for its listen address, and a
# certificate for each device (its CN is the device id; the server accepts a device token only with it).
tls="$run/tls"
listen_host=${listen%:*}
listen_host=${listen_host#[}
listen_host=${listen_host%]}
if [ ! -s "$tls/server.key" ] || [ "$(cat "$tls/host" 2>/dev/null)" != "$listen_host" ]; then
    say "Making a demo CA and certificates in $tls (openssl)"
    rm -rf "$tls"
    ./deploy/tls-certs.sh ca "$tls" "borderlog quickstart CA"
    if [[ $listen_host =~ ^[0-9.]+$ ]] || [[ $listen_host == *:* ]]; then
        san="IP:$listen_host"
        [ "$listen_host" = 127.0.0.1 ] && san="$san,DNS:localhost"
    else
        san="DNS:$listen_host"
    fi
    ./deploy/tls-certs.sh server "$tls" "$tls" server "$san"
    for dev in KAK-01 KAK-02; do ./deploy/tls-certs.sh device "$tls" "$tls" "$dev"; done
    echo "$listen_host" >"$tls/host"
fi
base="https://$listen"

say "Starting borderlog-server on $base"
"$server" serve --db-file "$db_file" --db-role borderlog_server --listen "$listen" --offline-retry-after 5 \
    --tls-cert "$tls/server.pem" --tls-key "$tls/server.key" --tls-client-ca "$tls/ca.pem" --secure-cookie \
    >>"$run/server.log" 2>&1 &
pids+=($!)
deadline=$((SECONDS + 30))
until curl -sf --cacert "$tls/ca.pem" "$base/readyz" >/dev/null; do
    kill -0 "${pids[0]}" 2>/dev/null || { tail -n 5 "$run/server.log"; echo "borderlog-server did not start" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "borderlog-server is not ready after 30 s" >&2; exit 1; }
    sleep 0.2
done

say "Loading a demo watchlist (one document reported stolen: ALB AB1234567)"
printf '%s\n' 'document_number,issuing_country,surname,given_names,birth_date,reason,action' \
    'AB1234567,ALB,,,,Reported stolen (demo entry),deny' |
    "$ctl" --server "$base" --ca "$tls/ca.pem" --token-file "$tokens/admin.token" watchlist load --format csv -

# Each terminal serves its officer screen on a free loopback port, read back from its log.
declare -A screens
for dev in KAK-01 KAK-02; do
    "$checkpoint" init --data-dir "$run/checkpoint-$dev" --server "$base" --checkpoint KAKAVIJE \
        --device "$dev" --token-file "$tokens/${dev,,}.token" \
        --ca "$tls/ca.pem" --client-cert "$tls/$dev.pem" --client-key "$tls/$dev.key"
    touch "$run/checkpoint-$dev.log"
    log_lines=$(wc -l <"$run/checkpoint-$dev.log")
    "$checkpoint" run --data-dir "$run/checkpoint-$dev" --heartbeat-interval 2 --backoff-cap 5 --watchlist-interval 10 \
        --ui-listen 127.0.0.1:0 --lane "${dev#KAK-0}" >>"$run/checkpoint-$dev.log" 2>&1 &
    pids+=($!)
    deadline=$((SECONDS + 30))
    until screens[$dev]=$(tail -n +"$((log_lines + 1))" "$run/checkpoint-$dev.log" |
        sed -n 's/.*"event":"ui_listening".*"url":"\([^"]*\)".*/\1/p' | head -n 1) && [ -n "${screens[$dev]}" ]; do
        [ $SECONDS -lt $deadline ] || { echo "the officer screen of $dev did not start within 30 s" >&2; exit 1; }
        sleep 0.2
    done
done

say "Recording demo crossings at KAKAVIJE (the officer's commands)"
before=$(psql -qtAX "$db_url" -c "SELECT count(*) FROM crossings")
set -x
"$checkpoint" record --data-dir "$run/checkpoint-KAK-01" --direction entry --lane 1 --officer officer-112 --mode car --vehicle AA123BB \
    --mrz 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' --mrz 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'
# The traveller as JSON on standard input: names and document numbers stay off the command line.
printf '%s' '{"traveler":{"document_number":"BA1234567","issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","given_names":"ARBEN","birth_date":"1988-06-02","sex":"M"}}' |
    "$checkpoint" record --data-dir "$run/checkpoint-KAK-02" --direction exit --lane 2 --officer officer-7 --mode foot --stdin
printf '%s' '{"traveler":{"document_number":"X4RTBPFW4","issuing_country":"GRC","nationality":"GRC","surname":"PAPADOPOULOU","given_names":"ELENI","birth_date":"1995-11-30","sex":"F"}}' |
    "$checkpoint" record --data-dir "$run/checkpoint-KAK-02" --direction entry --lane 2 --officer officer-7 --mode bus --stdin
{ set +x; } 2>/dev/null

deadline=$((SECONDS + 30))
until [ "$(psql -qtAX "$db_url" -c "SELECT count(*) FROM crossings")" -ge $((before + 3)) ]; do
    [ $SECONDS -lt $deadline ] || { echo "the demo crossings did not reach PostgreSQL within 30 s" >&2; exit 1; }
    sleep 0.2
done

# The officers count their queues; the dashboard shows them with the estimated wait.
"$checkpoint" queue --data-dir "$run/checkpoint-KAK-01" --lane 1 --waiting 4
"$checkpoint" queue --data-dir "$run/checkpoint-KAK-02" --lane 2 --waiting 9

say "They are in PostgreSQL (borderlogctl crossings list)"
"$ctl" --server "$base" --ca "$tls/ca.pem" --token-file "$tokens/ops.token" crossings list --limit 10
echo
"$checkpoint" status --data-dir "$run/checkpoint-KAK-01"

say "The operations view (borderlogctl fleet; the same as the dashboard)"
deadline=$((SECONDS + 30))
fleet_ready() {
    local view
    view=$("$ctl" --server "$base" --ca "$tls/ca.pem" --token-file "$tokens/ops.token" fleet --json 2>/dev/null) || return 1
    grep -q '"checkpoint_id":"KAKAVIJE","state":"online"' <<<"$view" && grep -q '"waiting":13' <<<"$view"
}
until fleet_ready; do
    [ $SECONDS -lt $deadline ] || { echo "KAKAVIJE is not online with its queues in the fleet view within 30 s" >&2; exit 1; }
    sleep 0.5
done
"$ctl" --server "$base" --ca "$tls/ca.pem" --token-file "$tokens/ops.token" fleet

cat <<TXT

== The operations dashboard
  open   $base/
  (your browser does not know the demo CA: import .run/tls/ca.pem as a trusted authority, or accept
   the warning for this demo only)
  sign in with the operations token:   $(cat "$tokens/ops.token")
  (it is also in .run/tokens/ops.token; the admin token in .run/tokens/admin.token signs in too)

== The officer screens (one per terminal, served by its daemon, loopback only)
  KAK-01 (lane 1)   ${screens[KAK-01]}
  KAK-02 (lane 2)   ${screens[KAK-02]}
  scan or type an MRZ and Enter, then E entry or X exit (docs/checkpoint.md, "The officer screen");
  the document ALB AB1234567 is on the demo watchlist

== Running (TLS on every link: the demo CA is .run/tls/ca.pem)
  PostgreSQL           127.0.0.1:$pg_port   database borderlog   (psql \$(cat .run/db-url))
  borderlog-server     $base      log: .run/server.log
                       certificate .run/tls/server.pem; devices must show .run/tls/KAK-0*.pem
  checkpoint daemons   KAK-01, KAK-02        data: .run/checkpoint-KAK-0*/   logs: .run/checkpoint-KAK-0*.log
  tokens               .run/tokens/*.token (admin, operations, two devices)
  metrics              curl --cacert .run/tls/ca.pem $base/metrics   (Prometheus; alert rules in deploy/prometheus/)

== Try next (in another terminal, from $root)
  echo '{"traveler":{"document_number":"AB1234567","issuing_country":"ALB","nationality":"ALB","surname":"DOE","birth_date":"1990-01-31","sex":"F"}}' |
      build/client/borderlog-checkpoint record --data-dir .run/checkpoint-KAK-01 --direction exit --stdin
      (AB1234567 is on the demo watchlist: the hit is printed, and shown at the centre as an alert)
  build/client/borderlog-checkpoint status --data-dir .run/checkpoint-KAK-01 --json
  export BORDERLOG_SERVER=$base BORDERLOG_CA=.run/tls/ca.pem
  build/client/borderlogctl --token-file .run/tokens/ops.token crossings list --csv
  build/client/borderlogctl --token-file .run/tokens/ops.token rejected list
  build/client/borderlogctl --token-file .run/tokens/admin.token central-offline on --reason drill
      (record again: the dashboard turns "central offline" and the backlog climbs;
       'central-offline off' and watch the daemon drain it live)
  build/client/borderlog-checkpoint queue --data-dir .run/checkpoint-KAK-01 --lane 1 --waiting 25
  build/client/borderlogctl --token-file .run/tokens/ops.token fleet KAKAVIJE
  build/client/borderlogctl --token-file .run/tokens/admin.token audit --all     (who did what)

Press Ctrl-C to stop everything.
TXT

if $check_only; then exit 0; fi
wait "${pids[0]}"
