#!/usr/bin/env bash
# Installs dependencies, builds mtls with Ninja and runs every test.
#   bash scripts/test.sh              # build/ (Debug)
#   bash scripts/test.sh --sanitize   # build-asan/ with AddressSanitizer + UBSan
#   bash scripts/test.sh --tsan       # build-tsan/ with ThreadSanitizer, the
#                                     # multi-threaded tests only
#   bash scripts/test.sh [...] --build-only   # configure and build, no tests
# Tests named <name>.openssl run <name> over OpenSSL's crypto provider
# (test/CMakeLists.txt): ctest -R '\.openssl$' runs those alone.
# The sanitizer builds use clang: with sanitizers GCC 12 takes several times
# longer over Asio and Beast templates (about 40 minutes of CPU against 15).
# Their debug information is line tables only: the sanitizers' reports keep
# file and line, and the compiles take about 9% less CPU than with full -g.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build=$root/build
extra=()
deps=()
targets=()
tests=()
usage() { echo "usage: $0 [--sanitize | --tsan] [--build-only]" >&2; exit 2; }
mode=
build_only=false
for arg in "$@"; do
    case $arg in
        --sanitize | --tsan) [[ -z $mode ]] || usage; mode=$arg ;;
        --build-only) build_only=true ;;
        *) usage ;;
    esac
done
case $mode in
    "") ;;
    --sanitize)
        build=$root/build-asan
        extra=("-DMTLS_SANITIZE=address,undefined" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only)
        deps=(--clang)
        ;;
    --tsan)
        build=$root/build-tsan
        extra=("-DMTLS_SANITIZE=thread" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only)
        deps=(--clang)
        # TSan finds races between threads, so only the tests that run more
        # than one: stream_threads_test (a 4-thread io_context), the stream
        # and Beast tests with a second thread, the shared CSPRNG, the session store,
        # credentials and CRLs replaced while handshakes run.
        for name in stream_threads_test stream_tokens_test stream_associations_test stream_test beast_sync_test crypto_test crypto_pki_test session_test rotation_threads_test engine_crl_test; do
            [[ -e $root/test/$name.cpp ]] && targets+=("$name")
        done
        # Not the fuzz replays (fuzz/replay.cmake): their harnesses run on one
        # thread, where TSan has nothing to find; the other builds replay them.

        # Each over both crypto providers where the build has OpenSSL's (the
        # .openssl twins, test/CMakeLists.txt): libcrypto is not instrumented,
        # mtls's calls into it and the state it shares between threads are.
        tests=(-R "^(gen_certs|($(IFS='|'; echo "${targets[*]}"))(\.openssl)?)\$")
        ;;
esac

bash "$root/scripts/install-deps.sh" "${deps[@]}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug "${extra[@]}"
if [[ ${#targets[@]} -gt 0 ]]; then
    cmake --build "$build" -j2 --target "${targets[@]}"
else
    cmake --build "$build" -j2
fi
$build_only && exit 0
cd "$build"
# Twice as many tests as cores: most of a test's time is spent waiting on
# sockets and peer processes (the suite uses about 0.9 core at -j2).
ctest --output-on-failure -j"$(( 2 * $(nproc) ))" "${tests[@]}"
