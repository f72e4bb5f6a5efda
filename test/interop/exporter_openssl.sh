#!/usr/bin/env bash
# Keying material exporters against OpenSSL: `openssl s_client -keymatexport
# LABEL -keymatexportlen 32` (no context) and https_server --keymatexport
# export the same bytes, TLS 1.2 (RFC 5705, with extended master secret) and
# TLS 1.3 (RFC 8446 §7.5), with a SHA-256 and a SHA-384 suite each, after a
# full handshake and after resuming it; each connection exports its own.
# Usage: exporter_openssl.sh   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS
label=EXPERIMENTAL-mtls-interop

# The exported bytes in FILE, upper-case hex: s_client's "Keying material:"
# line, or, with `body`, https_server's "exporter:" line.
exported() {
    local file=$1 from=$2 hex
    case $from in
        s_client) hex=$(sed -n 's/^ *Keying material: \([0-9A-Fa-f]*\)$/\1/p' "$file") ;;
        body) hex=$(sed -n 's/^exporter: \([0-9A-Fa-f]*\)\r\{0,1\}$/\1/p' "$file") ;;
    esac
    [[ ${#hex} -eq 64 ]] || {
        show_file "$file"
        fail "no 32-byte $from export in $file"
    }
    echo "${hex^^}"
}

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require --keymatexport "$label" --keymatexportlen 32
seen=()
for setting in 1.2:ECDHE-ECDSA-AES128-GCM-SHA256 1.2:ECDHE-ECDSA-AES256-GCM-SHA384 \
    1.3:TLS_AES_128_GCM_SHA256 1.3:TLS_AES_256_GCM_SHA384; do
    version=${setting%%:*} suite=${setting#*:}
    case $version in
        1.2) suite_arg=(-cipher "$suite") expected_suite=$(iana_name "$suite") ;;
        1.3) suite_arg=(-ciphersuites "$suite") expected_suite=$suite ;;
    esac
    session="$work_dir/session.$suite.pem"
    for run in full resumed; do
        s_client_session_arg "$run" "$session"
        out="$work_dir/s_client.$suite.$run"
        s_client_get "$server_port" "$out" "-tls1_${version#1.}" "${suite_arg[@]}" "${session_arg[@]}" \
            -keymatexport "$label" -keymatexportlen 32 -verify_return_error -CAfile "$certs/ca.pem" \
            -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key" || {
            show_file "$out"
            show_file "$server_log"
            fail "s_client -keymatexport failed: TLS $version, $suite, $run handshake"
        }
        assert_contains "$out" "version: TLSv$version"
        assert_contains "$out" "cipher: $expected_suite"
        assert_contains "$out" "resumed: $([[ $run == resumed ]] && echo yes || echo no)"
        assert_contains "$out" "Label: '$label'"
        ours=$(exported "$out" body)
        theirs=$(exported "$out" s_client)
        [[ $ours == "$theirs" ]] ||
            fail "TLS $version, $suite, $run: https_server exported $ours, s_client $theirs"
        for earlier in "${seen[@]}"; do
            [[ $ours != "$earlier" ]] || fail "TLS $version, $suite, $run: two connections exported $ours"
        done
        seen+=("$ours")
        echo "ok: s_client and https_server export the same bytes (TLS $version, $suite, $run)"
    done
done
