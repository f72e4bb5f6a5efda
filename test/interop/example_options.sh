#!/usr/bin/env bash
# The command lines of every example program (examples/options.hpp). An
# unknown option, a flag without its value (given last, followed by another
# flag, or empty), a flag given twice and a bad value each exit 2 with one
# line "<program>: <reason>" and then the usage on stderr, exactly what
# --help prints on stdout (with exit 0); nothing else is printed. Values are
# checked before any file is read. The correct command lines still work: each
# server starts and serves its client, and wss_echo runs its exchange.
# Usage: example_options.sh
#   (env: HTTPS_SERVER, HTTPS_CLIENT, ECHO_SERVER, CORO_ECHO_SERVER,
#    CORO_ECHO_CLIENT, WSS_ECHO, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
certs=$MTLS_TEST_CERTS
server_cred=(--cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key")
client_cred=(--cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key")
ca=(--ca "$certs/ca.pem")
usage_errors=0

# Runs PROGRAM ARG... with stdin closed; fails unless it exits 2, prints
# nothing on stdout, and its stderr is the line "<name>: REASON" followed by
# the usage that --help prints.
expect_usage_error() {
    local reason=$1 program=$2 name status=0
    shift 2
    name=$(basename "$program")
    timeout "$step_timeout" "$program" "$@" </dev/null >"$work_dir/usage.out" 2>"$work_dir/usage.err" || status=$?
    [[ $status -eq 2 ]] || { show_file "$work_dir/usage.err"; fail "$name $*: exit $status, not 2"; }
    [[ ! -s $work_dir/usage.out ]] || { show_file "$work_dir/usage.out"; fail "$name $*: printed on stdout"; }
    local first
    first=$(head -n 1 "$work_dir/usage.err")
    [[ $first == "$name: $reason" ]] ||
        { show_file "$work_dir/usage.err"; fail "$name $*: expected '$name: $reason', got '$first'"; }
    tail -n +2 "$work_dir/usage.err" | cmp -s - "$work_dir/$name.usage" ||
        { show_file "$work_dir/usage.err"; fail "$name $*: the reason is not followed by the usage alone"; }
    usage_errors=$((usage_errors + 1))
}

# --help: the usage on stdout ("usage: <name> ..."), nothing on stderr, exit 0.
# Saves it as $work_dir/<name>.usage for expect_usage_error.
expect_help() {
    local program=$1 name status=0
    name=$(basename "$program")
    timeout "$step_timeout" "$program" "${@:2}" --help </dev/null >"$work_dir/$name.usage" 2>"$work_dir/help.err" ||
        status=$?
    [[ $status -eq 0 ]] || { show_file "$work_dir/help.err"; fail "$name --help: exit $status, not 0"; }
    [[ ! -s $work_dir/help.err ]] || { show_file "$work_dir/help.err"; fail "$name --help: printed on stderr"; }
    [[ $(head -n 1 "$work_dir/$name.usage") == "usage: $name "* ]] ||
        { show_file "$work_dir/$name.usage"; fail "$name --help: no usage line"; }
}

for program in "$HTTPS_SERVER" "$HTTPS_CLIENT" "$ECHO_SERVER" "$CORO_ECHO_SERVER" "$CORO_ECHO_CLIENT" "$WSS_ECHO"; do
    expect_help "$program"
done
# --help wins over what else is on the line.
expect_help "$HTTPS_SERVER" --verfy require
echo "ok: --help prints the usage and exits 0"

# --- https_server. The issue's typo first: it must not start a server that
# admits clients without certificates.
server=("$HTTPS_SERVER" --port 0 "${server_cred[@]}" "${ca[@]}")
expect_usage_error "unknown option --verfy" "${server[@]}" --verfy require
expect_usage_error "unknown option --verify=require (write --verify VALUE)" "${server[@]}" --verify=require
expect_usage_error "unknown option -port" "$HTTPS_SERVER" -port 0
expect_usage_error "unexpected argument require" "${server[@]}" --verify none require
expect_usage_error "missing value for --alpn" "${server[@]}" --alpn
expect_usage_error "missing value for --port" "$HTTPS_SERVER" --port "${server_cred[@]}"
expect_usage_error "missing value for --ca" "$HTTPS_SERVER" --port 0 "${server_cred[@]}" --ca ""
expect_usage_error "missing --port" "$HTTPS_SERVER" "${server_cred[@]}"
expect_usage_error "missing --key" "$HTTPS_SERVER" --port 0 --cert "$certs/server-ecdsa.pem"
expect_usage_error "--verify given twice" "${server[@]}" --verify require --verify none
expect_usage_error "--sni-strict given twice" "${server[@]}" --sni-strict --sni-strict
expect_usage_error "bad --port 70000 (expected a number from 0 to 65535)" "$HTTPS_SERVER" --port 70000 \
    "${server_cred[@]}"
expect_usage_error "bad --port x (expected a number from 0 to 65535)" "$HTTPS_SERVER" --port x "${server_cred[@]}"
expect_usage_error "bad --verify bogus (expected none|optional|require)" "${server[@]}" --verify bogus
expect_usage_error "bad --tls-min 1.1 (expected 1.2 or 1.3)" "${server[@]}" --tls-min 1.1
expect_usage_error "bad --tls-max 1.4 (expected 1.2 or 1.3)" "${server[@]}" --tls-max 1.4
expect_usage_error "--tls-min 1.3 is above --tls-max 1.2" "${server[@]}" --tls-min 1.3 --tls-max 1.2
expect_usage_error "bad --groups: unknown group 'x448'" "${server[@]}" --groups x25519,x448
expect_usage_error "bad --groups: unknown group ''" "${server[@]}" --groups x25519,
expect_usage_error "bad --ciphers: unknown cipher suite 'RC4-MD5'" "${server[@]}" \
    --ciphers TLS_AES_128_GCM_SHA256,RC4-MD5
expect_usage_error "bad --cipher-preference chacha (expected server|client|fastest)" "${server[@]}" \
    --cipher-preference chacha
expect_usage_error "bad --alpn: bad ALPN protocol ''" "${server[@]}" --alpn h2,,http/1.1
expect_usage_error "bad --handshake-timeout 0 (expected a number from 1 to 86400)" "${server[@]}" \
    --handshake-timeout 0
expect_usage_error "bad --idle-timeout 1s (expected a number from 1 to 86400)" "${server[@]}" --idle-timeout 1s
expect_usage_error "bad --max-connections 1000001 (expected a number from 1 to 1000000)" "${server[@]}" \
    --max-connections 1000001
expect_usage_error "bad --keymatexportlen 0 (expected a number from 1 to 16384)" "${server[@]}" \
    --keymatexport EXPERIMENTAL-x --keymatexportlen 0
expect_usage_error "--keymatexportlen needs --keymatexport" "${server[@]}" --keymatexportlen 32
expect_usage_error "bad --sni rsa.test (expected NAME=CERT,KEY)" "${server[@]}" --sni rsa.test
expect_usage_error "--sni RSA.test given twice" "${server[@]}" \
    --sni "rsa.test=$certs/server-rsa.pem,$certs/server-rsa.key" \
    --sni "RSA.test=$certs/server-ecdsa.pem,$certs/server-ecdsa.key"
expect_usage_error "bad --require-client-uri not a uri" "${server[@]}" --require-client-uri "not a uri"
# Checked before the (missing) files are read.
expect_usage_error "bad --verify bogus (expected none|optional|require)" \
    "$HTTPS_SERVER" --port 0 --cert "$work_dir/none.pem" --key "$work_dir/none.key" --verify bogus
# A control character in an argument does not make the reason two lines.
expect_usage_error "unknown option --a?b" "${server[@]}" $'--a\nb'

# The correct command lines, with every flag: https_server serves
# https_client, which presents a certificate with the URI it requires (the
# strict --sni table knows localhost), and https_client resumes the session it
# saved.
head -c 48 /dev/urandom >"$work_dir/ticket.key"
start_https_server "${server_cred[@]}" "${ca[@]}" --verify require --tls-min 1.2 --tls-max 1.3 \
    --groups x25519,secp256r1 --ciphers TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 \
    --cipher-preference fastest --handshake-timeout 5 --idle-timeout 5 --max-connections 10 --ticket-key-file "$work_dir/ticket.key" \
    --alpn h2,http/1.1 --crl "$certs/ca-crl-empty.pem" --require-client-uri 'spiffe://example.org/ns/*/sa/billing' \
    --sni "localhost=$certs/server-rsa.pem,$certs/server-rsa.key" \
    --sni "*.example.test=$certs/server-wildcard.pem,$certs/server-wildcard.key" --sni-strict \
    --keymatexport EXPERIMENTAL-options --keymatexportlen 16
billing=(--cert "$certs/client-spiffe-billing.pem" --key "$certs/client-spiffe-billing.key")
for run in full resumed; do
    session=(--sess-out "$work_dir/session")
    [[ $run == full ]] || session=(--sess-in "$work_dir/session")
    https_client_get "$server_port" "$work_dir/$run" "${billing[@]}" --servername localhost \
        --tls-min 1.3 --tls-max 1.3 --groups x25519 --ciphers TLS_AES_128_GCM_SHA256 --alpn http/1.1 \
        "${session[@]}" ||
        { show_file "$work_dir/$run.err"; show_file "$server_log"; fail "https_client ($run), full command lines"; }
done
assert_contains "$work_dir/full.body" "client: $(subject_of "$certs/client-spiffe-billing.pem")"
assert_contains "$work_dir/full.body" "client-uri: spiffe://example.org/ns/prod/sa/billing"
assert_contains "$work_dir/full.body" "alpn: http/1.1"
grep -qE '^exporter: [0-9A-F]{32}$' "$work_dir/full.body" ||
    { show_file "$work_dir/full.body"; fail "no 16-byte exporter line"; }
assert_contains "$work_dir/full.err" "server: $(subject_of "$certs/server-rsa.pem")"
assert_contains "$work_dir/resumed.err" "resumed: yes"
stop_server
echo "ok: https_server: $usage_errors bad command lines exit 2; the full one serves"

# --- https_client.
client=("$HTTPS_CLIENT" https://localhost:1/ "${ca[@]}")
usage_errors=0
expect_usage_error "missing URL" "$HTTPS_CLIENT"
expect_usage_error "missing URL" "$HTTPS_CLIENT" "${ca[@]}" https://localhost:1/
expect_usage_error "not an https URL: http://localhost:1/" "$HTTPS_CLIENT" http://localhost:1/
expect_usage_error "bad port in URL 70000 (expected a number from 1 to 65535)" "$HTTPS_CLIENT" \
    https://localhost:70000/
expect_usage_error "unknown option --verify" "${client[@]}" --verify require
expect_usage_error "unexpected argument https://localhost:2/" "${client[@]}" https://localhost:2/
expect_usage_error "missing value for --servername" "${client[@]}" --servername
expect_usage_error "missing value for --sess-in" "${client[@]}" --sess-in --sess-out "$work_dir/s"
expect_usage_error "--ca given twice" "${client[@]}" "${ca[@]}"
expect_usage_error "--cert and --key go together" "${client[@]}" --cert "$certs/client-ecdsa.pem"
expect_usage_error "bad --tls-min 1.1 (expected 1.2 or 1.3)" "${client[@]}" --tls-min 1.1
expect_usage_error "--tls-min 1.3 is above --tls-max 1.2" "${client[@]}" --tls-max 1.2 --tls-min 1.3
expect_usage_error "bad --groups: unknown group 'P-256'" "${client[@]}" --groups P-256
expect_usage_error "bad --ciphers: unknown cipher suite 'AES128-SHA'" "${client[@]}" --ciphers AES128-SHA
expect_usage_error "bad --alpn: bad ALPN protocol ''" "${client[@]}" --alpn ,h2
# Checked before the (missing) files are read.
expect_usage_error "bad --groups: unknown group 'x448'" "$HTTPS_CLIENT" https://localhost:1/ \
    --ca "$work_dir/none.pem" --groups x448
echo "ok: https_client: $usage_errors bad command lines exit 2"

# --- echo_server and coro_echo_server; coro_echo_client against each.
client_args=("${client_cred[@]}" "${ca[@]}")
for program in "$ECHO_SERVER" "$CORO_ECHO_SERVER"; do
    name=$(basename "$program")
    server=("$program" --port 0 "${server_cred[@]}" "${ca[@]}")
    usage_errors=0
    expect_usage_error "unknown option --verify" "${server[@]}" --verify require
    expect_usage_error "missing value for --max-connections" "${server[@]}" --max-connections
    expect_usage_error "missing value for --port" "$program" --port --idle-timeout 5 "${server_cred[@]}" "${ca[@]}"
    expect_usage_error "missing --ca" "$program" --port 0 "${server_cred[@]}"
    expect_usage_error "--port given twice" "${server[@]}" --port 0
    expect_usage_error "bad --port 65536 (expected a number from 0 to 65535)" "$program" --port 65536 \
        "${server_cred[@]}" "${ca[@]}"
    expect_usage_error "bad --port -1 (expected a number from 0 to 65535)" "$program" --port -1 \
        "${server_cred[@]}" "${ca[@]}"
    expect_usage_error "bad --idle-timeout 86401 (expected a number from 1 to 86400)" "${server[@]}" \
        --idle-timeout 86401
    servers_started=$((servers_started + 1))
    server_out="$work_dir/echo.$servers_started.out"
    server_log="$work_dir/echo.$servers_started.err"
    timeout 120 "${server[@]}" --handshake-timeout 5 --idle-timeout 5 --max-connections 10 \
        >"$server_out" 2>"$server_log" &
    server_pid=$!
    background_pids+=("$server_pid")
    server_port=$(wait_for_line "$server_out" '^listening on port [0-9]+$' "$server_pid" | awk '{print $4}')
    echo "hello, options" |
        timeout "$step_timeout" "$CORO_ECHO_CLIENT" localhost "$server_port" "${client_args[@]}" --timeout 5 \
            >"$work_dir/echo.out" 2>"$work_dir/echo.err" ||
        { show_file "$work_dir/echo.err"; show_file "$server_log"; fail "coro_echo_client against $name"; }
    [[ $(cat "$work_dir/echo.out") == "hello, options" ]] || { show_file "$work_dir/echo.out"; fail "no echo"; }
    stop_server
    echo "ok: $name: $usage_errors bad command lines exit 2; the correct one serves coro_echo_client"
done

# --- coro_echo_client (its correct command line ran above).
client=("$CORO_ECHO_CLIENT" localhost 1 "${client_args[@]}")
usage_errors=0
expect_usage_error "missing HOST" "$CORO_ECHO_CLIENT"
expect_usage_error "missing PORT" "$CORO_ECHO_CLIENT" localhost "${client_cred[@]}" "${ca[@]}"
expect_usage_error "unknown option --servername" "${client[@]}" --servername localhost
expect_usage_error "missing value for --timeout" "${client[@]}" --timeout
expect_usage_error "missing value for --timeout" "${client[@]}" --timeout ""
expect_usage_error "--key given twice" "${client[@]}" --key "$certs/client-ecdsa.key"
expect_usage_error "bad PORT 0 (expected a number from 1 to 65535)" "$CORO_ECHO_CLIENT" localhost 0 "${client_args[@]}"
expect_usage_error "bad PORT https (expected a number from 1 to 65535)" "$CORO_ECHO_CLIENT" localhost https \
    "${client_args[@]}"
expect_usage_error "bad --timeout 1s (expected seconds, more than 0 and at most 86400)" "${client[@]}" \
    --timeout 1s
expect_usage_error "bad --timeout -1 (expected seconds, more than 0 and at most 86400)" "${client[@]}" \
    --timeout -1
echo "ok: coro_echo_client: $usage_errors bad command lines exit 2"

# --- wss_echo: every flag is a file, so a bad value is an empty one.
wss=("$WSS_ECHO" "${ca[@]}" --server-cert "$certs/server-ecdsa.pem" --server-key "$certs/server-ecdsa.key"
    --client-cert "$certs/client-ecdsa.pem")
usage_errors=0
expect_usage_error "missing --client-key" "${wss[@]}"
expect_usage_error "unknown option --port" "${wss[@]}" --client-key "$certs/client-ecdsa.key" --port 0
expect_usage_error "missing value for --client-key" "${wss[@]}" --client-key
expect_usage_error "missing value for --client-key" "${wss[@]}" --client-key ""
expect_usage_error "--ca given twice" "${wss[@]}" --client-key "$certs/client-ecdsa.key" "${ca[@]}"
timeout "$step_timeout" "${wss[@]}" --client-key "$certs/client-ecdsa.key" >"$work_dir/wss.out" 2>"$work_dir/wss.err" ||
    { show_file "$work_dir/wss.err"; fail "wss_echo with a correct command line"; }
assert_contains "$work_dir/wss.out" "client: closed"
echo "ok: wss_echo: $usage_errors bad command lines exit 2; the correct one runs"
echo "PASS"
