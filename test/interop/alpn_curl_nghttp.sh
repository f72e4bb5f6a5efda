#!/usr/bin/env bash
# ALPN (RFC 7301) against HTTP/2 clients, TLS 1.2 and 1.3: https_server
# advertises only http/1.1 (its default --alpn). `curl --http2` offers h2 and
# http/1.1 and must get http/1.1; nghttp offers only h2, which the server
# must refuse with no_application_protocol (RFC 7301 §3.2), so nghttp never
# starts HTTP/2.
# Usage: alpn_curl_nghttp.sh   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program curl
require_program nghttp
certs=$MTLS_TEST_CERTS

# Fails unless FILE has a line matching the extended regex REGEX.
assert_matches() {
    grep -qE -- "$2" "$1" || {
        show_file "$1"
        fail "expected a line matching '$2' in $1"
    }
}

start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key"
for version in 1.2 1.3; do
    out="$work_dir/curl.$version"
    timeout "$step_timeout" curl --verbose --silent --show-error --fail --max-time "$step_timeout" \
        --http2 --tlsv"$version" --tls-max "$version" --cacert "$certs/ca.pem" \
        --resolve "localhost:$server_port:127.0.0.1" "https://localhost:$server_port/" \
        >"$out.body" 2>"$out.err" || {
        show_file "$out.err"
        show_file "$server_log"
        fail "curl --http2 failed (TLS $version)"
    }
    assert_matches "$out.err" '^\* ALPN[:,] offers h2,http/1\.1$'
    assert_matches "$out.err" '^\* ALPN[:,] server accepted (to use )?http/1\.1$'
    assert_contains "$out.body" "version: TLSv$version"
    assert_contains "$out.body" "alpn: http/1.1"
    echo "ok: curl --http2 got http/1.1 from https_server (TLS $version)"
done

# nghttp has no TLS version flag; it gets the server's default, TLS 1.3. It
# exits 0 even when no request went through, so its status proves nothing.
out="$work_dir/nghttp"
timeout "$step_timeout" nghttp --verbose "https://127.0.0.1:$server_port/" >"$out" 2>&1 || true
assert_not_contains "$out" "The negotiated protocol:"
assert_not_contains "$out" "send HEADERS frame"
assert_contains "$out" "Some requests were not processed. total=1, processed=0"
wait_for_line "$server_log" '^handshake failed: no_application_protocol' "$server_pid" >/dev/null
echo "ok: https_server refused nghttp's h2-only offer with no_application_protocol"
