#!/usr/bin/env bash
# Keeps the migration guide honest: its one ```diff block must be exactly
# `diff -u` of Beast's client and its port, and the original must still be
# the file Boost 1.81 ships (libboost1.81-doc:
# examples/libs/beast/example/http/client/async-ssl/http_client_async_ssl.cpp).
# Usage: check_guide_diff.sh GUIDE DIR  (DIR holds the two programs)
set -euo pipefail
guide=$1 dir=$2
readonly original_sha256=b17ae5f8099430a096e996d30bf499d4826fa773eb95279fa0d5b77d123eeed3

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

actual_sha256=$(sha256sum "$dir/http_client_async_ssl.cpp" | awk '{print $1}')
[[ $actual_sha256 == "$original_sha256" ]] ||
    fail "http_client_async_ssl.cpp is not Boost 1.81's (sha256 $actual_sha256)"

blocks=$(grep -c '^```diff$' "$guide" || true)
[[ $blocks -eq 1 ]] || fail "$guide has $blocks \`\`\`diff blocks, not 1"

work=$(mktemp -d "${TMPDIR:-/tmp}/mtls-guide.XXXXXX")
trap 'rm -rf "$work"' EXIT
awk '/^```diff$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' "$guide" >"$work/guide.diff"
(cd "$dir" && diff -u http_client_async_ssl.cpp http_client_async_mtls.cpp \
    --label http_client_async_ssl.cpp --label http_client_async_mtls.cpp) >"$work/actual.diff" || true
[[ -s $work/actual.diff ]] || fail "the port does not differ from the original"
if ! cmp -s "$work/guide.diff" "$work/actual.diff"; then
    diff -u "$work/guide.diff" "$work/actual.diff" >&2 || true
    fail "the diff in $guide is not the diff of the two programs (above: guide -> actual)"
fi
echo "the guide's diff matches ($(grep -c '^[-+][^-+]' "$work/actual.diff") changed lines)"
