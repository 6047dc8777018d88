#!/usr/bin/env bash
# A small certificate authority for borderlog, with nothing but openssl: the quickstart and the tests
# make their own with it, and it shows an operator the commands (docs/security.md). Keys are P-256,
# written 0600 by openssl.
#
#   tls-certs.sh ca     DIR NAME                   DIR/ca.pem, DIR/ca.key (10 years)
#   tls-certs.sh server DIR CA_DIR NAME SAN [DAYS] DIR/NAME.pem (leaf, then the CA), DIR/NAME.key
#                                                  SAN e.g. "DNS:central.example,IP:10.0.0.5"
#   tls-certs.sh device DIR CA_DIR DEVICE_ID [DAYS] DIR/DEVICE_ID.pem, DIR/DEVICE_ID.key (CN = the device id)
#
# DAYS defaults to 397 (what browsers accept for a server certificate). A server certificate holds its
# CA after it, so that a client sees the whole chain.
set -euo pipefail

usage() {
    sed -n '6,9p' "$0" >&2
    exit 2
}

# new_key_and_request KEY CSR SUBJECT
new_key_and_request() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1" -out "$2" -subj "$3" 2>/dev/null
    chmod 600 "$1"
}

# sign CA_DIR CSR OUT DAYS EXTENSIONS
sign() {
    local extensions
    extensions=$(mktemp)
    printf '%b' "$5" >"$extensions"
    openssl x509 -req -in "$2" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -CAserial "$1/ca.srl" \
        -out "$3" -days "$4" -sha256 -extfile "$extensions" 2>/dev/null
    rm -f "$extensions" "$2"
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case "$cmd" in
ca)
    [ $# -eq 2 ] || usage
    mkdir -p "$1"
    (umask 077 && openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
        -keyout "$1/ca.key" -out "$1/ca.pem" -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null)
    chmod 644 "$1/ca.pem"
    ;;
server)
    [ $# -ge 4 ] || usage
    dir=$1 ca=$2 name=$3 san=$4 days=${5:-397}
    mkdir -p "$dir"
    new_key_and_request "$dir/$name.key" "$dir/$name.csr" "/CN=$name"
    sign "$ca" "$dir/$name.csr" "$dir/$name.pem" "$days" \
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=$san\n"
    cat "$ca/ca.pem" >>"$dir/$name.pem"
    ;;
device)
    [ $# -ge 3 ] || usage
    dir=$1 ca=$2 device=$3 days=${4:-825}
    mkdir -p "$dir"
    new_key_and_request "$dir/$device.key" "$dir/$device.csr" "/CN=$device"
    sign "$ca" "$dir/$device.csr" "$dir/$device.pem" "$days" \
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
    ;;
*)
    usage
    ;;
esac
