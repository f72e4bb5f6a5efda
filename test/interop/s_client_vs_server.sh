#!/usr/bin/env bash
# `openssl s_client` with a client certificate against https_server
# --verify require, for one TLS 1.2 suite. TLS 1.2 is pinned on one side at a
# time: s_client -tls1_2 against https_server's default (TLS 1.2 and 1.3),
# then https_server --tls-max 1.2 against s_client's default, which then
# checks that a server that stops at TLS 1.2 sends no downgrade sentinel
# (RFC 8446 §4.1.3).
# Usage: s_client_vs_server.sh OPENSSL_SUITE   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
suite=$1
certs=$MTLS_TEST_CERTS
server=$(server_cert_for "$suite")
for pinned in peer server; do
    case $pinned in
        peer) server_pin=() client_pin=(-tls1_2) ;;
        server) server_pin=(--tls-max 1.2) client_pin=() ;;
    esac
    start_https_server --cert "$certs/$server.pem" --key "$certs/$server.key" \
        --ca "$certs/ca.pem" --verify require "${server_pin[@]}"
    s_client_get "$server_port" "$work_dir/out" "${client_pin[@]}" -cipher "$suite" \
        -verify_return_error -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key" \
        -CAfile "$certs/ca.pem" || {
        cat "$work_dir/out" "$server_log" >&2
        fail "s_client failed (TLS 1.2 pinned by the $pinned)"
    }
    assert_contains "$work_dir/out" "HTTP/1.0 200 OK"
    assert_contains "$work_dir/out" "version: TLSv1.2"
    assert_contains "$work_dir/out" "cipher: $(iana_name "$suite")"
    assert_contains "$work_dir/out" "client: $(subject_of "$certs/client-ecdsa.pem")"
    # The server ended the HTTP/1.0 exchange with close_notify, not a bare FIN.
    # (s_client prints a line "closed" only on close_notify.)
    grep -qx closed "$work_dir/out" || fail "https_server did not send close_notify"
    stop_server
done
echo "ok: s_client negotiated $suite with https_server"
