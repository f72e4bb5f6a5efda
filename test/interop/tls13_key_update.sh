#!/usr/bin/env bash
# TLS 1.3 KeyUpdate (RFC 8446 §4.6.3) sent by OpenSSL in the middle of the
# application data, with mutual authentication. OpenSSL's interactive
# s_client/s_server send a KeyUpdate for an input line "k" (update not
# requested) or "K" (update requested); every line is fed through a FIFO only
# after the previous one has gone out as its own record, so each lands
# between two records of the HTTP exchange.
# - server: s_client sends "GET / HTTP/1.1", k, "Host: localhost", K, then the
#   rest of the request to https_server, which must answer it and, asked to
#   update, send a KeyUpdate of its own before its answer.
# - client: s_server reads https_client's request and answers with the
#   header, k, one body line, K, another body line; https_client must print
#   the body exactly.
# Usage: tls13_key_update.sh server|client   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
side=$1
certs=$MTLS_TEST_CERTS
client_subject=$(subject_of "$certs/client-ecdsa.pem")

# -msg lines: a record this OpenSSL end sent under TLS 1.3 protection, and a
# KeyUpdate it sent or received.
sent_record='^>>> TLS 1\.[23], InnerContent'
sent_key_update='^>>> TLS 1\.3, Handshake \[length 0005\], KeyUpdate'
received_key_update='^<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate'

# The OpenSSL peer's stdin: a FIFO held open on fd $peer_in.
mkfifo "$work_dir/peer.in"

# Writes TEXT to the peer (pid $peer_pid, output $peer_out) and waits until it
# has sent one more protected record.
send_line() {
    local before
    before=$(count_lines "$peer_out" "$sent_record")
    (printf '%s' "$1" >&"$peer_in") 2>/dev/null || true
    wait_for_count "$peer_out" "$sent_record" $((before + 1)) "$peer_pid"
}

# Makes the peer send a KeyUpdate ("k" or "K") and waits until it went out
# (the COUNT-th KeyUpdate it sent).
send_key_update() {
    (printf '%s\n' "$1" >&"$peer_in") 2>/dev/null || true
    wait_for_count "$peer_out" "$sent_key_update" "$2" "$peer_pid"
}

case $side in
server)
    start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
        --ca "$certs/ca.pem" --verify require
    peer_out="$work_dir/s_client.out"
    # -crlf: the lines typed are sent with CRLF, as HTTP wants.
    timeout "$step_timeout" openssl s_client -connect "127.0.0.1:$server_port" \
        -servername localhost -tls1_3 -crlf -msg -verify_return_error -CAfile "$certs/ca.pem" \
        -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key" \
        <"$work_dir/peer.in" >"$peer_out" 2>&1 &
    peer_pid=$!
    background_pids+=("$peer_pid")
    exec {peer_in}>"$work_dir/peer.in"
    wait_for_line "$peer_out" '^New, TLSv1\.3' "$peer_pid" >/dev/null

    send_line $'GET / HTTP/1.1\n'
    send_key_update k 1
    send_line $'Host: localhost\n'
    send_key_update K 2
    # The end of the request: https_server answers and closes the connection.
    (printf 'Connection: close\n\n' >&"$peer_in") 2>/dev/null || true
    status=0
    wait "$peer_pid" || status=$?
    exec {peer_in}>&-
    if [[ $status -ne 0 ]]; then
        show_file "$peer_out"
        show_file "$server_log"
        fail "s_client exited with status $status"
    fi
    assert_contains "$peer_out" "HTTP/1.1 200 OK"
    assert_contains "$peer_out" "version: TLSv1.3"
    assert_contains "$peer_out" "client: $client_subject"
    grep -qx closed "$peer_out" || fail "https_server did not send close_notify"
    # RFC 8446 §4.6.3: asked to update, the server sends a KeyUpdate with
    # request_update = update_not_requested (0) before its next application
    # data. -msg prints the message bytes on the line after the header.
    key_update_line=$(grep -n -m1 -A1 -E "$received_key_update" "$peer_out" | tail -1) ||
        fail "https_server sent no KeyUpdate after one was requested"
    [[ $key_update_line == *"18 00 00 01 00"* ]] ||
        fail "https_server's KeyUpdate is not update_not_requested: $key_update_line"
    response_line=$(grep -n -m1 -F "HTTP/1.1 200 OK" "$peer_out" | cut -d: -f1)
    [[ ${key_update_line%%-*} -lt $response_line ]] ||
        fail "https_server answered before sending its KeyUpdate"
    [[ ! -s "$server_log" ]] || { cat "$server_log" >&2; fail "https_server logged an error"; }
    echo "ok: https_server followed s_client's key updates and updated its own keys"
    ;;
client)
    peer_out="$work_dir/s_server.out"
    timeout "$step_timeout" openssl s_server -accept 127.0.0.1:0 -naccept 1 -tls1_3 -crlf -msg \
        -Verify 1 -verify_return_error -CAfile "$certs/ca.pem" \
        -cert "$certs/server-ecdsa.pem" -key "$certs/server-ecdsa.key" \
        <"$work_dir/peer.in" >"$peer_out" 2>&1 &
    peer_pid=$!
    background_pids+=("$peer_pid")
    exec {peer_in}>"$work_dir/peer.in"
    port=$(wait_for_line "$peer_out" '^ACCEPT ' "$peer_pid" | sed 's/.*://')

    timeout "$step_timeout" "$HTTPS_CLIENT" "https://localhost:$port/" --ca "$certs/ca.pem" \
        --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key" \
        >"$work_dir/client.body" 2>"$work_dir/client.err" &
    client_pid=$!
    background_pids+=("$client_pid")
    # The last header line of https_client's request (s_server prints what it reads).
    wait_for_line "$peer_out" '^Connection: close' "$peer_pid" >/dev/null

    # Two body lines of 17 bytes each once -crlf has made them end in CRLF.
    send_line $'HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 34\nConnection: close\n\n'
    send_key_update k 1
    send_line $'after k: line 1\n'
    send_key_update K 2
    send_line $'after K: line 2\n'
    status=0
    wait "$client_pid" || status=$?
    exec {peer_in}>&-
    if [[ $status -ne 0 ]]; then
        cat "$work_dir/client.err" >&2
        show_file "$peer_out"
        fail "https_client exited with status $status"
    fi
    assert_contains "$work_dir/client.err" "TLSv1.3 "
    cmp -s "$work_dir/client.body" <(printf 'after k: line 1\r\nafter K: line 2\r\n') || {
        od -c "$work_dir/client.body" >&2
        fail "https_client printed the wrong body"
    }
    # RFC 8446 §4.6.3: a KeyUpdate answering "K" says update_not_requested.
    # (The client need not send one at all: it sends no application data
    # after the request.)
    if grep -A1 -E "$received_key_update" "$peer_out" | grep -qE '^    18 00 00 01 01'; then
        show_file "$peer_out"
        fail "https_client answered a requested KeyUpdate with update_requested"
    fi
    # https_client's close_notify arrived intact under its current keys.
    wait "$peer_pid" 2>/dev/null || true
    grep -qE '^<<< TLS 1\.3, Alert \[length 0002\], warning close_notify' "$peer_out" || {
        show_file "$peer_out"
        fail "s_server did not receive https_client's close_notify"
    }
    echo "ok: https_client followed s_server's key updates"
    ;;
*)
    fail "usage: $0 server|client"
    ;;
esac
