#!/usr/bin/env bash
# https_server --cipher-preference against `openssl s_client` offering
# AES-128-GCM, then AES-256-GCM, then ChaCha20-Poly1305 (-cipher for TLS 1.2,
# -ciphersuites for 1.3): fastest picks the AEAD cheapest for the server's
# crypto provider (ChaCha20-Poly1305 for mbedTLS, AES-128-GCM for OpenSSL),
# and the next cheapest when the client does not offer it; client picks the
# client's first; server (and no flag) keeps the server's default order,
# AES-128-GCM first. Both ends must name the same suite: the `cipher:` line of
# the body and s_client's "Cipher is".
# Usage: cipher_preference_s_client.sh
#   (env: HTTPS_SERVER, MTLS_TEST_CERTS, MTLS_CRYPTO_PROVIDER for the server)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
certs=$MTLS_TEST_CERTS
cred=(--cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key")

# The client's offer for VERSION of AEADs (aes128, aes256, chacha), in order,
# as s_client flags.
offer() {
    local version=$1 names=() a
    shift
    for a in "$@"; do
        if [[ $version == 1.2 ]]; then
            case $a in
                aes128) names+=(ECDHE-ECDSA-AES128-GCM-SHA256) ;;
                aes256) names+=(ECDHE-ECDSA-AES256-GCM-SHA384) ;;
                chacha) names+=(ECDHE-ECDSA-CHACHA20-POLY1305) ;;
            esac
        else
            case $a in
                aes128) names+=(TLS_AES_128_GCM_SHA256) ;;
                aes256) names+=(TLS_AES_256_GCM_SHA384) ;;
                chacha) names+=(TLS_CHACHA20_POLY1305_SHA256) ;;
            esac
        fi
    done
    local IFS=:
    if [[ $version == 1.2 ]]; then
        echo "-tls1_2 -cipher ${names[*]}"
    else
        echo "-tls1_3 -ciphersuites ${names[*]}"
    fi
}

# The suite AEAD A of VERSION, as s_client names it and as mtls does.
openssl_name() {
    local version=$1 a=$2
    offer "$version" "$a" | awk '{print $3}'
}
mtls_name() {
    local version=$1 name
    name=$(openssl_name "$@")
    if [[ $version == 1.2 ]]; then iana_name "$name"; else echo "$name"; fi
}

# Asserts that the running server, offered AEADs OFFERED... over VERSION,
# agrees on the suite with AEAD EXPECTED with s_client.
expect_suite() {
    local label=$1 version=$2 expected=$3
    shift 3
    local out="$work_dir/$label-$version-$expected"
    # shellcheck disable=SC2046 # offer prints separate s_client flags
    s_client_get "$server_port" "$out" $(offer "$version" "$@") ||
        { show_file "$out"; show_file "$server_log"; fail "s_client failed ($label, TLS $version)"; }
    assert_contains "$out" "version: TLSv$version"
    assert_contains "$out" "cipher: $(mtls_name "$version" "$expected")"
    assert_contains "$out" "Cipher is $(openssl_name "$version" "$expected")"
}

# The AEADs by what they cost the server's provider, cheapest first
# (src/crypto/aead_speed.hpp).
if [[ ${MTLS_CRYPTO_PROVIDER:-mbedtls} == openssl ]]; then
    by_cost=(aes128 aes256 chacha)
else
    by_cost=(chacha aes128 aes256)
fi
start_https_server "${cred[@]}" --cipher-preference fastest
for version in 1.2 1.3; do
    # Offered dearest first, and without the cheapest.
    expect_suite fastest "$version" "${by_cost[0]}" "${by_cost[2]}" "${by_cost[1]}" "${by_cost[0]}"
    expect_suite fastest-second "$version" "${by_cost[1]}" "${by_cost[2]}" "${by_cost[1]}"
done
stop_server
echo "ok: --cipher-preference fastest picks ${by_cost[0]}, else ${by_cost[1]}" \
    "(${MTLS_CRYPTO_PROVIDER:-mbedtls}; TLS 1.2 and 1.3)"

start_https_server "${cred[@]}" --cipher-preference client
for version in 1.2 1.3; do
    expect_suite client "$version" aes256 aes256 chacha aes128
    expect_suite client "$version" chacha chacha aes128 aes256
done
stop_server
echo "ok: --cipher-preference client picks the client's first (TLS 1.2 and 1.3)"

for flags in "--cipher-preference server" ""; do
    # shellcheck disable=SC2086 # none or two words
    start_https_server "${cred[@]}" $flags
    for version in 1.2 1.3; do
        expect_suite server "$version" aes128 chacha aes256 aes128
    done
    stop_server
done
echo "ok: --cipher-preference server, and the default, keep the server's order (TLS 1.2 and 1.3)"
