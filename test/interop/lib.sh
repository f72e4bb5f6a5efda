# shellcheck shell=bash disable=SC2034  # variables set here are read by the sourcing script
# Shared helpers for the interop tests; sourced by the scripts next to it.
# Every wait is bounded and every background process is killed on exit.
set -euo pipefail

# Seconds any single peer program may run.
readonly step_timeout=20

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# A missing peer program fails the test: a skipped interop test proves nothing.
require_program() {
    command -v "$1" >/dev/null || fail "$1 is not installed"
}

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/mtls-interop.XXXXXX")
background_pids=()
cleanup() {
    local pid
    for pid in "${background_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work_dir"
}
trap cleanup EXIT

# OpenSSL suite name → IANA name, as mtls::to_string prints it.
iana_name() {
    case $1 in
        ECDHE-ECDSA-AES128-GCM-SHA256) echo TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ;;
        ECDHE-ECDSA-AES256-GCM-SHA384) echo TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ;;
        ECDHE-ECDSA-CHACHA20-POLY1305) echo TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 ;;
        ECDHE-RSA-AES128-GCM-SHA256) echo TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ;;
        ECDHE-RSA-AES256-GCM-SHA384) echo TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ;;
        ECDHE-RSA-CHACHA20-POLY1305) echo TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 ;;
        *) fail "unknown suite $1" ;;
    esac
}

# The server certificate a suite needs: server-ecdsa or server-rsa.
server_cert_for() {
    case $1 in
        *-ECDSA-*) echo server-ecdsa ;;
        *-RSA-*) echo server-rsa ;;
        *) fail "unknown suite $1" ;;
    esac
}

# Waits until FILE has a line matching REGEX (or PID exits); prints the line.
wait_for_line() {
    local file=$1 regex=$2 pid=$3 line
    for _ in $(seq 100); do
        if line=$(grep -m1 -E "$regex" "$file"); then
            echo "$line"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "--- $file:" >&2
    cat "$file" >&2
    fail "no line matching '$regex' from pid $pid"
}

# Starts https_server in the background with the given arguments (plus
# --port 0); sets server_port, server_pid and server_log (its stderr).
start_https_server() {
    local out="$work_dir/https_server.out"
    server_log="$work_dir/https_server.err"
    timeout 120 "$HTTPS_SERVER" --port 0 "$@" >"$out" 2>"$server_log" &
    server_pid=$!
    background_pids+=("$server_pid")
    server_port=$(wait_for_line "$out" '^listening on port [0-9]+$' "$server_pid" | awk '{print $4}')
}

# Starts `openssl s_server -www` in the background on a free port with the
# given extra arguments; sets server_port, server_pid and server_log.
start_s_server() {
    server_log="$work_dir/s_server.out"
    timeout 120 openssl s_server -accept 127.0.0.1:0 -www "$@" </dev/null >"$server_log" 2>&1 &
    server_pid=$!
    background_pids+=("$server_pid")
    server_port=$(wait_for_line "$server_log" '^ACCEPT ' "$server_pid" | sed 's/.*://')
}

# Runs `openssl s_client` against 127.0.0.1:PORT sending an HTTP/1.0 GET;
# stdout and stderr go to FILE. Returns s_client's status.
s_client_get() {
    local port=$1 file=$2
    shift 2
    printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' |
        timeout "$step_timeout" openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -ign_eof "$@" >"$file" 2>&1
}

assert_contains() {
    local file=$1 text=$2
    if ! grep -qF -- "$text" "$file"; then
        echo "--- $file:" >&2
        cat "$file" >&2
        fail "expected '$text' in $file"
    fi
}

# The subject of a certificate as mtls prints it ("CN=mtls test client").
subject_of() {
    openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'
}
