#!/usr/bin/env bash
# Installs the current build into a temporary prefix, then configures, builds
# and runs the consumer project in this directory against it alone.
# Usage: check.sh BUILD_DIR CXX_COMPILER [EXTRA_CMAKE_ARG...]
set -euo pipefail
build=$1 compiler=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mtls-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
# Only the installed copy must be found; the source tree and build dir must not leak in.
grep -rq -e "$build" -e "$(cd "$here/../.." && pwd)/include" "$work/prefix/lib"*/cmake/mtls/ &&
    { echo "FAIL: installed package config refers to the build or source tree" >&2; exit 1; }
cmake -S "$here" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_PREFIX_PATH="$work/prefix" "$@"
cmake --build "$work/consumer"
"$work/consumer/consumer"
