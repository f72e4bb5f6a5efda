#!/usr/bin/env bash
# The echo examples. echo_server (callbacks) and coro_echo_server (coroutines)
# each: echo exactly what openssl s_client and coro_echo_client send (an
# empty line, a line spanning several records); report each connection on
# stdout with TLSv1.3 and the client's subject; refuse a client without a
# certificate, or with one --ca does not vouch for, with one line on stderr
# each, and serve the next one.
# coro_echo_client races every wait against its --timeout: a server that never
# answers the handshake, or never echoes, ends it with a message and exit 1.
# Bad command lines exit 2.
# Usage: echo_examples.sh
#   (env: ECHO_SERVER, CORO_ECHO_SERVER, CORO_ECHO_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
require_program python3
certs=$MTLS_TEST_CERTS
server_args=(--cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" --ca "$certs/ca.pem")
client_args=(--cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key" --ca "$certs/ca.pem")
s_client_args=(-servername localhost -verify_return_error -CAfile "$certs/ca.pem")
# Subjects as regular expressions (they hold no special characters).
client_subject=$(subject_of "$certs/client-ecdsa.pem")
server_subject=$(subject_of "$certs/server-ecdsa.pem")

# Fails unless FILE has a whole line matching REGEX.
assert_line() {
    if ! grep -qxE -- "$2" "$1"; then
        show_file "$1"
        fail "expected a line matching '$2' in $1"
    fi
}

# Runs PROGRAM ARG... with the standard input closed; fails unless it exits 2
# with a usage message.
assert_usage_error() {
    local status=0 err="$work_dir/usage.err"
    timeout "$step_timeout" "$@" </dev/null >/dev/null 2>"$err" || status=$?
    [[ $status -eq 2 ]] || { show_file "$err"; fail "exit $status, not 2, from: $*"; }
    assert_contains "$err" "usage:"
}

# Starts echo server PROGRAM on a free port; sets server_port, server_pid,
# server_out (its stdout) and server_log (its stderr).
start_echo_server() {
    servers_started=$((servers_started + 1))
    server_out="$work_dir/echo.$servers_started.out"
    server_log="$work_dir/echo.$servers_started.err"
    timeout 120 "$1" --port 0 "${server_args[@]}" >"$server_out" 2>"$server_log" &
    server_pid=$!
    background_pids+=("$server_pid")
    server_port=$(wait_for_line "$server_out" '^listening on port [0-9]+$' "$server_pid" | awk '{print $4}')
}

# What coro_echo_client sends: ordinary text, an empty line, blanks and
# UTF-8, a 100000-byte line (seven records at most 2^14 bytes each, RFC 8446
# §5.1), and a last line.
input=$work_dir/input
{
    echo "hello, echo"
    echo
    printf ' \tspaces, a tab and UTF-8: \xc3\xa9 \xe2\x9c\x93 \t\n'
    head -c 75000 /dev/urandom | base64 -w0
    echo
    echo "last line"
} >"$input"

# check_server NAME PROGRAM HOST: the echo server against s_client with and
# without a client certificate, then against coro_echo_client connecting to
# HOST.
check_server() {
    local name=$1 program=$2 host=$3 fifo fd pid status=0
    start_echo_server "$program"

    # s_client with a certificate; its stdin stays open until the echo is
    # back, then its end of input makes it send close_notify and exit.
    fifo="$work_dir/$name.s_client.in"
    mkfifo "$fifo"
    timeout "$step_timeout" openssl s_client -connect "127.0.0.1:$server_port" "${s_client_args[@]}" \
        -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key" \
        <"$fifo" >"$work_dir/$name.s_client" 2>&1 &
    pid=$!
    background_pids+=("$pid")
    exec {fd}>"$fifo"
    echo "ping from s_client" >&"$fd"
    # Not anchored at the start: s_client prints the server's session tickets,
    # which come with the echo, and their dump may end on the same line.
    wait_for_line "$work_dir/$name.s_client" 'ping from s_client$' "$pid" >/dev/null
    exec {fd}>&-
    wait "$pid" || status=$?
    [[ $status -eq 0 ]] || { show_file "$work_dir/$name.s_client"; fail "$name: s_client exited $status"; }

    # Without a certificate: in TLS 1.3 the client has finished its handshake
    # when the server refuses it with certificate_required (RFC 8446 §4.4.2.4,
    # §6.2); nothing it sends comes back.
    if echo "ping without certificate" |
        timeout "$step_timeout" openssl s_client -connect "127.0.0.1:$server_port" "${s_client_args[@]}" \
            -ign_eof >"$work_dir/$name.anonymous" 2>&1; then
        show_file "$work_dir/$name.anonymous"
        fail "$name: s_client without a certificate succeeded"
    fi
    assert_contains "$work_dir/$name.anonymous" "alert certificate required"
    if grep -qx "ping without certificate" "$work_dir/$name.anonymous"; then
        fail "$name: echoed data for a client without a certificate"
    fi

    # coro_echo_client with a certificate from another CA: refused too. It
    # reports the alert at once, not as a timeout (its timer races each wait
    # and a failed wait must end the race as a finished one does).
    status=0
    echo "ping from an untrusted client" |
        timeout "$step_timeout" "$CORO_ECHO_CLIENT" "$host" "$server_port" \
            --cert "$certs/client-untrusted.pem" --key "$certs/client-untrusted.key" \
            --ca "$certs/ca.pem" >"$work_dir/$name.untrusted" 2>"$work_dir/$name.untrusted.err" || status=$?
    [[ $status -eq 1 ]] || { show_file "$work_dir/$name.untrusted.err"; fail "$name: untrusted client exited $status, not 1"; }
    assert_line "$work_dir/$name.untrusted.err" "coro_echo_client: (handshake|echo of line 1): .+"
    assert_not_contains "$work_dir/$name.untrusted.err" "timed out"
    [[ ! -s $work_dir/$name.untrusted ]] || fail "$name: echoed data for an untrusted client"

    # The next client is served: every line comes back exactly.
    timeout "$step_timeout" "$CORO_ECHO_CLIENT" "$host" "$server_port" "${client_args[@]}" \
        <"$input" >"$work_dir/$name.echo" 2>"$work_dir/$name.client.err" || {
        show_file "$work_dir/$name.client.err"
        show_file "$server_log"
        fail "$name: coro_echo_client failed"
    }
    cmp "$input" "$work_dir/$name.echo" || fail "$name: the echo differs from the input"
    assert_line "$work_dir/$name.client.err" "TLSv1\.3 TLS_[A-Z0-9_]+ server: $server_subject"

    # One line per connection: the two served on stdout, the two refused on
    # stderr (and nothing else there: a close_notify is no failure).
    wait_for_count "$server_out" "^TLSv1\.3 TLS_[A-Z0-9_]+ client: $client_subject\$" 2 "$server_pid"
    [[ $(count_lines "$server_out" '^TLSv') -eq 2 ]] || { show_file "$server_out"; fail "$name: not 2 connection lines"; }
    wait_for_count "$server_log" '^handshake failed: ' 2 "$server_pid"
    assert_line "$server_log" 'handshake failed: .*certificate.*'
    [[ $(count_lines "$server_log" .) -eq 2 ]] || { show_file "$server_log"; fail "$name: not 2 lines on stderr"; }
    kill -0 "$server_pid" 2>/dev/null || fail "$name died"
    stop_server
    echo "ok: $name"
}

check_server echo_server "$ECHO_SERVER" localhost
check_server coro_echo_server "$CORO_ECHO_SERVER" 127.0.0.1

# A server that accepts the connection and never says a word: the handshake
# times out.
timeout 60 python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print("listening on port", s.getsockname()[1], flush=True)
c = s.accept()
time.sleep(60)
' >"$work_dir/silent.out" 2>&1 &
silent_pid=$!
background_pids+=("$silent_pid")
port=$(wait_for_line "$work_dir/silent.out" '^listening on port [0-9]+$' "$silent_pid" | awk '{print $4}')
status=0
echo "unanswered" | timeout "$step_timeout" "$CORO_ECHO_CLIENT" 127.0.0.1 "$port" "${client_args[@]}" \
    --timeout 0.5 >"$work_dir/silent.echo" 2>"$work_dir/silent.err" || status=$?
[[ $status -eq 1 ]] || { show_file "$work_dir/silent.err"; fail "exit $status, not 1, from a silent server"; }
assert_line "$work_dir/silent.err" "coro_echo_client: handshake: timed out after 0\.5 s"
echo "ok: handshake timeout"

# A TLS server that completes the handshake and prints what it receives but
# never echoes (s_server without -www; its stdin, a FIFO, stays open so it
# keeps the connection): the wait for the echo times out.
mkfifo "$work_dir/s_server.in"
exec {s_server_fd}<>"$work_dir/s_server.in"
timeout 60 openssl s_server -accept 127.0.0.1:0 -naccept 1 -cert "$certs/server-ecdsa.pem" \
    -key "$certs/server-ecdsa.key" -CAfile "$certs/ca.pem" -Verify 1 \
    <"$work_dir/s_server.in" >"$work_dir/s_server.out" 2>&1 &
s_server_pid=$!
background_pids+=("$s_server_pid")
port=$(wait_for_line "$work_dir/s_server.out" '^ACCEPT ' "$s_server_pid" | sed 's/.*://')
status=0
echo "never echoed" | timeout "$step_timeout" "$CORO_ECHO_CLIENT" localhost "$port" "${client_args[@]}" \
    --timeout 0.5 >"$work_dir/mute.echo" 2>"$work_dir/mute.err" || status=$?
[[ $status -eq 1 ]] || { show_file "$work_dir/mute.err"; fail "exit $status, not 1, from a server that does not echo"; }
assert_line "$work_dir/mute.err" "TLSv1\.3 TLS_[A-Z0-9_]+ server: $server_subject"
assert_line "$work_dir/mute.err" "coro_echo_client: echo of line 1: timed out after 0\.5 s"
assert_line "$work_dir/s_server.out" "never echoed"
[[ ! -s $work_dir/mute.echo ]] || fail "coro_echo_client printed an echo nobody sent"
exec {s_server_fd}>&-
echo "ok: echo timeout"

# Bad command lines.
for server in "$ECHO_SERVER" "$CORO_ECHO_SERVER"; do
    assert_usage_error "$server"
    assert_usage_error "$server" "${server_args[@]}"
    assert_usage_error "$server" --port 0 --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key"
    assert_usage_error "$server" --port 0 "${server_args[@]}" --verify none
    assert_usage_error "$server" --port 70000 "${server_args[@]}"
    assert_usage_error "$server" --port x "${server_args[@]}"
    assert_usage_error "$server" "${server_args[@]}" --port
done
assert_usage_error "$CORO_ECHO_CLIENT"
assert_usage_error "$CORO_ECHO_CLIENT" localhost "${client_args[@]}"
assert_usage_error "$CORO_ECHO_CLIENT" localhost 1 --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key"
assert_usage_error "$CORO_ECHO_CLIENT" localhost 1 "${client_args[@]}" --servername x
for value in x 0 -1 1s ""; do
    assert_usage_error "$CORO_ECHO_CLIENT" localhost 1 "${client_args[@]}" --timeout "$value"
done
assert_usage_error "$CORO_ECHO_CLIENT" localhost 1 "${client_args[@]}" --timeout
echo "ok: bad command lines exit 2"
echo "PASS"
