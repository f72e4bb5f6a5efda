#!/usr/bin/env bash
# Peers that do not speak TLS. curl sending plain HTTP to https_server's TLS
# port gets a plain HTTP 400 telling it to use https:// (and the server goes
# on serving TLS clients). https_client against a plain HTTP server, and
# against a server greeting with an SSH banner, fails saying that the peer is
# not speaking TLS.
# Usage: not_tls.sh   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program curl
require_program python3
certs=$MTLS_TEST_CERTS

# --- Plain HTTP to the TLS port.
start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key"
status=$(timeout "$step_timeout" curl --silent --show-error --max-time "$step_timeout" \
    --dump-header "$work_dir/plain.headers" --output "$work_dir/plain.body" --write-out '%{http_code}' \
    "http://127.0.0.1:$server_port/" 2>"$work_dir/plain.err") || {
    show_file "$work_dir/plain.err"
    show_file "$server_log"
    fail "curl http:// against https_server failed"
}
[[ $status == 400 ]] || { show_file "$work_dir/plain.body"; fail "curl http:// got status $status, not 400"; }
assert_contains "$work_dir/plain.headers" "Connection: close"
assert_contains "$work_dir/plain.headers" "Content-Type: text/plain"
assert_contains "$work_dir/plain.body" "plain HTTP request was sent to a TLS (HTTPS) port: use https://"
wait_for_line "$server_log" '^handshake failed: peer is not speaking TLS: it sent plain HTTP$' "$server_pid" >/dev/null
https_client_get "$server_port" "$work_dir/tls" || {
    show_file "$work_dir/tls.err"
    fail "https_server stopped serving TLS after a plain HTTP request"
}
assert_contains "$work_dir/tls.body" "version: TLSv1.3"
stop_server

# A server of another protocol, for one connection: with MODE http it reads
# the client's first bytes and answers 400, as a plain HTTP server answers
# bytes it cannot parse (Python's http.server would wait for a line end that
# a ClientHello may never contain); with MODE ssh it greets first, as SSH
# servers do. It then reads until the client closes, so that no TCP reset
# can overtake its answer.
cat >"$work_dir/listener.py" <<'PY'
import socket, sys
listener = socket.create_server(("127.0.0.1", 0))
print("listening on port", listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
conn.settimeout(20)
if sys.argv[1] == "ssh":
    conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
else:
    conn.recv(4096)
    body = b"Bad Request\n"
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
conn.shutdown(socket.SHUT_WR)
while conn.recv(4096):
    pass
PY

# Runs https_client against a listener in MODE and expects it to fail with
# MESSAGE.
client_against() {
    local mode=$1 message=$2 out="$work_dir/listener.$1.out" pid port status=0
    timeout 60 python3 "$work_dir/listener.py" "$mode" >"$out" 2>&1 &
    pid=$!
    background_pids+=("$pid")
    port=$(wait_for_line "$out" '^listening on port [0-9]+$' "$pid" | awk '{print $4}')
    https_client_get "$port" "$work_dir/client.$mode" || status=$?
    [[ $status -ne 0 ]] || fail "https_client succeeded against a $mode server"
    assert_contains "$work_dir/client.$mode.err" "https_client: $message"
}

client_against http "peer is not speaking TLS: it sent plain HTTP"
client_against ssh "peer is not speaking TLS"
assert_not_contains "$work_dir/client.ssh.err" "HTTP"
echo "ok: plain HTTP to https_server answered with 400; https_client names peers not speaking TLS"
