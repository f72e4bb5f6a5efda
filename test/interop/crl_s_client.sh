#!/usr/bin/env bash
# A CRL made with `openssl ca -gencrl` revokes a client that `openssl s_client`
# presents: https_server --crl refuses it with a certificate_revoked alert and
# logs "peer certificate revoked"; a client of the same CA that the CRL does
# not list gets the HTTP response.
# Usage: crl_s_client.sh 1.2|1.3   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
pin_version "$1"
certs=$MTLS_TEST_CERTS
cd "$work_dir"

# A client CA with an `openssl ca` database, two clients, one revoked.
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 30 -sha256 -subj "/CN=mtls interop CRL CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
mkdir db
: > db/index.txt
echo 1000 > db/serial
echo 01 > db/crlnumber
cat > ca.cnf <<'CNF'
[ca]
default_ca = interop_ca
[interop_ca]
database = db/index.txt
new_certs_dir = db
serial = db/serial
crlnumber = db/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = any
[any]
commonName = supplied
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
CNF
for name in revoked good; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=mtls interop $name client" 2>/dev/null
    openssl ca -batch -notext -config ca.cnf -extensions client -in "$name.csr" -out "$name.pem" \
        -cert ca.pem -keyfile ca.key 2>/dev/null || fail "openssl ca did not issue $name.pem"
done
openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -revoke revoked.pem 2>/dev/null ||
    fail "openssl ca -revoke failed"
openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -gencrl -out crl.pem 2>/dev/null ||
    fail "openssl ca -gencrl failed"
openssl crl -in crl.pem -noout -text | grep -q "Serial Number: 1000" || fail "the CRL does not list revoked.pem"

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca ca.pem --verify require --crl crl.pem
s_client_get "$server_port" revoked.out "$openssl_pin" -CAfile "$certs/ca.pem" -cert revoked.pem -key revoked.key || true
assert_contains revoked.out "alert certificate revoked"
assert_not_contains revoked.out "version: TLSv"
wait_for_line "$server_log" "peer certificate revoked" "$server_pid" >/dev/null

s_client_get "$server_port" good.out "$openssl_pin" -verify_return_error -CAfile "$certs/ca.pem" \
    -cert good.pem -key good.key || {
    show_file good.out
    show_file "$server_log"
    fail "the client the CRL does not list was refused"
}
assert_contains good.out "version: TLSv$version"
assert_contains good.out "client: $(subject_of good.pem)"
kill -0 "$server_pid" || fail "https_server died"
echo "ok: TLS $version client revoked by openssl ca -gencrl refused, unrevoked client served"
