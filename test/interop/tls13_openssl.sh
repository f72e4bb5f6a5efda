#!/usr/bin/env bash
# TLS 1.3 with mutual authentication against OpenSSL, for one cipher suite and
# each group: https_client against `openssl s_server -tls1_3`, and
# `openssl s_client -tls1_3` against https_server --verify require. The
# OpenSSL peer offers or accepts only that suite (-ciphersuites) and that group
# (-groups), so mtls must negotiate exactly those; both ends must report them.
# Usage: tls13_openssl.sh IANA_SUITE   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
suite=$1
certs=$MTLS_TEST_CERTS
gnutls_cipher "$suite" >/dev/null # rejects a name that is no TLS 1.3 suite

for group in x25519 secp256r1 secp384r1; do
    certs_for_group "$group"
    what="$suite/$group ($server_cert, $client_cert)"

    # https_client → s_server, which demands a client certificate (-Verify)
    # and fails the handshake if it does not verify.
    start_s_server -tls1_3 -ciphersuites "$suite" -groups "$(openssl_group "$group")" \
        -Verify 1 -verify_return_error -cert "$certs/$server_cert.pem" \
        -key "$certs/$server_cert.key" -CAfile "$certs/ca.pem"
    https_client_get "$server_port" "$work_dir/client" \
        --cert "$certs/$client_cert.pem" --key "$certs/$client_cert.key" || {
        cat "$work_dir/client.err" >&2
        show_file "$server_log"
        fail "https_client failed against s_server: $what"
    }
    assert_contains "$work_dir/client.err" \
        "TLSv1.3 $suite server: $(subject_of "$certs/$server_cert.pem")"
    assert_contains "$work_dir/client.err" "group: $group"
    # s_server's page: what it negotiated, and the client certificate it got.
    assert_contains "$work_dir/client.body" "New, TLSv1.3, Cipher is $suite"
    assert_contains "$work_dir/client.body" "Subject: $(subject_of "$certs/$client_cert.pem")"
    stop_server

    # s_client → https_server, which requires a client certificate.
    start_https_server --cert "$certs/$server_cert.pem" --key "$certs/$server_cert.key" \
        --ca "$certs/ca.pem" --verify require
    s_client_get "$server_port" "$work_dir/s_client" -tls1_3 -ciphersuites "$suite" \
        -groups "$(openssl_group "$group")" -verify_return_error -CAfile "$certs/ca.pem" \
        -cert "$certs/$client_cert.pem" -key "$certs/$client_cert.key" || {
        show_file "$work_dir/s_client"
        show_file "$server_log"
        fail "s_client failed against https_server: $what"
    }
    assert_contains "$work_dir/s_client" "New, TLSv1.3, Cipher is $suite"
    assert_contains "$work_dir/s_client" "Server Temp Key: $(openssl_temp_key "$group")"
    assert_contains "$work_dir/s_client" "HTTP/1.0 200 OK"
    assert_contains "$work_dir/s_client" "version: TLSv1.3"
    assert_contains "$work_dir/s_client" "cipher: $suite"
    assert_contains "$work_dir/s_client" "group: $group"
    assert_contains "$work_dir/s_client" "client: $(subject_of "$certs/$client_cert.pem")"
    # RFC 8446 §6.1: the server ends the exchange with close_notify (s_client
    # prints "closed" only then).
    grep -qx closed "$work_dir/s_client" || fail "https_server did not send close_notify: $what"
    stop_server
    echo "ok: $what, both directions"
done
