#!/usr/bin/env bash
# https_server --require-client-uri admits a client whose certificate carries
# a matching URI SAN and names it in the body ("client-uri: ..."); `openssl
# s_client` presenting another URI, or none, gets the access_denied alert
# (RFC 8446 §6.2, RFC 5246 §7.2.2). Without the requirement the body says
# "client-uri: none" for a certificate without URI. TLS 1.2 and 1.3.
# Usage: client_uri_s_client.sh   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS
billing=spiffe://example.org/ns/prod/sa/billing

# s_client presenting credential NAME with TLS pin PIN; output to FILE.
present() {
    s_client_get "$server_port" "$1" "$2" -CAfile "$certs/ca.pem" \
        -cert "$certs/$3.pem" -key "$certs/$3.key" || true
}

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require --require-client-uri 'spiffe://example.org/ns/*/sa/billing'
for version in 1.2 1.3; do
    pin=-tls${version/./_}
    present "$work_dir/billing-$version" "$pin" client-spiffe-billing
    assert_contains "$work_dir/billing-$version" "version: TLSv$version"
    assert_contains "$work_dir/billing-$version" "client: $(subject_of "$certs/client-spiffe-billing.pem")"
    assert_contains "$work_dir/billing-$version" "client-uri: $billing"
    for refused in client-spiffe-web client-ecdsa; do
        out="$work_dir/$refused-$version"
        present "$out" "$pin" "$refused"
        assert_contains "$out" "alert access denied"
        assert_not_contains "$out" "version: TLSv"
    done
done
[[ $(count_lines "$server_log" 'does not carry the required identity') -eq 4 ]] || {
    show_file "$server_log"
    fail "https_server did not log the four refusals"
}
kill -0 "$server_pid" || fail "https_server died"
stop_server

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require
present "$work_dir/no-uri" -tls1_3 client-ecdsa
assert_contains "$work_dir/no-uri" "client-uri: none"
echo "ok: https_server --require-client-uri admits $billing and refuses others, TLS 1.2 and 1.3"
