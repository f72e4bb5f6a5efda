#!/usr/bin/env bash
# The installed package as its users meet it. Installs this build (static)
# into a temporary prefix, then against it alone:
#   - a CMake consumer with no C++ standard setting builds and runs, and
#     find_package(mtls) leaves its CMAKE_MODULE_PATH as it was;
#   - a consumer built with `pkg-config --cflags --libs mtls` alone builds and runs;
#   - every public header, compiled as C++17, stops at mtls's #error first.
# Then builds the library alone as a shared library from the same sources
# (BUILD_DIR/package-shared, kept between runs), installs it, and checks its
# SONAME, that it exports only mtls:: symbols, and that both consumers link
# against it and run (not when SANITIZERS are given: the plain build checks it).
# Usage: check.sh SOURCE_DIR BUILD_DIR CXX_COMPILER [SANITIZERS [LAUNCHER]]
set -euo pipefail
src=$1 build=$2 compiler=$3 sanitize=${4:-} launcher=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mtls-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== [$((SECONDS - started)) s] $*"; }

cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$compiler")
link_flags=()
if [[ -n $sanitize ]]; then
    # An instrumented static libmtls needs the sanitizer runtimes at link time.
    cmake_args+=("-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=$sanitize")
    link_flags+=("-fsanitize=$sanitize")
fi

step "static library: install"
cmake --install "$build" --prefix "$work/static" >/dev/null
# Only the installed copy must be found; the source tree and build dir must not leak in.
grep -rq -e "$build" -e "$src/include" "$work/static/lib"*/cmake/mtls/ "$work/static/lib"*/pkgconfig/ &&
    fail "installed package files refer to the build or source tree"

step "static library: CMake consumer without a C++ standard setting"
cmake -S "$here" -B "$work/consumer" "${cmake_args[@]}" -DCMAKE_PREFIX_PATH="$work/static" >/dev/null
cmake --build "$work/consumer"
"$work/consumer/consumer"

step "static library: consumer built with pkg-config's flags alone"
pc() { PKG_CONFIG_LIBDIR=$(echo "$1"/lib*/pkgconfig) pkg-config "${@:2}" mtls; }
read -ra cflags <<<"$(pc "$work/static" --cflags)"
echo "pkg-config --cflags: ${cflags[*]}"
for source in main context_only; do
    "$compiler" "${cflags[@]}" -c "$here/$source.cpp" -o "$work/$source.o"
done
read -ra libs <<<"$(pc "$work/static" --libs)"
echo "pkg-config --libs: ${libs[*]}"
"$compiler" "$work/main.o" "$work/context_only.o" "${libs[@]}" "${link_flags[@]}" -o "$work/pc_consumer"
"$work/pc_consumer"

step "C++17: every public header stops at mtls's #error, first"
expected='mtls needs C++20'
headers=$(cd "$work/static/include" && find mtls -name '*.hpp' | sort)
[[ $(wc -l <<<"$headers") -ge 10 ]] || fail "the installed headers are missing: $headers"
for header in $headers; do
    out=$(echo "#include <$header>" |
        "$compiler" -x c++ -std=c++17 -fsyntax-only -Wfatal-errors -I "$work/static/include" - 2>&1) &&
        fail "$header compiled as C++17"
    first=$(grep -m1 -E ': (fatal )?error: ' <<<"$out")
    [[ $first == *"$expected"* ]] || fail "$header as C++17: first error is not mtls's: $first"
done
echo "$(wc -l <<<"$headers") headers, first error: $first"
# MSVC reports its standard in _MSVC_LANG, not __cplusplus.
out=$(echo "#include <mtls/detail/config.hpp>" |
    "$compiler" -x c++ -std=c++20 -D_MSVC_LANG=201703L -fsyntax-only -I "$work/static/include" - 2>&1) &&
    fail "config.hpp accepted _MSVC_LANG=201703L"
[[ $out == *"$expected"* ]] || fail "config.hpp with _MSVC_LANG=201703L: $out"

if [[ -n $sanitize ]]; then
    # The shared build checks packaging, not memory: the plain build's run covers it.
    step "shared library: left to the build without sanitizers"
    exit 0
fi

step "shared library: build (the library alone) and install"
shared_build=$build/package-shared
shared_args=(-DBUILD_SHARED_LIBS=ON -DMTLS_BUILD_EXAMPLES=OFF)
[[ -n $launcher ]] && shared_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
cmake -S "$src" -B "$shared_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$compiler" \
    "${shared_args[@]}" >/dev/null
cmake --build "$shared_build" --target mtls -j "${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
cmake --install "$shared_build" --prefix "$work/shared" >/dev/null
library=$(echo "$work/shared/lib"*/libmtls.so)
[[ -e $library ]] || fail "no libmtls.so installed"
soname=$(readelf -d "$library" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
echo "SONAME: $soname"
[[ $soname =~ ^libmtls\.so\.[0-9]+\.[0-9]+$ ]] || fail "SONAME is \"$soname\", not libmtls.so.MAJOR.MINOR"
[[ -e $(dirname "$library")/$soname ]] || fail "$soname is not installed beside libmtls.so"

step "shared library: exported symbols"
exported=$(nm -D --defined-only -C "$library" | cut -d' ' -f3-)
echo "$(wc -l <<<"$exported") exported symbols"
# The public API only: neither mbedTLS nor anything else outside mtls, nor
# mtls::detail or a pimpl (engine::impl).
leaked=$(grep -v -E '^((typeinfo|typeinfo name|vtable) for )?mtls::' <<<"$exported" || true)
[[ -z $leaked ]] || fail "exported beyond mtls::: $(head -20 <<<"$leaked")"
leaked=$(grep -E '^[^(]*::(detail|impl)::' <<<"$exported" || true)
[[ -z $leaked ]] || fail "internals exported: $(head -20 <<<"$leaked")"
grep -q '^mtls::context::context()' <<<"$exported" || fail "mtls::context::context() is not exported"

step "shared library: CMake consumer"
cmake -S "$here" -B "$work/shared-consumer" "${cmake_args[@]}" -DCMAKE_PREFIX_PATH="$work/shared" >/dev/null
cmake --build "$work/shared-consumer"
readelf -d "$work/shared-consumer/consumer" | grep -q "(NEEDED).*\[$soname\]" ||
    fail "the consumer does not load $soname"
"$work/shared-consumer/consumer"

step "shared library: pkg-config consumer"
read -ra libs <<<"$(pc "$work/shared" --libs)"
echo "pkg-config --libs: ${libs[*]}"
"$compiler" "$work/main.o" "$work/context_only.o" "${libs[@]}" "${link_flags[@]}" -o "$work/pc_shared_consumer"
LD_LIBRARY_PATH=$(dirname "$library") "$work/pc_shared_consumer"

step "done"
