#!/usr/bin/env bash
# Issue 11, TLS on every link. The test makes its own CAs with openssl (deploy/tls-certs.sh) and checks:
# the checkpoint and borderlogctl reach a server with a certificate of their CA and name, and refuse a
# wrong CA, an expired certificate and a wrong host name (init exits 2 naming the option, sync keeps
# its records pending and says why, borderlogctl exits 1); TLS 1.0 and 1.1 and suites without ECDHE
# are refused; garbage, plain HTTP and a silent client on the TLS port end only their connection; with
# --tls-client-ca a device token works only with that device's certificate; plain HTTP is served
# off loopback only with --insecure-http; a private key others may read is refused.
source "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is needed (deploy/install-deps.sh installs it)"
CERTS="$BORDERLOG_SOURCE_DIR/deploy/tls-certs.sh"
C="$WORK/certs"
"$CERTS" ca "$C/ca" "borderlog test CA"
"$CERTS" ca "$C/other-ca" "some other CA"
"$CERTS" server "$C" "$C/ca" localhost "DNS:localhost,IP:127.0.0.1"
"$CERTS" server "$C/other" "$C/other-ca" localhost "DNS:localhost,IP:127.0.0.1"
"$CERTS" server "$C" "$C/ca" central.example "DNS:central.example"
# Issued ten days ago for one day: expired.
faketime -f '-10d' "$CERTS" server "$C/expired" "$C/ca" localhost "DNS:localhost,IP:127.0.0.1" 1
"$CERTS" device "$C" "$C/ca" KAK-01
"$CERTS" device "$C" "$C/ca" KAK-02
"$CERTS" device "$C/other" "$C/other-ca" KAK-01
openssl x509 -in "$C/expired/localhost.pem" -noout -checkend 0 >/dev/null && fail "the expired certificate is not expired"

create_database
# start_tls CERT_DIR NAME [serve options...]: the server on HTTPS with that certificate.
start_tls() {
    local dir=$1 name=$2
    shift 2
    start_server_tls --tls-cert "$dir/$name.pem" --tls-key "$dir/$name.key" "$@"
}
# lib.sh's readiness check speaks plain HTTP: over TLS it asks with curl and the test CA.
start_server_tls() {
    local before
    before=$(listen_count)
    if [ -z "$PORT" ]; then
        for _ in $(seq 1 20); do
            PORT=$((10000 + RANDOM % 10000))
            launch_server "$@"
            if wait_listening "$before"; then break; fi
            PORT=""
        done
        [ -n "$PORT" ] || fail "no free port for the server"
    else
        launch_server "$@"
        wait_listening "$before" || fail "the server did not start again on port $PORT"
    fi
}
livez_tls() { curl -sf --cacert "$C/ca/ca.pem" "https://localhost:$PORT/livez" >/dev/null 2>&1; }

start_tls "$C" localhost --tls-handshake-timeout 2
wait_until 30 "the server to answer over HTTPS" livez_tls
URL="https://localhost:$PORT"
OPS=$(token operations)
ADMIN=$(token admin)
DEV1=$(token device KAKAVIJE KAK-01)
DEV2=$(token device KAKAVIJE KAK-02)
grep -q '"event":"listening".*"tls":true' "$WORK/server.log" || fail "the server does not say it listens with TLS"

log "the checkpoint and borderlogctl over TLS with the test CA"
checkpoint init --data-dir "$WORK/good" --server "$URL" --checkpoint KAKAVIJE --device KAK-01 --token "$DEV1" \
    --ca "$C/ca/ca.pem" 2>"$WORK/init.err" || fail "init over TLS failed: $(cat "$WORK/init.err")"
[ -f "$WORK/good/ca.pem" ] || fail "init did not keep the CA in the data directory"
[ "$(stat -c %a "$WORK/good/ca.pem")" = 600 ] || fail "the CA copy is not 0600"
id1=$(printf '%s' '{"traveler":{"document_number":"TLS0001","issuing_country":"ALB","nationality":"ALB","surname":"A","birth_date":"1980-01-01","sex":"F"}}' |
    checkpoint record --data-dir "$WORK/good" --direction entry --stdin)
checkpoint sync --once --data-dir "$WORK/good" 2>/dev/null || fail "sync over TLS failed"
[ "$(sql "SELECT count(*) FROM crossings WHERE id = '$id1'")" = 1 ] || fail "the record did not arrive over TLS"
ctl_tls() { "$CTL_BIN" --server "$URL" --ca "$C/ca/ca.pem" "$@"; }
ctl_tls --token "$OPS" crossings list --json >"$WORK/list.json" || fail "borderlogctl over TLS failed"
grep -q "$id1" "$WORK/list.json" || fail "borderlogctl did not list the record over TLS"
# The IP address is in the certificate too: https://127.0.0.1 verifies.
"$CTL_BIN" --server "https://127.0.0.1:$PORT" --ca "$C/ca/ca.pem" --token "$OPS" fleet --json >/dev/null ||
    fail "borderlogctl refused the server's IP address, which its certificate names"

# expect_refused WHAT EXPECTED_TEXT OPTION: init, sync and borderlogctl each refuse the server as it is now.
expect_refused() {
    local what=$1 text=$2 option=$3 rc=0
    rm -rf "$WORK/refused"
    checkpoint init --data-dir "$WORK/refused" --server "$URL" --checkpoint KAKAVIJE --device KAK-01 --token "$DEV1" \
        --ca "$C/ca/ca.pem" 2>"$WORK/init.err" || rc=$?
    [ $rc = 2 ] || fail "init accepted $what (exit $rc)"
    grep -q -- "$option" "$WORK/init.err" || fail "init's refusal of $what does not name $option: $(cat "$WORK/init.err")"
    grep -qi -- "$text" "$WORK/init.err" || fail "init's refusal of $what does not say '$text': $(cat "$WORK/init.err")"
    [ ! -e "$WORK/refused/config.json" ] || fail "init wrote a configuration for $what"
    # A terminal set up before keeps its records, and says why it does not send them.
    local before
    before=$(status_field "$WORK/good" pending)
    printf '%s' '{"traveler":{"document_number":"TLS0002","issuing_country":"ALB","nationality":"ALB","surname":"B","birth_date":"1980-01-01","sex":"F"}}' |
        checkpoint record --data-dir "$WORK/good" --direction exit --stdin >/dev/null
    rc=0
    checkpoint sync --once --data-dir "$WORK/good" 2>/dev/null || rc=$?
    [ $rc = 1 ] || fail "sync --once exited $rc against $what, not 1"
    [ "$(status_field "$WORK/good" pending)" = $((before + 1)) ] || fail "records left the queue against $what"
    checkpoint status --data-dir "$WORK/good" --json | grep_all -i "TLS.*$text" || fail "status does not say why ($what)"
    rc=0
    ctl_tls --token "$OPS" fleet --json >/dev/null 2>"$WORK/ctl.err" || rc=$?
    [ $rc = 1 ] || fail "borderlogctl exited $rc against $what, not 1"
    grep -qi -- "$text" "$WORK/ctl.err" || fail "borderlogctl does not say '$text' against $what: $(cat "$WORK/ctl.err")"
}

log "a certificate of another CA is refused"
kill_server
start_tls "$C/other" localhost
wait_until 30 "the server to listen" curl -sfk "https://localhost:$PORT/livez" -o /dev/null
expect_refused "another CA's certificate" "certificate" --ca

log "an expired certificate is refused"
kill_server
start_tls "$C/expired" localhost
wait_until 30 "the server to listen" curl -sfk "https://localhost:$PORT/livez" -o /dev/null
expect_refused "an expired certificate" "expired" --ca

log "a certificate for another host name is refused"
kill_server
start_tls "$C" central.example
wait_until 30 "the server to listen" curl -sfk "https://localhost:$PORT/livez" -o /dev/null
expect_refused "another host's certificate" "mismatch" --server

log "the right server again: what waited is sent"
kill_server
start_tls "$C" localhost --tls-handshake-timeout 2
wait_until 30 "the server to answer over HTTPS" livez_tls
checkpoint sync --once --data-dir "$WORK/good" 2>/dev/null || fail "sync failed once the right server was back"
assert_exactly_once "$WORK/good" KAK-01

log "protocol versions and suites"
tls_handshake() { openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$C/ca/ca.pem" "$@" </dev/null >"$WORK/s_client.out" 2>&1; }
tls_handshake -tls1_2 || fail "TLS 1.2 was refused"
grep -q "Cipher is ECDHE-" "$WORK/s_client.out" || fail "TLS 1.2 did not use an ECDHE suite: $(grep Cipher "$WORK/s_client.out")"
tls_handshake -tls1_3 || fail "TLS 1.3 was refused"
for version in -tls1 -tls1_1; do
    # The client is told to offer the old version (its own defaults would not): the server must refuse.
    if tls_handshake "$version" -cipher 'DEFAULT:@SECLEVEL=0'; then fail "the server accepted $version"; fi
    grep -qi "alert protocol version\|unsupported protocol\|no protocols available\|wrong version" "$WORK/s_client.out" ||
        fail "$version failed for another reason: $(tail -n 3 "$WORK/s_client.out")"
done
# The test certificates are ECDSA: CBC suites with ECDHE are what the server could pick, and must not.
tls_handshake -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 || fail "an ECDHE AEAD suite was refused"
for suite in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-SHA384; do
    if tls_handshake -tls1_2 -cipher "$suite:@SECLEVEL=0"; then fail "the server accepted the suite $suite"; fi
done
openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -CAfile "$C/ca/ca.pem" </dev/null 2>/dev/null |
    grep -q "Compression: NONE" || fail "TLS compression is not off"

log "garbage, plain HTTP and a silent client end only their own connection"
python3 - "$PORT" <<'PY' || fail "the TLS port mishandled a stranger"
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s
def closed_within(s, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return True
        if not data:
            return True
    return False
for name, data in [("garbage", bytes(range(256)) * 8), ("plain HTTP", b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"),
                   ("a TLS record of 16 MB", b"\x16\x03\x01\xff\xff" + b"\x00" * 70000)]:
    s = conn()
    try:
        s.sendall(data)
    except OSError:
        pass
    if not closed_within(s, 15):
        sys.exit(f"{name}: the connection stays open")
    s.close()
s = conn()  # says nothing: the handshake deadline (2 s here) closes it
if not closed_within(s, 15):
    sys.exit("a client that never starts its handshake is not closed")
PY
livez_tls || fail "/livez does not answer after the strangers"
server_alive

log "device certificates: a device token only with its own device's certificate"
kill_server
start_tls "$C" localhost --tls-client-ca "$C/ca/ca.pem"
wait_until 30 "the server to answer over HTTPS" livez_tls
grep -q '"device_certificates":true' "$WORK/server.log" || fail "the server does not say it requires device certificates"
new_record() {
    printf '{"traveler":{"document_number":"%s","issuing_country":"ALB","nationality":"ALB","surname":"C","birth_date":"1980-01-01","sex":"F"}}' "$2" |
        checkpoint record --data-dir "$1" --direction entry --stdin >/dev/null
}
# Without a certificate: init is refused (the centre answers 403 to the token's check), naming --client-cert.
rc=0
checkpoint init --data-dir "$WORK/nocert" --server "$URL" --checkpoint KAKAVIJE --device KAK-02 --token "$DEV2" \
    --ca "$C/ca/ca.pem" 2>"$WORK/init.err" || rc=$?
[ $rc = 2 ] || fail "init without a client certificate exited $rc, not 2"
grep -q -- "--client-cert" "$WORK/init.err" || fail "init without a certificate does not name --client-cert: $(cat "$WORK/init.err")"
# Another device's certificate: refused.
rc=0
checkpoint init --data-dir "$WORK/wrongcert" --server "$URL" --checkpoint KAKAVIJE --device KAK-02 --token "$DEV2" \
    --ca "$C/ca/ca.pem" --client-cert "$C/KAK-01.pem" --client-key "$C/KAK-01.key" 2>"$WORK/init.err" || rc=$?
[ $rc = 2 ] || fail "init with another device's certificate exited $rc, not 2"
# A certificate of another CA for the right device: the handshake itself is refused.
rc=0
checkpoint init --data-dir "$WORK/othercert" --server "$URL" --checkpoint KAKAVIJE --device KAK-01 --token "$DEV1" \
    --ca "$C/ca/ca.pem" --client-cert "$C/other/KAK-01.pem" --client-key "$C/other/KAK-01.key" 2>"$WORK/init.err" || rc=$?
[ $rc = 2 ] || fail "init with a certificate of another CA exited $rc, not 2"
grep -q -- "--client-cert" "$WORK/init.err" || fail "the refusal of another CA's client certificate does not name --client-cert"
# The right certificate: records flow, and exactly once.
checkpoint init --data-dir "$WORK/cert1" --server "$URL" --checkpoint KAKAVIJE --device KAK-01 --token "$DEV1" \
    --ca "$C/ca/ca.pem" --client-cert "$C/KAK-01.pem" --client-key "$C/KAK-01.key" 2>"$WORK/init.err" ||
    fail "init with the device's own certificate failed: $(cat "$WORK/init.err")"
[ "$(stat -c %a "$WORK/cert1/client-key.pem")" = 600 ] || fail "the device key copy is not 0600"
for i in 1 2 3; do new_record "$WORK/cert1" "CERT000$i"; done
checkpoint sync --once --data-dir "$WORK/cert1" 2>/dev/null || fail "sync with the device's certificate failed"
# The old terminal of KAK-01 (no certificate) is now refused; its records wait.
new_record "$WORK/good" TLS0003
rc=0
checkpoint sync --once --data-dir "$WORK/good" 2>/dev/null || rc=$?
[ $rc = 1 ] || fail "a terminal without its certificate synced with the device token (exit $rc)"
# Operations staff need no certificate.
ctl_tls --token "$OPS" crossings list --device KAK-01 --json >/dev/null || fail "an operations token without a certificate was refused"
# The daemon runs with its certificate too.
"$CHECKPOINT_BIN" run --data-dir "$WORK/cert1" --heartbeat-interval 1 --poll-interval-ms 100 2>"$WORK/daemon.log" &
daemon=$!
BACKGROUND_PIDS+=($daemon)
new_record "$WORK/cert1" CERT0004
wait_until 30 "the daemon to send the record over TLS" is_now 0 status_field "$WORK/cert1" pending
kill -TERM "$daemon"
wait "$daemon" || fail "the daemon did not stop cleanly"
[ "$(sql "SELECT count(*) FROM crossings WHERE device_id = 'KAK-02'")" = 0 ] || fail "KAK-02 stored records without its certificate"

log "plain HTTP only where asked for; keys others may read are refused"
rc=0
"$SERVER_BIN" serve --db "$DB_URL" --listen "0.0.0.0:$PORT" >"$WORK/plain.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "serve on 0.0.0.0 without TLS exited $rc, not 2"
grep -q -- "--tls-cert" "$WORK/plain.out" || fail "the refusal of plain HTTP does not name --tls-cert"
cp "$C/localhost.key" "$WORK/readable.key" && chmod 644 "$WORK/readable.key"
rc=0
"$SERVER_BIN" serve --db "$DB_URL" --listen "127.0.0.1:0" --tls-cert "$C/localhost.pem" --tls-key "$WORK/readable.key" \
    >"$WORK/key.out" 2>&1 || rc=$?
[ $rc != 0 ] || fail "serve accepted a private key others may read"
grep -q -- "--tls-key" "$WORK/key.out" || fail "the refusal of a readable key does not name --tls-key"
rc=0
checkpoint init --data-dir "$WORK/plain" --server "http://192.0.2.10:8080" --checkpoint KAKAVIJE --device KAK-09 \
    --token x 2>"$WORK/init.err" || rc=$?
[ $rc = 2 ] || fail "init accepted plain http:// to another host (exit $rc)"
grep -q -- "--insecure-http" "$WORK/init.err" || fail "init's refusal of plain http does not name --insecure-http"
rc=0
"$CTL_BIN" --server "http://192.0.2.10:8080" --token x fleet 2>"$WORK/ctl.err" || rc=$?
[ $rc = 2 ] || fail "borderlogctl accepted plain http:// to another host (exit $rc)"

log "without device certificates again, the old terminal's waiting records arrive: each once"
kill_server
start_tls "$C" localhost
wait_until 30 "the server to answer over HTTPS" livez_tls
checkpoint sync --once --data-dir "$WORK/good" 2>/dev/null || fail "the old terminal could not sync"
{ local_ids "$WORK/good"; local_ids "$WORK/cert1"; } | sort >"$WORK/local.ids"
central_ids KAK-01 >"$WORK/central.ids"
diff -q "$WORK/local.ids" "$WORK/central.ids" >/dev/null ||
    fail "PostgreSQL does not hold exactly KAK-01's records ($(wc -l <"$WORK/local.ids") local, $(wc -l <"$WORK/central.ids") central)"
[ "$(wc -l <"$WORK/central.ids")" = 9 ] || fail "expected 9 records of KAK-01, found $(wc -l <"$WORK/central.ids")"
