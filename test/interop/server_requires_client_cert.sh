#!/usr/bin/env bash
# https_server --verify require refuses a client without a certificate (the
# client sees an alert) and keeps serving: the next, good request succeeds.
# In TLS 1.3 the client has finished its handshake before the server decides,
# and the refusal is the certificate_required alert (RFC 8446 §4.4.2.4, §6.2).
# Usage: server_requires_client_cert.sh 1.2|1.3   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
version=$1
case $version in
    1.2) pin=-tls1_2 refusal="alert" ;;
    1.3) pin=-tls1_3 refusal="alert certificate required" ;;
    *) fail "usage: $0 1.2|1.3" ;;
esac
certs=$MTLS_TEST_CERTS
start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require
if s_client_get "$server_port" "$work_dir/anonymous" "$pin" -CAfile "$certs/ca.pem"; then
    show_file "$work_dir/anonymous"
    fail "s_client without a certificate succeeded"
fi
assert_contains "$work_dir/anonymous" "$refusal"
assert_not_contains "$work_dir/anonymous" "version: TLSv"
s_client_get "$server_port" "$work_dir/good" "$pin" -verify_return_error -CAfile "$certs/ca.pem" \
    -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key" || {
    cat "$work_dir/good" "$server_log" >&2
    fail "good request after a refused one failed"
}
assert_contains "$work_dir/good" "version: TLSv$version"
assert_contains "$work_dir/good" "client: $(subject_of "$certs/client-ecdsa.pem")"
# One line on stderr for the refused connection.
[[ $(grep -c . "$server_log") -ge 1 ]] || fail "https_server logged nothing for the refused client"
kill -0 "$server_pid" || fail "https_server died"
echo "ok: TLS $version client without certificate refused, server kept serving"
