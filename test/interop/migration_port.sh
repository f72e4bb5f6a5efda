#!/usr/bin/env bash
# The migration guide's worked port (test/migration/http_client_async_mtls.cpp)
# against https_server: trusting the CA that SSL_CERT_FILE names, it prints
# the response, https_server's body lines included, and no error; it refuses
# a server its roots do not vouch for (without SSL_CERT_FILE: the system's),
# and one whose certificate does not name the host (set_host_name turns the
# check on, which the original did not make).
# Usage: migration_port.sh  (env: HTTPS_SERVER, MIGRATION_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
certs=$MTLS_TEST_CERTS
out=$work_dir/port.out
err=$work_dir/port.err

# Runs the port against localhost:PORT with the given environment settings
# (NAME=VALUE...); the example exits 0 even when it fails, so its stdout and
# stderr tell.
run_port() {
    local port=$1
    shift
    env -u SSL_CERT_FILE -u SSL_CERT_DIR "$@" \
        timeout "$step_timeout" "$MIGRATION_CLIENT" localhost "$port" / >"$out" 2>"$err" ||
        fail "the port exited with status $?"
}

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key"
run_port "$server_port" SSL_CERT_FILE="$certs/ca.pem"
if [[ -s $err ]]; then
    show_file "$err"
    fail "the port reported an error"
fi
assert_contains "$out" "HTTP/1.1 200 OK"
assert_contains "$out" "version: TLSv1.3"
assert_contains "$out" "client: none"

run_port "$server_port"
assert_contains "$err" "handshake: peer certificate not trusted"
assert_not_contains "$out" "version:"
stop_server

start_https_server --cert "$certs/server-san-other.pem" --key "$certs/server-san-other.key"
run_port "$server_port" SSL_CERT_FILE="$certs/ca.pem"
assert_contains "$err" "handshake: peer certificate does not match the host name"
assert_not_contains "$out" "version:"
echo "PASS: the port fetched from https_server and refused the untrusted and misnamed servers"
