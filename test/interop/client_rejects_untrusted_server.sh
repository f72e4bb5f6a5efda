#!/usr/bin/env bash
# https_client refuses a server whose certificate chains to an unknown CA.
# Usage: client_rejects_untrusted_server.sh 1.2|1.3   (env: HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
pin_version "$1"
certs=$MTLS_TEST_CERTS
start_s_server "$openssl_pin" -cert "$certs/server-untrusted.pem" -key "$certs/server-untrusted.key"
status=0
timeout "$step_timeout" "$HTTPS_CLIENT" "https://localhost:$server_port/" \
    --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key" --ca "$certs/ca.pem" \
    >"$work_dir/body" 2>"$work_dir/err" || status=$?
[[ $status -ne 0 ]] || fail "https_client accepted an untrusted server"
[[ $status -ne 124 ]] || fail "https_client timed out instead of failing"
assert_contains "$work_dir/err" "not trusted"
[[ ! -s "$work_dir/body" ]] || fail "https_client printed a body from an untrusted server"
# The client told the server why (RFC 8446 §6.2, RFC 5246 §7.2.2: unknown_ca).
wait_for_line "$server_log" 'alert unknown ca' "$server_pid" >/dev/null
echo "ok: TLS $version untrusted server refused: $(cat "$work_dir/err")"
