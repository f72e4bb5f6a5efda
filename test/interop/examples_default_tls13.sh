#!/usr/bin/env bash
# The example programs against each other with no version options: they
# settle on TLS 1.3 and report it (the `version:` / `cipher:` / `group:` /
# `client:` lines of https_server, the first line of https_client); capping
# the client at 1.2 still works and is reported as TLSv1.2.
# Usage: examples_default_tls13.sh   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
certs=$MTLS_TEST_CERTS
client_subject=$(subject_of "$certs/client-ecdsa.pem")

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require

https_client_get "$server_port" "$work_dir/default" \
    --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key" || {
    show_file "$work_dir/default.err"
    show_file "$server_log"
    fail "https_client failed against https_server with default settings"
}
assert_contains "$work_dir/default.err" "TLSv1.3 TLS_AES_128_GCM_SHA256 server: $(subject_of "$certs/server-ecdsa.pem")"
assert_contains "$work_dir/default.err" "group: x25519"
assert_contains "$work_dir/default.err" "hello_retry: no"
assert_contains "$work_dir/default.body" "version: TLSv1.3"
assert_contains "$work_dir/default.body" "cipher: TLS_AES_128_GCM_SHA256"
assert_contains "$work_dir/default.body" "group: x25519"
assert_contains "$work_dir/default.body" "client: $client_subject"

https_client_get "$server_port" "$work_dir/capped" --tls-max 1.2 \
    --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key" || {
    show_file "$work_dir/capped.err"
    show_file "$server_log"
    fail "https_client --tls-max 1.2 failed against https_server"
}
assert_contains "$work_dir/capped.err" "TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
assert_contains "$work_dir/capped.body" "version: TLSv1.2"
assert_contains "$work_dir/capped.body" "client: $client_subject"
echo "PASS"
