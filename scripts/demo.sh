#!/usr/bin/env bash
# Builds mtls, starts the example HTTPS server requiring client certificates,
# and fetches a page from it with the example client and a client certificate.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build

bash "$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug
cmake --build "$build" -j2 --target https_server https_client

work=$(mktemp -d "${TMPDIR:-/tmp}/mtls-demo.XXXXXX")
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

bash "$root/test/gen_certs.sh" "$work/certs"
certs=$work/certs

"$build/examples/https_server" --port 0 --verify require \
    --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" --ca "$certs/ca.pem" \
    >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=
for _ in $(seq 50); do
    port=$(sed -n 's/^listening on port //p' "$work/server.out")
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || { cat "$work/server.err" >&2; echo "demo: https_server did not start" >&2; exit 1; }

echo "== https_server --verify require is listening on 127.0.0.1:$port"
echo "== https_client https://localhost:$port/ with client certificate 'mtls test client':"
"$build/examples/https_client" "https://localhost:$port/" --ca "$certs/ca.pem" \
    --cert "$certs/client-ecdsa.pem" --key "$certs/client-ecdsa.key"
echo "== the same without a client certificate (the server must refuse it):"
if "$build/examples/https_client" "https://localhost:$port/" --ca "$certs/ca.pem"; then
    echo "demo: the server accepted a client without a certificate" >&2
    exit 1
fi
echo "== refused, as required; done"
