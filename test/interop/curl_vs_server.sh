#!/usr/bin/env bash
# curl with a client certificate against https_server --verify require, for
# one TLS 1.2 suite; once by host name and once by IP address (IP SAN).
# Usage: curl_vs_server.sh OPENSSL_SUITE   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program curl
require_program openssl
suite=$1
certs=$MTLS_TEST_CERTS
server=$(server_cert_for "$suite")

start_https_server --cert "$certs/$server.pem" --key "$certs/$server.key" \
    --ca "$certs/ca.pem" --verify require

curl_get() {
    timeout "$step_timeout" curl --silent --show-error --fail --max-time "$step_timeout" \
        --tlsv1.2 --tls-max 1.2 --ciphers "$suite" \
        --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key" \
        --cacert "$certs/ca.pem" "$@" >"$work_dir/body" 2>"$work_dir/err" || {
        cat "$work_dir/err" "$server_log" >&2
        fail "curl $* failed"
    }
    assert_contains "$work_dir/body" "version: TLSv1.2"
    assert_contains "$work_dir/body" "cipher: $(iana_name "$suite")"
    assert_contains "$work_dir/body" "client: $(subject_of "$certs/client-ecdsa.pem")"
}

curl_get --resolve "localhost:$server_port:127.0.0.1" "https://localhost:$server_port/"
curl_get "https://127.0.0.1:$server_port/"
echo "ok: curl negotiated $suite with https_server"
