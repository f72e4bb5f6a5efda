#!/usr/bin/env bash
# The limits of an example server (https_server, echo_server or
# coro_echo_server), which keep clients from exhausting it:
# - handshake timeout: a client that connects and sends nothing is closed
#   after --handshake-timeout seconds (1 here; the default is 10);
# - idle timeout: a client that finishes its handshake, then sends nothing, is
#   closed after --idle-timeout seconds (1 here; the default is 60);
# - accept backoff: run out of file descriptors (ulimit -n), the server logs
#   a few lines, not one per retry in a busy loop, and serves the next client
#   once descriptors are free again;
# - connection cap: with --max-connections 2, a third client waits until one
#   of the first two closes;
# - lingering close: a TLS 1.3 client without a certificate, which sends data
#   right after its handshake, reads the server's certificate_required alert
#   (RFC 8446 §4.4.2.4) rather than a TCP reset, 20 times in a row.
# A bad value for a limit exits 2.
# Every wait is a poll with a generous deadline; timings are only checked
# against bounds that a busy machine cannot break (a timer never fires early).
# Usage: server_limits.sh https_server|echo_server|coro_echo_server
#   (env: HTTPS_SERVER, HTTPS_CLIENT, ECHO_SERVER, CORO_ECHO_SERVER,
#    CORO_ECHO_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
require_program python3
certs=$MTLS_TEST_CERTS
name=$1
server_args=(--cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" --ca "$certs/ca.pem")
client_cert=(--cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key")
case $name in
    https_server) program=$HTTPS_SERVER server_args+=(--verify require) ;;
    echo_server) program=$ECHO_SERVER ;;
    coro_echo_server) program=$CORO_ECHO_SERVER ;;
    *) fail "usage: $0 https_server|echo_server|coro_echo_server" ;;
esac

# Starts the server on a free port with the given extra options, under
# `ulimit -n $fd_limit` when fd_limit is set; sets server_port, server_pid,
# server_out (its stdout) and server_log (its stderr).
start_server() {
    servers_started=$((servers_started + 1))
    server_out="$work_dir/server.$servers_started.out"
    server_log="$work_dir/server.$servers_started.err"
    (
        [[ -z ${fd_limit:-} ]] || ulimit -n "$fd_limit"
        exec timeout 120 "$program" --port 0 "${server_args[@]}" "$@"
    ) >"$server_out" 2>"$server_log" &
    server_pid=$!
    background_pids+=("$server_pid")
    server_port=$(wait_for_line "$server_out" '^listening on port [0-9]+$' "$server_pid" | awk '{print $4}')
}

# Runs one good client (with a certificate) against the server; output in
# FILE.out, FILE.err. Returns 0 when it was served: https_client got its
# answer, or coro_echo_client its echo.
serve_one() {
    local file=$1
    if [[ $name == https_server ]]; then
        timeout 60 "$HTTPS_CLIENT" "https://localhost:$server_port/" --ca "$certs/ca.pem" \
            "${client_cert[@]}" >"$file.out" 2>"$file.err" || return 1
        grep -qx "version: TLSv1.3" "$file.out"
    else
        echo "served" | timeout 60 "$CORO_ECHO_CLIENT" localhost "$server_port" --ca "$certs/ca.pem" \
            "${client_cert[@]}" --timeout 50 >"$file.out" 2>"$file.err" || return 1
        grep -qx "served" "$file.out"
    fi
}

# Fails unless serve_one succeeds now.
assert_served() {
    serve_one "$work_dir/$1" || {
        show_file "$work_dir/$1.err"
        show_file "$server_log"
        fail "$name: $2"
    }
}

# Seconds since the epoch, with microseconds.
now() {
    echo "$EPOCHREALTIME"
}

# Succeeds when A - B (seconds, fractions allowed) is within [MIN, MAX].
elapsed_within() {
    awk -v a="$1" -v b="$2" -v min="$3" -v max="$4" 'BEGIN { d = a - b; exit !(d >= min && d <= max) }'
}

# Holds COUNT plain TCP connections to the server, silent; each line "close"
# on its standard input closes one, and its end closes all. Prints
# "connected COUNT" once all are connected.
cat >"$work_dir/hold.py" <<'EOF'
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
held = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(count)]
print("connected", count, flush=True)
for line in sys.stdin:
    if line.strip() == "close" and held:
        held.pop(0).close()
        print("closed one", flush=True)
EOF

# Starts hold.py with COUNT connections; sets holder_pid and holder_fd (its
# standard input, open until closed with `exec {holder_fd}>&-`).
start_holder() {
    local fifo="$work_dir/hold.$servers_started.in"
    mkfifo "$fifo"
    timeout 120 python3 "$work_dir/hold.py" "$server_port" "$1" <"$fifo" \
        >"$work_dir/hold.$servers_started.out" 2>&1 &
    holder_pid=$!
    background_pids+=("$holder_pid")
    exec {holder_fd}>"$fifo"
    wait_for_line "$work_dir/hold.$servers_started.out" "^connected $1\$" "$holder_pid" >/dev/null
}

# Waits (bounded) for PID to exit; fails with MESSAGE if it does not.
wait_for_exit() {
    local pid=$1 message=$2
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    fail "$name: $message"
}

# --- A bad value for a limit is a usage error (exit 2).
for bad in "--handshake-timeout 0" "--idle-timeout 1s" "--max-connections 0" "--max-connections -1"; do
    status=0
    # shellcheck disable=SC2086  # $bad is an option and its value
    timeout "$step_timeout" "$program" --port 0 "${server_args[@]}" $bad </dev/null \
        >/dev/null 2>"$work_dir/usage.err" || status=$?
    [[ $status -eq 2 ]] || { show_file "$work_dir/usage.err"; fail "$name: exit $status, not 2, for $bad"; }
    assert_contains "$work_dir/usage.err" "usage:"
done
echo "ok: $name: bad limits exit 2"

# --- Handshake timeout: a silent client is closed after about 1 s.
start_server --handshake-timeout 1
timeout 60 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
start = time.monotonic()
s.settimeout(30)
try:
    while s.recv(4096):
        pass
    how = "closed"
except ConnectionResetError:
    how = "reset"
except socket.timeout:
    how = "still open"
print(how, "after %.3f s" % (time.monotonic() - start))
' "$server_port" >"$work_dir/silent.out" 2>&1 || {
    show_file "$work_dir/silent.out"
    fail "$name: silent client failed"
}
read -r how _ seconds _ <"$work_dir/silent.out"
[[ $how == closed ]] || { show_file "$work_dir/silent.out"; fail "$name: silent client not closed cleanly"; }
# At least the timeout (less a little, for the two clocks), well under the
# default of 10 s.
elapsed_within "$seconds" 0 0.9 8 || fail "$name: silent client closed after $seconds s, not about 1 s"
wait_for_count "$server_log" '^handshake failed: .*timeout' 1 "$server_pid"
assert_served after-silent "a client after the silent one was not served"
echo "ok: $name: handshake timeout ($seconds s)"
stop_server

# --- Idle timeout: s_client, handshaken and then silent (its stdin a FIFO
# kept open), is closed after about 1 s.
start_server --idle-timeout 1
mkfifo "$work_dir/idle.in"
started=$(now)
timeout 60 openssl s_client -connect "127.0.0.1:$server_port" -servername localhost -tls1_3 \
    -verify_return_error -CAfile "$certs/ca.pem" -cert "$certs/client-ecdsa.pem" \
    -key "$certs/client-ecdsa.key" <"$work_dir/idle.in" >"$work_dir/idle.out" 2>&1 &
idle_pid=$!
background_pids+=("$idle_pid")
exec {idle_fd}>"$work_dir/idle.in"
wait_for_line "$work_dir/idle.out" '^New, TLSv1\.3' "$idle_pid" >/dev/null
wait_for_exit "$idle_pid" "the idle client was not closed within 30 s"
ended=$(now)
exec {idle_fd}>&-
elapsed_within "$ended" "$started" 0.9 1000 || fail "$name: idle client closed before the idle timeout"
wait_for_count "$server_log" '^read failed: .*timeout' 1 "$server_pid"
assert_served after-idle "a client after the idle one was not served"
echo "ok: $name: idle timeout"
stop_server

# --- Accept backoff: 64 descriptors (of which the server starts with about
# ten, some inherited) leave room for some connections only; 100 make accept
# fail with EMFILE until they close.
# UBSan's vptr check reads the vtable through a pipe it opens for the purpose;
# with no descriptor left it cannot, reports an "invalid vptr" that is not
# there and (built without recovery) aborts. The plain build runs this part.
# The vptr check's handler is linked in (GCC imports it from libubsan, clang
# links its runtime statically) exactly when the program was built with it.
if [[ $(nm "$program" 2>/dev/null) == *__ubsan_handle_dynamic_type_cache_miss* ]]; then
    echo "skip: $name: accept backoff under EMFILE (UBSan needs file descriptors for its own checks)"
else
fd_limit=64 start_server --handshake-timeout 60
start_holder 100
wait_for_line "$server_log" '^accept failed: ' "$server_pid" >/dev/null
sleep 3 # the window in which a busy loop would log many thousands of lines
lines=$(count_lines "$server_log" .)
[[ $lines -lt 50 ]] || { head -n 20 "$server_log" >&2; fail "$name: $lines log lines in 3 s of EMFILE"; }
assert_contains "$server_log" "accept failed: Too many open files"
exec {holder_fd}>&-
wait_for_exit "$holder_pid" "the holder did not exit"
assert_served after-emfile "a client after EMFILE was not served"
kill -0 "$server_pid" 2>/dev/null || fail "$name died"
echo "ok: $name: accept backoff ($lines log lines)"
stop_server
fi

# --- Connection cap: two silent connections fill it; a third client waits
# until one of them closes.
start_server --max-connections 2 --handshake-timeout 60
start_holder 2
serve_one "$work_dir/third" &
third_pid=$!
background_pids+=("$third_pid")
# A server without the cap would serve it at once; give it two seconds.
for _ in $(seq 20); do
    if ! kill -0 "$third_pid" 2>/dev/null; then
        show_file "$work_dir/third.err"
        fail "$name: a third client was answered with 2 connections open and --max-connections 2"
    fi
    sleep 0.1
done
echo close >&"$holder_fd"
status=0
wait "$third_pid" || status=$?
[[ $status -eq 0 ]] || {
    show_file "$work_dir/third.err"
    show_file "$server_log"
    fail "$name: the third client was not served after a connection closed"
}
exec {holder_fd}>&-
echo "ok: $name: connection cap"
stop_server

# --- Lingering close: a TLS 1.3 client without a certificate sends 256 KiB
# right after its handshake (which is complete on its side, RFC 8446 §4.4.2.4),
# then reads. A server that closed with that data unread would send a TCP
# reset, and the client's write would fail before it could read the alert.
cat >"$work_dir/refused.py" <<'EOF'
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(ca)
with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        try:
            tls.sendall(b"x" * 262144)
            print("read:", tls.recv(100))
        except ssl.SSLError as e:
            print("alert:", e.reason or e)
        except OSError as e:
            print("transport:", e)
EOF
start_server
for run in $(seq 20); do
    timeout 60 python3 "$work_dir/refused.py" "$server_port" "$certs/ca.pem" \
        >"$work_dir/refused.out" 2>&1 || true
    if ! grep -qx "alert: TLSV13_ALERT_CERTIFICATE_REQUIRED" "$work_dir/refused.out"; then
        show_file "$work_dir/refused.out"
        fail "$name: run $run: the client did not read certificate_required"
    fi
done
assert_served after-refused "a client after the refused ones was not served"
echo "ok: $name: lingering close, 20 alerts read"
echo "PASS"
