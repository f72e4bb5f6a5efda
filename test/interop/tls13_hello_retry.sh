#!/usr/bin/env bash
# TLS 1.3 HelloRetryRequest (RFC 8446 §4.1.4, §4.2.8) against OpenSSL or
# GnuTLS, both directions, with mutual authentication:
# - https_client (groups x25519,secp256r1: one X25519 key share in its first
#   ClientHello) against a server that accepts only P-256 must be asked to
#   retry and then succeed on P-256;
# - https_server --groups secp256r1 against a client whose first ClientHello
#   carries no P-256 key share but lists P-256 must ask it to retry, then
#   succeed on P-256.
# Controls check that no retry happens when the first key share already fits,
# so that the retry checks can fail.
# Usage: tls13_hello_retry.sh openssl|gnutls   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
peer=$1
certs=$MTLS_TEST_CERTS
require_program openssl
client_cert=(--cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key")
client_subject=$(subject_of "$certs/client-ecdsa.pem")

# https_client against the server started last; expects group $1 and
# hello_retry $2 in its report.
check_https_client() {
    https_client_get "$server_port" "$work_dir/client" --groups x25519,secp256r1 "${client_cert[@]}" || {
        cat "$work_dir/client.err" >&2
        show_file "$server_log"
        fail "https_client failed against $peer (expected group $1, hello_retry $2)"
    }
    assert_contains "$work_dir/client.err" "TLSv1.3 "
    assert_contains "$work_dir/client.err" "group: $1"
    assert_contains "$work_dir/client.err" "hello_retry: $2"
}

# The body https_server returned to a client in FILE: TLS 1.3, group $2,
# our client certificate.
check_server_report() {
    assert_contains "$1" "version: TLSv1.3"
    assert_contains "$1" "group: $2"
    assert_contains "$1" "client: $client_subject"
}

case $peer in
openssl)
    server_args=(-tls1_3 -msg -Verify 1 -verify_return_error -CAfile "$certs/ca.pem"
                 -cert "$certs/server-ecdsa.pem" -key "$certs/server-ecdsa.key")
    client_args=(-tls1_3 -msg -verify_return_error -CAfile "$certs/ca.pem"
                 -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key")
    client_hello_in='^<<< TLS 1\.[0-3], Handshake \[length [0-9a-f]+\], ClientHello'
    client_hello_out='^>>> TLS 1\.[0-3], Handshake \[length [0-9a-f]+\], ClientHello'

    # Our client: s_server with only P-256 must send HelloRetryRequest; it
    # then sees a second ClientHello.
    start_s_server "${server_args[@]}" -groups P-256
    check_https_client secp256r1 yes
    [[ $(count_lines "$server_log" "$client_hello_in") -eq 2 ]] ||
        fail "s_server did not see two ClientHellos: $(grep -E "$client_hello_in" "$server_log")"
    stop_server
    # Control: an X25519 server takes the first ClientHello.
    start_s_server "${server_args[@]}" -groups X25519
    check_https_client x25519 no
    [[ $(count_lines "$server_log" "$client_hello_in") -eq 1 ]] ||
        fail "s_server saw more than one ClientHello for X25519"
    stop_server

    # Our server: s_client -groups X25519:P-256 sends only an X25519 key share.
    start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
        --ca "$certs/ca.pem" --verify require --groups secp256r1
    s_client_get "$server_port" "$work_dir/s_client" "${client_args[@]}" -groups X25519:P-256 || {
        show_file "$work_dir/s_client"
        show_file "$server_log"
        fail "s_client -groups X25519:P-256 failed against https_server --groups secp256r1"
    }
    [[ $(count_lines "$work_dir/s_client" "$client_hello_out") -eq 2 ]] ||
        fail "https_server did not send HelloRetryRequest (s_client sent one ClientHello)"
    assert_contains "$work_dir/s_client" "Server Temp Key: $(openssl_temp_key secp256r1)"
    check_server_report "$work_dir/s_client" secp256r1
    stop_server
    # Control: with X25519 allowed the first ClientHello suffices.
    start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
        --ca "$certs/ca.pem" --verify require --groups x25519,secp256r1
    s_client_get "$server_port" "$work_dir/s_client" "${client_args[@]}" -groups X25519:P-256 || {
        show_file "$work_dir/s_client"
        show_file "$server_log"
        fail "s_client -groups X25519:P-256 failed against https_server --groups x25519,secp256r1"
    }
    [[ $(count_lines "$work_dir/s_client" "$client_hello_out") -eq 1 ]] ||
        fail "https_server sent HelloRetryRequest although the X25519 key share was acceptable"
    check_server_report "$work_dir/s_client" x25519
    stop_server
    ;;
gnutls)
    require_program gnutls-serv
    require_program gnutls-cli
    tls13="NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL"
    server_args=(-d 4 --require-client-cert --verify-client-cert --x509cafile "$certs/ca.pem"
                 --x509certfile "$certs/server-ecdsa.pem" --x509keyfile "$certs/server-ecdsa.key")
    client_args=(-d 4 --x509cafile "$certs/ca.pem" --x509certfile "$certs/client-ecdsa.pem"
                 --x509keyfile "$certs/client-ecdsa.key")

    # Our client: gnutls-serv with only P-256 must send HelloRetryRequest.
    start_gnutls_serv "${server_args[@]}" --priority "$tls13:+GROUP-SECP256R1"
    check_https_client secp256r1 yes
    assert_contains "$server_log" "HELLO RETRY REQUEST was queued"
    stop_server
    # Control: an X25519 server takes the first ClientHello.
    start_gnutls_serv "${server_args[@]}" --priority "$tls13:+GROUP-X25519"
    check_https_client x25519 no
    assert_not_contains "$server_log" "HELLO RETRY REQUEST"
    stop_server

    start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
        --ca "$certs/ca.pem" --verify require --groups secp256r1
    # Our server: gnutls-cli listing P-384 then P-256 sends one key share,
    # for P-384, which this server does not accept.
    gnutls_cli_get "$server_port" "$work_dir/gnutls-cli" "${client_args[@]}" \
        --priority "$tls13:+GROUP-SECP384R1:+GROUP-SECP256R1" || {
        show_file "$work_dir/gnutls-cli"
        show_file "$server_log"
        fail "gnutls-cli (P-384, P-256) failed against https_server --groups secp256r1"
    }
    assert_contains "$work_dir/gnutls-cli" "HELLO RETRY REQUEST (1025) was received"
    # The premise: the first ClientHello (all before the retry) had only P-384.
    sed '/HELLO RETRY REQUEST/q' "$work_dir/gnutls-cli" >"$work_dir/first-hello"
    assert_contains "$work_dir/first-hello" "sending key share for SECP384R1"
    assert_not_contains "$work_dir/first-hello" "sending key share for SECP256R1"
    assert_contains "$work_dir/gnutls-cli" "- Description: (TLS1.3-X.509)-(ECDHE-SECP256R1)-"
    check_server_report "$work_dir/gnutls-cli" secp256r1
    # gnutls-cli listing X25519 then P-256 sends a key share for each (one per
    # curve family): the server must find the P-256 one in the first
    # ClientHello, no retry needed (RFC 8446 §4.2.8 allows several shares).
    gnutls_cli_get "$server_port" "$work_dir/gnutls-cli" "${client_args[@]}" \
        --priority "$tls13:+GROUP-X25519:+GROUP-SECP256R1" || {
        show_file "$work_dir/gnutls-cli"
        show_file "$server_log"
        fail "gnutls-cli (X25519, P-256) failed against https_server --groups secp256r1"
    }
    assert_contains "$work_dir/gnutls-cli" "sending key share for X25519"
    assert_contains "$work_dir/gnutls-cli" "sending key share for SECP256R1"
    assert_not_contains "$work_dir/gnutls-cli" "HELLO RETRY REQUEST"
    assert_contains "$work_dir/gnutls-cli" "- Description: (TLS1.3-X.509)-(ECDHE-SECP256R1)-"
    check_server_report "$work_dir/gnutls-cli" secp256r1
    stop_server
    ;;
*)
    fail "usage: $0 openssl|gnutls"
    ;;
esac
echo "ok: HelloRetryRequest against $peer, both directions"
