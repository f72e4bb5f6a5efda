#!/usr/bin/env bash
# ALPN (RFC 7301) against OpenSSL, TLS 1.2 and 1.3, both directions.
# `openssl s_client` against https_server (default --alpn http/1.1): offering
# h2,http/1.1 gets http/1.1; offering only h2 is refused with a
# no_application_protocol alert (120, RFC 7301 §3.2); offering nothing gets
# no ALPN. https_client against `openssl s_server -alpn http/1.1`: offering
# h2,http/1.1 reports http/1.1, offering nothing reports none, and offering
# only h2 fails on s_server's no_application_protocol alert.
# Usage: alpn_openssl.sh   (env: HTTPS_SERVER, HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key"
refused=0
for version in 1.2 1.3; do
    pin=-tls1_${version#1.}
    out="$work_dir/s_client.$version"
    s_client_get "$server_port" "$out.both" "$pin" -alpn h2,http/1.1 || {
        show_file "$out.both"
        show_file "$server_log"
        fail "s_client -alpn h2,http/1.1 failed (TLS $version)"
    }
    assert_contains "$out.both" "ALPN protocol: http/1.1"
    assert_contains "$out.both" "version: TLSv$version"
    assert_contains "$out.both" "alpn: http/1.1"

    status=0
    s_client_get "$server_port" "$out.h2" "$pin" -alpn h2 || status=$?
    [[ $status -ne 0 ]] || {
        show_file "$out.h2"
        fail "s_client -alpn h2 succeeded against a server that speaks only http/1.1 (TLS $version)"
    }
    assert_contains "$out.h2" "alert no application protocol"
    assert_contains "$out.h2" "SSL alert number 120"
    assert_not_contains "$out.h2" "HTTP/1.0 200 OK"
    refused=$((refused + 1))
    wait_for_count "$server_log" '^handshake failed: no_application_protocol' "$refused" "$server_pid"

    s_client_get "$server_port" "$out.none" "$pin" || {
        show_file "$out.none"
        fail "s_client without -alpn failed (TLS $version)"
    }
    assert_contains "$out.none" "No ALPN negotiated"
    assert_contains "$out.none" "alpn: none"
    echo "ok: s_client and https_server agree on ALPN (TLS $version)"
done
stop_server

for version in 1.2 1.3; do
    start_s_server "-tls1_${version#1.}" -alpn http/1.1 \
        -cert "$certs/server-ecdsa.pem" -key "$certs/server-ecdsa.key"
    for offer in h2,http/1.1 none; do
        case $offer in
            none) offer_arg=() expected=none ;;
            *) offer_arg=(--alpn "$offer") expected=http/1.1 ;;
        esac
        out="$work_dir/https_client.$version.${offer//\//_}"
        https_client_get "$server_port" "$out" "${offer_arg[@]}" || {
            show_file "$out.err"
            show_file "$server_log"
            fail "https_client offering ALPN $offer failed against s_server (TLS $version)"
        }
        assert_contains "$out.err" "TLSv$version "
        assert_contains "$out.err" "alpn: $expected"
    done
    out="$work_dir/https_client.$version.h2"
    status=0
    https_client_get "$server_port" "$out" --alpn h2 || status=$?
    [[ $status -eq 1 ]] || {
        show_file "$out.err"
        fail "https_client --alpn h2 exited $status against s_server -alpn http/1.1 (TLS $version)"
    }
    assert_contains "$out.err" "https_client: received alert no_application_protocol"
    stop_server
    echo "ok: https_client and s_server agree on ALPN (TLS $version)"
done
