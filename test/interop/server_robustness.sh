#!/usr/bin/env bash
# https_server serves a second client while a first one holds its connection
# open, and answers a request it cannot parse (bare LF line endings, as typed
# into s_client) with 400 over TLS instead of dropping the connection.
# Usage: server_robustness.sh   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS
client_args=(-tls1_2 -verify_return_error -CAfile "$certs/ca.pem"
             -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key")

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require

# An idle client: handshaken, then silent (its stdin is a FIFO we keep open).
mkfifo "$work_dir/idle.in"
timeout 60 openssl s_client -connect "127.0.0.1:$server_port" "${client_args[@]}" \
    <"$work_dir/idle.in" >"$work_dir/idle.out" 2>&1 &
idle_pid=$!
background_pids+=("$idle_pid")
exec 3>"$work_dir/idle.in"
wait_for_line "$work_dir/idle.out" '^New, TLSv1\.2' "$idle_pid" >/dev/null

s_client_get "$server_port" "$work_dir/second" "${client_args[@]}" || {
    cat "$work_dir/second" "$server_log" >&2
    fail "a second client was not served while the first was idle"
}
assert_contains "$work_dir/second" "version: TLSv1.2"

printf 'GET / HTTP/1.0\n\n' |
    timeout "$step_timeout" openssl s_client -connect "127.0.0.1:$server_port" -ign_eof \
        "${client_args[@]}" >"$work_dir/bare_lf" 2>&1 || {
    cat "$work_dir/bare_lf" "$server_log" >&2
    fail "s_client failed on a bare-LF request"
}
assert_contains "$work_dir/bare_lf" "HTTP/1.1 400 Bad Request"
grep -qx closed "$work_dir/bare_lf" || fail "https_server did not close with close_notify after 400"
kill -0 "$idle_pid" || fail "the idle client was disconnected"
echo "ok: concurrent clients served, unparsable request answered with 400"
