#!/usr/bin/env bash
# TLS 1.3 with mutual authentication against GnuTLS, for one cipher suite and
# each group: https_client against gnutls-serv --require-client-cert, and
# gnutls-cli against https_server --verify require. The GnuTLS peer's priority
# string allows only TLS 1.3, that suite's cipher and that group, so mtls must
# negotiate exactly those; both ends must report them.
# Usage: tls13_gnutls.sh IANA_SUITE   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program gnutls-serv
require_program gnutls-cli
require_program openssl
suite=$1
certs=$MTLS_TEST_CERTS
cipher=$(gnutls_cipher "$suite")

for group in x25519 secp256r1 secp384r1; do
    certs_for_group "$group"
    what="$suite/$group ($server_cert, $client_cert)"
    priority="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+$cipher:-GROUP-ALL:+GROUP-$(gnutls_group "$group")"
    # How GnuTLS describes the session: (TLS1.3-X.509)-(ECDHE-X25519)-(<signature>)-(AES-128-GCM)
    description_start="(TLS1.3-X.509)-(ECDHE-$(gnutls_group "$group"))-"
    description_end="-($cipher)"

    # https_client → gnutls-serv, which requires and verifies a client certificate.
    start_gnutls_serv --priority "$priority" --require-client-cert --verify-client-cert \
        --x509cafile "$certs/ca.pem" --x509certfile "$certs/$server_cert.pem" \
        --x509keyfile "$certs/$server_cert.key"
    https_client_get "$server_port" "$work_dir/client" \
        --cert "$certs/$client_cert.pem" --key "$certs/$client_cert.key" || {
        cat "$work_dir/client.err" >&2
        show_file "$server_log"
        fail "https_client failed against gnutls-serv: $what"
    }
    assert_contains "$work_dir/client.err" \
        "TLSv1.3 $suite server: $(subject_of "$certs/$server_cert.pem")"
    assert_contains "$work_dir/client.err" "group: $group"
    # gnutls-serv's page: what it negotiated, and the client certificate it got.
    assert_contains "$work_dir/client.body" "<TD>Protocol version:</TD><TD>TLS1.3</TD>"
    assert_contains "$work_dir/client.body" "$description_start"
    assert_contains "$work_dir/client.body" "$description_end</TD>"
    assert_contains "$work_dir/client.body" "Subject: $(subject_of "$certs/$client_cert.pem")"
    assert_contains "$server_log" "- Status: The certificate is trusted."
    stop_server

    # gnutls-cli → https_server, which requires a client certificate.
    start_https_server --cert "$certs/$server_cert.pem" --key "$certs/$server_cert.key" \
        --ca "$certs/ca.pem" --verify require
    gnutls_cli_get "$server_port" "$work_dir/gnutls-cli" --priority "$priority" \
        --x509cafile "$certs/ca.pem" --x509certfile "$certs/$client_cert.pem" \
        --x509keyfile "$certs/$client_cert.key" || {
        show_file "$work_dir/gnutls-cli"
        show_file "$server_log"
        fail "gnutls-cli failed against https_server: $what"
    }
    assert_contains "$work_dir/gnutls-cli" "- Status: The certificate is trusted."
    assert_contains "$work_dir/gnutls-cli" "- Description: $description_start"
    grep -qF -- "$description_end" <(grep -F -- "- Description:" "$work_dir/gnutls-cli") ||
        fail "gnutls-cli did not negotiate $cipher: $(grep -F -- "- Description:" "$work_dir/gnutls-cli")"
    assert_contains "$work_dir/gnutls-cli" "HTTP/1.0 200 OK"
    assert_contains "$work_dir/gnutls-cli" "version: TLSv1.3"
    assert_contains "$work_dir/gnutls-cli" "cipher: $suite"
    assert_contains "$work_dir/gnutls-cli" "group: $group"
    assert_contains "$work_dir/gnutls-cli" "client: $(subject_of "$certs/$client_cert.pem")"
    # RFC 8446 §6.1: the server ends the exchange with close_notify; gnutls-cli
    # reports a bare TCP close as an error ("The TLS connection was
    # non-properly terminated") instead.
    assert_contains "$work_dir/gnutls-cli" "- Peer has closed the GnuTLS connection"
    stop_server
    echo "ok: $what, both directions"
done
