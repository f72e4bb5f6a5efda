#!/usr/bin/env bash
# TLS 1.3 without a client certificate where the server does not require one,
# against OpenSSL, both directions: the server either asks for none or asks
# for one optionally; in the second case a client without one answers with an
# empty Certificate message (RFC 8446 §4.4.2, §4.4.2.4) and the handshake
# still succeeds. (Refusal by https_server --verify require:
# server_requires_client_cert.sh 1.3.)
# Usage: tls13_no_client_cert.sh   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS
server_cert=(-cert "$certs/server-ecdsa.pem" -key "$certs/server-ecdsa.key")
certificate_request_in='^<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateRequest'
# An empty client Certificate: type 11, length 4, empty context, empty list.
empty_certificate_hex='0b 00 00 04 00 00 00 00'

# https_client, no certificate → s_server asking for none, then for an
# optional one (-verify, not -Verify).
for request in none optional; do
    case $request in
        none) args=() ;;
        optional) args=(-verify 1) ;;
    esac
    start_s_server -tls1_3 -msg "${args[@]}" "${server_cert[@]}"
    https_client_get "$server_port" "$work_dir/client" || {
        cat "$work_dir/client.err" >&2
        show_file "$server_log"
        fail "https_client without a certificate failed (server request: $request)"
    }
    assert_contains "$work_dir/client.err" "TLSv1.3 "
    assert_contains "$work_dir/client.body" "New, TLSv1.3"
    assert_contains "$work_dir/client.body" "no client certificate available"
    if [[ $request == optional ]]; then
        grep -A1 -E '^<<< TLS 1\.3, Handshake \[length 0008\], Certificate$' "$server_log" |
            grep -qF "$empty_certificate_hex" || {
            show_file "$server_log"
            fail "https_client did not answer the CertificateRequest with an empty Certificate"
        }
    fi
    stop_server
done

# s_client, no certificate → https_server --verify none (no CertificateRequest)
# and --verify optional (a CertificateRequest, answered with no certificate).
for verify in none optional; do
    start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
        --ca "$certs/ca.pem" --verify "$verify"
    s_client_get "$server_port" "$work_dir/s_client" -tls1_3 -msg -verify_return_error \
        -CAfile "$certs/ca.pem" || {
        show_file "$work_dir/s_client"
        show_file "$server_log"
        fail "s_client without a certificate failed against https_server --verify $verify"
    }
    assert_contains "$work_dir/s_client" "New, TLSv1.3"
    assert_contains "$work_dir/s_client" "version: TLSv1.3"
    assert_contains "$work_dir/s_client" "client: none"
    requests=$(count_lines "$work_dir/s_client" "$certificate_request_in")
    case $verify in
        none) [[ $requests -eq 0 ]] || fail "https_server --verify none sent a CertificateRequest" ;;
        optional) [[ $requests -eq 1 ]] || fail "https_server --verify optional sent no CertificateRequest" ;;
    esac
    grep -qx closed "$work_dir/s_client" || fail "https_server did not send close_notify"
    stop_server
done
echo "ok: TLS 1.3 without a client certificate, both directions"
