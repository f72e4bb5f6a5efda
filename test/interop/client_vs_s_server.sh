#!/usr/bin/env bash
# https_client with a client certificate against `openssl s_server`, which
# demands and verifies it, for one TLS 1.2 suite. TLS 1.2 is pinned on one
# side at a time: s_server -tls1_2 against https_client's default (TLS 1.2 and
# 1.3), then https_client --tls-max 1.2 against s_server's default.
# Usage: client_vs_s_server.sh OPENSSL_SUITE   (env: HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
suite=$1
certs=$MTLS_TEST_CERTS
server=$(server_cert_for "$suite")
for pinned in peer client; do
    case $pinned in
        peer) server_pin=(-tls1_2) client_pin=() ;;
        client) server_pin=() client_pin=(--tls-max 1.2) ;;
    esac
    start_s_server "${server_pin[@]}" -cipher "$suite" -Verify 1 -verify_return_error \
        -cert "$certs/$server.pem" -key "$certs/$server.key" -CAfile "$certs/ca.pem"
    status=0
    timeout "$step_timeout" "$HTTPS_CLIENT" "https://localhost:$server_port/" "${client_pin[@]}" \
        --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key" --ca "$certs/ca.pem" \
        >"$work_dir/body" 2>"$work_dir/err" || status=$?
    if [[ $status -ne 0 ]]; then
        cat "$work_dir/err" "$server_log" >&2
        fail "https_client exited with status $status (TLS 1.2 pinned by the $pinned)"
    fi
    # s_server's page reports what it negotiated; our client reports the same.
    assert_contains "$work_dir/body" "Cipher is $suite"
    assert_contains "$work_dir/body" "TLSv1.2"
    assert_contains "$work_dir/err" "TLSv1.2 $(iana_name "$suite") server: $(subject_of "$certs/$server.pem")"
    stop_server
done
echo "ok: https_client negotiated $suite with s_server"
