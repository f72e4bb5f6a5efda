#!/usr/bin/env bash
# Two https_server processes started with the same --ticket-key-file resume
# each other's sessions: https_client takes a session from the first
# (--sess-out) and resumes it on the second (--sess-in), in TLS 1.3 and in
# TLS 1.2 (by ticket: a session id is known only to the process that made
# it). A server with another key file cannot open the ticket and makes a full
# handshake; one whose file puts a new key before the old one (a rotation)
# still opens it. A key file that is not 1 to 8 records of 48 bytes stops
# https_server from starting, with a message naming the file.
# Usage: resumption_fleet.sh   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS
client_subject=$(subject_of "$certs/client-ecdsa.pem")
fleet_key="$work_dir/fleet.key"
other_key="$work_dir/other.key"
rotated_key="$work_dir/rotated.key"
head -c 48 /dev/urandom >"$fleet_key"
head -c 48 /dev/urandom >"$other_key"
cat "$other_key" "$fleet_key" >"$rotated_key"

# Starts https_server --verify require with the ticket key file KEY_FILE;
# sets server_port.
start_fleet_server() {
    start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
        --ca "$certs/ca.pem" --verify require --ticket-key-file "$1"
}

# GET from PORT as NAME with https_client pinned to VERSION and the extra
# arguments; both ends must say whether the session was RESUMED (yes|no).
get_and_check() {
    local port=$1 name=$2 version=$3 resumed=$4 out="$work_dir/$2.$3"
    shift 4
    local pin
    case $version in
        1.2) pin=(--tls-max 1.2) ;;
        1.3) pin=(--tls-min 1.3) ;;
    esac
    https_client_get "$port" "$out" "${pin[@]}" --cert "$certs/client-ecdsa.pem" \
        --key "$certs/client-ecdsa.key" "$@" || {
        show_file "$out.err"
        fail "https_client failed: $name, TLS $version"
    }
    assert_contains "$out.err" "TLSv$version "
    assert_contains "$out.err" "resumed: $resumed"
    assert_contains "$out.body" "version: TLSv$version"
    assert_contains "$out.body" "client: $client_subject"
    assert_contains "$out.body" "resumed: $resumed"
}

start_fleet_server "$fleet_key"
first_port=$server_port
start_fleet_server "$fleet_key"
second_port=$server_port
start_fleet_server "$other_key"
other_port=$server_port
start_fleet_server "$rotated_key"
rotated_port=$server_port

for version in 1.2 1.3; do
    session="$work_dir/session.$version"
    get_and_check "$first_port" first "$version" no --sess-out "$session"
    get_and_check "$second_port" second "$version" yes --sess-in "$session"
    get_and_check "$other_port" other "$version" no --sess-in "$session"
    get_and_check "$rotated_port" rotated "$version" yes --sess-in "$session"
    echo "ok: TLS $version session from one server resumed on another with the same ticket key"
done

# Key files of the wrong size: empty, short, one record and a byte, 9 records.
for size in 0 47 49 432; do
    bad_key="$work_dir/bad.$size.key"
    head -c "$size" /dev/urandom >"$bad_key"
    status=0
    timeout "$step_timeout" "$HTTPS_SERVER" --port 0 --cert "$certs/server-ecdsa.pem" \
        --key "$certs/server-ecdsa.key" --ticket-key-file "$bad_key" \
        >"$work_dir/bad.out" 2>"$work_dir/bad.err" || status=$?
    [[ $status -eq 1 ]] || {
        show_file "$work_dir/bad.err"
        fail "https_server with a $size-byte ticket key file exited with status $status, not 1"
    }
    assert_not_contains "$work_dir/bad.out" "listening on port"
    assert_contains "$work_dir/bad.err" "ticket key file $bad_key"
    assert_contains "$work_dir/bad.err" "records of 48 bytes"
done
echo "ok: ticket key files of the wrong size refused"
