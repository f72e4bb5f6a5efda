#!/usr/bin/env bash
# The wss_echo example: a websocket server and client over mtls in one
# process, mutually authenticated. With the test PKI both sides settle on
# TLS 1.3, print each other's subjects, echo a message and close cleanly
# (status 1000, RFC 6455 §7.4.1). A client certificate from a CA the server
# does not trust makes the server's handshake fail (RFC 8446 §4.4.2.4), and
# wss_echo exits 1 saying so; the client reads the server's alert. A bad
# command line exits 2.
# Usage: wss_example.sh   (env: WSS_ECHO, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
certs=$MTLS_TEST_CERTS

# Runs wss_echo with the server's credentials, the CA and the given extra
# arguments; stdout goes to FILE.out, stderr to FILE.err. Sets status.
run_wss_echo() {
    local file=$1
    shift
    status=0
    timeout "$step_timeout" "$WSS_ECHO" --ca "$certs/ca.pem" \
        --server-cert "$certs/server-ecdsa.pem" --server-key "$certs/server-ecdsa.key" \
        "$@" >"$file.out" 2>"$file.err" || status=$?
}

run_wss_echo "$work_dir/trusted" \
    --client-cert "$certs/client-ecdsa.pem" --client-key "$certs/client-ecdsa.key"
if [[ $status -ne 0 ]]; then
    show_file "$work_dir/trusted.out"
    show_file "$work_dir/trusted.err"
    fail "wss_echo exited $status with certificates from the trusted CA"
fi
suite=TLS_AES_128_GCM_SHA256
assert_contains "$work_dir/trusted.out" \
    "server: TLSv1.3 $suite peer: $(subject_of "$certs/client-ecdsa.pem")"
assert_contains "$work_dir/trusted.out" \
    "client: TLSv1.3 $suite peer: $(subject_of "$certs/server-ecdsa.pem")"
assert_contains "$work_dir/trusted.out" 'client: echoed "hello over wss"'
assert_contains "$work_dir/trusted.out" "server: closed by the client, code 1000"
assert_contains "$work_dir/trusted.out" "client: closed"
if [[ -s $work_dir/trusted.err ]]; then
    show_file "$work_dir/trusted.err"
    fail "wss_echo wrote to stderr on success"
fi

run_wss_echo "$work_dir/untrusted" \
    --client-cert "$certs/client-untrusted.pem" --client-key "$certs/client-untrusted.key"
if [[ $status -ne 1 ]]; then
    show_file "$work_dir/untrusted.out"
    show_file "$work_dir/untrusted.err"
    fail "wss_echo exited $status with an untrusted client certificate (expected 1)"
fi
assert_contains "$work_dir/untrusted.err" "wss_echo: server: TLS handshake: "
# The client reads the server's alert, not just a closed connection.
assert_contains "$work_dir/untrusted.err" "wss_echo: client: websocket handshake: received alert unknown_ca"
assert_not_contains "$work_dir/untrusted.out" "server: TLSv1.3"
assert_not_contains "$work_dir/untrusted.out" "echoed"

run_wss_echo "$work_dir/usage" --client-cert "$certs/client-ecdsa.pem"
if [[ $status -ne 2 ]]; then
    show_file "$work_dir/usage.err"
    fail "wss_echo exited $status without --client-key (expected 2)"
fi
assert_contains "$work_dir/usage.err" "missing --client-key"
echo "PASS"
