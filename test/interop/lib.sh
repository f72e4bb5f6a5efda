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

# Copies FILE to stderr for a failure report, without the hex dumps of
# `openssl -msg` and GnuTLS's internal assertion traces (long, and rarely the
# point).
show_file() {
    echo "--- $1:" >&2
    grep -v -E '^    ([0-9a-f]{2} )*[0-9a-f]{2}$|^\|<[0-9]+>\| ASSERT: ' "$1" >&2 || true
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

# TLS 1.3 suite (IANA name, which OpenSSL's -ciphersuites also uses) → the
# GnuTLS priority keyword of its cipher.
gnutls_cipher() {
    case $1 in
        TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
        TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
        TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
        *) fail "unknown TLS 1.3 suite $1" ;;
    esac
}

# Group as mtls names it (and https_server prints it) → OpenSSL -groups name.
openssl_group() {
    case $1 in
        x25519) echo X25519 ;;
        secp256r1) echo P-256 ;;
        secp384r1) echo P-384 ;;
        *) fail "unknown group $1" ;;
    esac
}

# Group → how s_client reports the server's key share ("Server Temp Key: ...").
openssl_temp_key() {
    case $1 in
        x25519) echo "X25519, 253 bits" ;;
        secp256r1) echo "ECDH, prime256v1, 256 bits" ;;
        secp384r1) echo "ECDH, secp384r1, 384 bits" ;;
        *) fail "unknown group $1" ;;
    esac
}

# Group → GnuTLS name (priority keyword GROUP-<name>, and "(ECDHE-<name>)" in
# its session description).
gnutls_group() {
    case $1 in
        x25519) echo X25519 ;;
        secp256r1) echo SECP256R1 ;;
        secp384r1) echo SECP384R1 ;;
        *) fail "unknown group $1" ;;
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
    show_file "$file"
    fail "no line matching '$regex' from pid $pid"
}

# Waits until FILE has at least COUNT lines matching REGEX (or PID exits).
wait_for_count() {
    local file=$1 regex=$2 count=$3 pid=$4
    for _ in $(seq 100); do
        [[ $(grep -c -E "$regex" "$file") -ge $count ]] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    show_file "$file"
    fail "fewer than $count lines matching '$regex' from pid $pid"
}

# Number of lines of FILE matching REGEX (0 when none, without failing).
count_lines() {
    grep -c -E "$2" "$1" || true
}

# Counts servers started, so that each one gets its own files.
servers_started=0

# Stops the server started last (the cleanup stops any left at exit).
stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

# Starts https_server in the background with the given arguments (plus
# --port 0); sets server_port, server_pid and server_log (its stderr).
start_https_server() {
    servers_started=$((servers_started + 1))
    local out="$work_dir/https_server.$servers_started.out"
    server_log="$work_dir/https_server.$servers_started.err"
    timeout 120 "$HTTPS_SERVER" --port 0 "$@" >"$out" 2>"$server_log" &
    server_pid=$!
    background_pids+=("$server_pid")
    server_port=$(wait_for_line "$out" '^listening on port [0-9]+$' "$server_pid" | awk '{print $4}')
}

# Starts `openssl s_server -www` in the background on a free port with the
# given extra arguments; sets server_port, server_pid and server_log.
start_s_server() {
    servers_started=$((servers_started + 1))
    server_log="$work_dir/s_server.$servers_started.out"
    timeout 120 openssl s_server -accept 127.0.0.1:0 -www "$@" </dev/null >"$server_log" 2>&1 &
    server_pid=$!
    background_pids+=("$server_pid")
    server_port=$(wait_for_line "$server_log" '^ACCEPT ' "$server_pid" | sed 's/.*://')
}

# Starts `gnutls-serv --http` in the background with the given extra
# arguments; sets server_port, server_pid and server_log. gnutls-serv cannot
# bind to 127.0.0.1 alone nor report a port it picked, so this tries random
# high ports until one is free on IPv4 (it then listens on all addresses, for
# the few seconds of the test).
start_gnutls_serv() {
    local port attempt line
    for attempt in $(seq 10); do
        servers_started=$((servers_started + 1))
        server_log="$work_dir/gnutls-serv.$servers_started.out"
        port=$((20000 + RANDOM % 40000))
        timeout 120 gnutls-serv --http --port "$port" "$@" </dev/null >"$server_log" 2>&1 &
        server_pid=$!
        background_pids+=("$server_pid")
        line=
        for _ in $(seq 100); do
            line=$(grep -m1 -E "IPv4 .* port $port\.\.\.(done|bind)" "$server_log") && break
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        if [[ $line == *"...done" ]]; then
            server_port=$port
            return 0
        fi
        stop_server
        [[ $line == *"bind() failed"* ]] || {
            cat "$server_log" >&2
            fail "gnutls-serv did not start"
        }
        echo "gnutls-serv: port $port is taken (attempt $attempt), trying another" >&2
    done
    fail "gnutls-serv found no free port"
}

# Runs https_client against https://localhost:PORT/ with the given extra
# arguments; its stdout goes to FILE.body, its stderr to FILE.err. Returns its
# status.
https_client_get() {
    local port=$1 file=$2
    shift 2
    timeout "$step_timeout" "$HTTPS_CLIENT" "https://localhost:$port/" --ca "$MTLS_TEST_CERTS/ca.pem" \
        "$@" >"$file.body" 2>"$file.err"
}

# Runs `openssl s_client` against 127.0.0.1:PORT sending an HTTP/1.0 GET;
# stdout and stderr go to FILE. Returns s_client's status. It asks for server
# name localhost unless the arguments ask for another (-servername NAME) or
# none (-noservername), which OpenSSL does not allow together.
s_client_get() {
    local port=$1 file=$2 sni=(-servername localhost)
    shift 2
    [[ " $* " == *" -servername "* || " $* " == *" -noservername "* ]] && sni=()
    printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' |
        timeout "$step_timeout" openssl s_client -connect "127.0.0.1:$port" "${sni[@]}" \
            -ign_eof "$@" >"$file" 2>&1
}

# Runs gnutls-cli against localhost:PORT sending an HTTP/1.0 GET; stdout and
# stderr go to FILE. Its stdin stays open until it exits: gnutls-cli closes
# the connection at the end of its input, and the server closes it here
# after answering. Returns gnutls-cli's status.
gnutls_cli_get() {
    local port=$1 file=$2 fifo="$work_dir/gnutls-cli.in" pid status=0 fd
    shift 2
    rm -f "$fifo"
    mkfifo "$fifo"
    timeout "$step_timeout" gnutls-cli --port "$port" "$@" localhost <"$fifo" >"$file" 2>&1 &
    pid=$!
    background_pids+=("$pid")
    exec {fd}>"$fifo"
    # In a subshell: if gnutls-cli is already gone, SIGPIPE ends only that.
    (printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&"$fd") 2>/dev/null || true
    wait "$pid" || status=$?
    exec {fd}>&-
    return "$status"
}

assert_contains() {
    local file=$1 text=$2
    if ! grep -qF -- "$text" "$file"; then
        show_file "$file"
        fail "expected '$text' in $file"
    fi
}

# The subject of a certificate as mtls prints it ("CN=mtls test client").
subject_of() {
    openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'
}

assert_not_contains() {
    local file=$1 text=$2
    if grep -qF -- "$text" "$file"; then
        show_file "$file"
        fail "did not expect '$text' in $file"
    fi
}

# Sets version to VERSION (1.2|1.3) and openssl_pin to the s_client /
# s_server flag for it.
pin_version() {
    version=$1
    case $version in
        1.2) openssl_pin=-tls1_2 ;;
        1.3) openssl_pin=-tls1_3 ;;
        *) fail "usage: $0 1.2|1.3" ;;
    esac
}

# For the resumption tests against OpenSSL: pin_version, and resumption_modes
# to how a session of that version can be resumed: by ticket, and in TLS 1.2
# also by session id.
resumption_version() {
    pin_version "$1"
    resumption_modes=(ticket)
    if [[ $version == 1.2 ]]; then
        resumption_modes+=(id)
    fi
}

# Sets session_arg: the s_client flags for run RUN (full|resumed) of a
# resumption: save the session to FILE, or offer the one saved there.
s_client_session_arg() {
    case $1 in
        full) session_arg=(-sess_out "$2") ;;
        resumed) session_arg=(-sess_in "$2") ;;
        *) fail "unknown run $1" ;;
    esac
}

# Sets no_ticket: the OpenSSL flags for resumption MODE (ticket|id).
openssl_resumption_mode() {
    case $1 in
        ticket) no_ticket=() ;;
        id) no_ticket=(-no_ticket) ;;
        *) fail "unknown resumption mode $1" ;;
    esac
}

# Certificates for one run of a TLS 1.3 matrix script, chosen by group so
# that each script covers ECDSA P-256, ECDSA P-384 and RSA (RSA-PSS in TLS 1.3,
# RFC 8446 §4.2.3) on the server and ECDSA and RSA on the client. Sets
# server_cert and client_cert (names in $MTLS_TEST_CERTS, without extension).
certs_for_group() {
    case $1 in
        x25519) server_cert=server-ecdsa client_cert=client-ecdsa ;;
        secp256r1) server_cert=server-rsa client_cert=client-ecdsa ;;
        secp384r1) server_cert=server-p384 client_cert=client-rsa ;;
        *) fail "unknown group $1" ;;
    esac
}
