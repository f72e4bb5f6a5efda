#!/usr/bin/env bash
# Server name indication (RFC 6066 §3): `openssl s_client -servername NAME`
# against https_server --sni receives the certificate given for NAME (by a
# "*.domain" pattern, or exactly without regard to case); another name, or
# none, receives --cert. With --sni-strict another name is refused with an
# unrecognized_name alert (112) while no name still gets --cert. A name's
# clients are held to --verify require with --ca, --crl and
# --require-client-uri as the default's are.
# TLS 1.2 and 1.3. The certificate received is told by its SHA-256
# fingerprint.
# Usage: sni_s_client.sh   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS
sni_args=(--cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key"
    --sni "*.example.test=$certs/server-wildcard.pem,$certs/server-wildcard.key"
    --sni "rsa.test=$certs/server-rsa.pem,$certs/server-rsa.key")

# The SHA-256 fingerprint of the first certificate in FILE (for s_client
# -showcerts output, the leaf the server sent).
fingerprint() {
    openssl x509 -in "$1" -noout -fingerprint -sha256
}

# s_client with TLS pin PIN asking for server NAME ("" for none) and further
# flags; output to FILE. Returns s_client's status.
ask() {
    local file=$1 pin=$2 name=$3 sni=(-noservername)
    shift 3
    [[ -z $name ]] || sni=(-servername "$name")
    s_client_get "$server_port" "$file" "$pin" "${sni[@]}" -showcerts "$@"
}

# Asserts that s_client output FILE got the body over TLS VERSION from a
# server presenting certificate CERT (a name in $certs, without extension).
assert_served_by() {
    local file=$1 version=$2 cert=$3
    assert_contains "$file" "version: TLSv$version"
    [[ $(fingerprint "$file") == "$(fingerprint "$certs/$cert.pem")" ]] || {
        show_file "$file"
        fail "expected the certificate of $cert in $file"
    }
}

start_https_server "${sni_args[@]}"
for version in 1.2 1.3; do
    pin=-tls${version/./_}
    for case in a.example.test:server-wildcard RSA.Test:server-rsa other.test:server-ecdsa \
        example.test:server-ecdsa :server-ecdsa; do
        name=${case%%:*}
        out="$work_dir/lenient-$version-${name:-none}"
        ask "$out" "$pin" "$name" || {
            show_file "$out"
            show_file "$server_log"
            fail "s_client asking for '${name}' failed (TLS $version)"
        }
        assert_served_by "$out" "$version" "${case#*:}"
    done
    echo "ok: each server name gets its certificate, others the default (TLS $version)"
done
stop_server

start_https_server "${sni_args[@]}" --sni-strict
refused=0
for version in 1.2 1.3; do
    pin=-tls${version/./_}
    out="$work_dir/strict-$version"
    status=0
    ask "$out.unknown" "$pin" unknown.test || status=$?
    [[ $status -ne 0 ]] || {
        show_file "$out.unknown"
        fail "s_client asking for unknown.test succeeded against --sni-strict (TLS $version)"
    }
    assert_contains "$out.unknown" "unrecognized name"
    assert_contains "$out.unknown" "SSL alert number 112"
    assert_not_contains "$out.unknown" "version: TLSv"
    refused=$((refused + 1))
    wait_for_count "$server_log" '^handshake failed: unrecognized_name' "$refused" "$server_pid"
    ask "$out.known" "$pin" b.example.test || fail "s_client asking for b.example.test failed (TLS $version)"
    assert_served_by "$out.known" "$version" server-wildcard
    ask "$out.none" "$pin" "" || fail "s_client asking for no name failed (TLS $version)"
    assert_served_by "$out.none" "$version" server-ecdsa
    echo "ok: --sni-strict refuses an unknown name, serves known ones and no name (TLS $version)"
done
stop_server

# The clients of a name are held to the client checks as well: --verify
# require with --ca (a client without a certificate is refused), --crl (a
# revoked one is), --require-client-uri (one without the URI SAN is). The
# CRL's clients send their intermediate CA (-cert_chain).
for policy in verify crl uri; do
    case $policy in
        verify) policy_args=() chain=() admitted=client-ecdsa refused='' alert="alert" ;;
        crl) policy_args=(--crl "$certs/int-crl.pem") chain=(-cert_chain "$certs/intermediate-ca.pem")
            admitted=client-crl-ok-chain refused=client-revoked-chain alert="alert certificate revoked" ;;
        uri) policy_args=(--require-client-uri 'spiffe://example.org/ns/*/sa/billing') chain=()
            admitted=client-spiffe-billing refused=client-ecdsa alert="alert access denied" ;;
    esac
    start_https_server "${sni_args[@]}" --ca "$certs/ca.pem" --verify require "${policy_args[@]}"
    for version in 1.2 1.3; do
        pin=-tls${version/./_}
        out="$work_dir/$policy-$version"
        ask "$out.admitted" "$pin" a.example.test -CAfile "$certs/ca.pem" \
            -cert "$certs/$admitted.pem" -key "$certs/$admitted.key" "${chain[@]}" || {
            show_file "$out.admitted"
            show_file "$server_log"
            fail "s_client presenting $admitted asking for a.example.test failed (TLS $version)"
        }
        assert_served_by "$out.admitted" "$version" server-wildcard
        assert_contains "$out.admitted" "client: $(subject_of "$certs/$admitted.pem")"
        credential=()
        [[ -z $refused ]] || credential=(-cert "$certs/$refused.pem" -key "$certs/$refused.key" "${chain[@]}")
        ask "$out.refused" "$pin" a.example.test -CAfile "$certs/ca.pem" "${credential[@]}" || true
        assert_contains "$out.refused" "$alert"
        assert_not_contains "$out.refused" "version: TLSv"
        echo "ok: a server name's clients are held to the $policy check (TLS $version)"
    done
    kill -0 "$server_pid" || fail "https_server died"
    stop_server
done
