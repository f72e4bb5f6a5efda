#!/usr/bin/env bash
# The key log decrypts a capture, TLS 1.2 and 1.3: https_server and
# https_client, each writing the file SSLKEYLOGFILE names, talk over
# 127.0.0.1 while tcpdump captures the connection. tshark must then show the
# HTTP request line with either side's key log, and must not without one
# (while still seeing the TLS records), so it is the key log that decrypts.
# Exit 77 (skipped) only when tcpdump is not allowed to capture (not root).
# Usage: keylog_tshark.sh   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program tcpdump
require_program tshark
certs=$MTLS_TEST_CERTS

# Starts tcpdump on the loopback interface for the server's port and waits
# until it says it is capturing; sets capture and capture_pid.
start_capture() {
    capture=$1
    timeout 120 tcpdump -i lo -n -U --immediate-mode -w "$capture" "tcp port $server_port" 2>"$capture.err" &
    capture_pid=$!
    background_pids+=("$capture_pid")
    for _ in $(seq 100); do
        grep -q '^tcpdump: listening on lo' "$capture.err" && return 0
        if ! kill -0 "$capture_pid" 2>/dev/null; then
            if grep -qiE 'permission|not permitted' "$capture.err"; then
                cat "$capture.err"
                echo "SKIP: tcpdump may not capture here (run as root)"
                exit 77
            fi
            break
        fi
        sleep 0.1
    done
    show_file "$capture.err"
    fail "tcpdump did not start capturing"
}

# Stops the capture once it holds the client's FIN: everything the client
# sent before it (the request) is then in the file too, since the loopback
# interface delivers packets to tcpdump in the order they were sent.
stop_capture() {
    local fins
    for _ in $(seq 100); do
        # The file is being written: its last packet may be cut short.
        fins=$({ tcpdump -r "$capture" -n "tcp[tcpflags] & tcp-fin != 0 and dst port $server_port" 2>/dev/null ||
            true; } | wc -l)
        [[ $fins -ge 1 ]] && break
        sleep 0.1
    done
    [[ $fins -ge 1 ]] || fail "the capture never showed the client's FIN"
    kill -INT "$capture_pid"
    wait "$capture_pid" || {
        show_file "$capture.err"
        fail "tcpdump failed"
    }
}

# Runs tshark over the capture with the extra options given, showing what
# matches the display filter FILTER; output to FILE.
tshark_show() {
    local filter=$1 file=$2
    shift 2
    # Its own HOME: no user preference changes the TLS dissector.
    HOME=$work_dir XDG_CONFIG_HOME=$work_dir timeout "$step_timeout" tshark -n -r "$capture" \
        -d "tcp.port==$server_port,tls" "$@" -Y "$filter" >"$file" 2>&1 || {
        show_file "$file"
        fail "tshark failed"
    }
}

for version in 1.2 1.3; do
    server_keys="$work_dir/server.$version.keys"
    client_keys="$work_dir/client.$version.keys"
    SSLKEYLOGFILE=$server_keys start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
        --tls-min "$version" --tls-max "$version"
    start_capture "$work_dir/tls$version.pcap"
    out="$work_dir/https_client.$version"
    SSLKEYLOGFILE=$client_keys https_client_get "$server_port" "$out" || {
        show_file "$out.err"
        show_file "$server_log"
        fail "https_client failed (TLS $version)"
    }
    assert_contains "$out.err" "TLSv$version "
    stop_capture
    stop_server

    for keys in "$server_keys" "$client_keys"; do
        shown="$work_dir/tshark.$version.$(basename "$keys")"
        tshark_show http.request "$shown" -o "tls.keylog_file:$keys"
        grep -qE 'GET / HTTP/1\.1' "$shown" || {
            show_file "$keys"
            show_file "$shown"
            fail "tshark did not decrypt the request with $(basename "$keys") (TLS $version)"
        }
    done
    echo "ok: tshark decrypts the request with the server's and the client's key log (TLS $version)"

    tshark_show http.request "$work_dir/tshark.$version.nokeys"
    assert_not_contains "$work_dir/tshark.$version.nokeys" "GET /"
    tshark_show tls.app_data "$work_dir/tshark.$version.records"
    assert_contains "$work_dir/tshark.$version.records" "Application Data"
    echo "ok: without a key log tshark sees the TLS records but not the request (TLS $version)"
done
