#!/usr/bin/env bash
# Installs dependencies, builds mtls with Ninja and runs every test.
#   bash scripts/test.sh              # build/ (Debug)
#   bash scripts/test.sh --sanitize   # build-asan/ with AddressSanitizer + UBSan
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build=$root/build
extra=()
case ${1:-} in
    "") ;;
    --sanitize)
        build=$root/build-asan
        extra=("-DMTLS_SANITIZE=address,undefined")
        ;;
    *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
esac

bash "$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug "${extra[@]}"
cmake --build "$build" -j2
cd "$build"
ctest --output-on-failure -j2
