#!/usr/bin/env bash
# https_server --verify require refuses a client without a certificate (the
# client sees an alert) and keeps serving: the next, good request succeeds.
# Usage: server_requires_client_cert.sh   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require

if s_client_get "$server_port" "$work_dir/anonymous" -tls1_2 -CAfile "$certs/ca.pem"; then
    cat "$work_dir/anonymous" >&2
    fail "s_client without a certificate succeeded"
fi
assert_contains "$work_dir/anonymous" "alert"
if grep -q "version: TLSv1.2" "$work_dir/anonymous"; then
    fail "the server answered a client without a certificate"
fi

s_client_get "$server_port" "$work_dir/good" -tls1_2 -verify_return_error -CAfile "$certs/ca.pem" \
    -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key" || {
    cat "$work_dir/good" "$server_log" >&2
    fail "good request after a refused one failed"
}
assert_contains "$work_dir/good" "client: $(subject_of "$certs/client-ecdsa.pem")"
# One line on stderr for the refused connection.
[[ $(grep -c . "$server_log") -ge 1 ]] || fail "https_server logged nothing for the refused client"
kill -0 "$server_pid" || fail "https_server died"
echo "ok: client without certificate refused, server kept serving"
