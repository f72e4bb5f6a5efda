#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/, generates their
# seed corpora from real handshakes, and runs each target for SECONDS
# (default 60). Prints the executions each target reached. Any crash, hang
# or out-of-memory input is copied into fuzz/regressions/<target>/ (from
# where every test build replays it) and makes the script exit non-zero.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# Longer campaigns: fuzz/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2; }
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzz_server fuzz_client fuzz_record fuzz_messages fuzz_handshake fuzz_session fuzz_certificate fuzz_pkcs8)

build=$root/build-fuzz
# Inputs found during runs stay here, so a later run starts where this one ended.
corpus=$build/corpus
seeds=$build/seeds
artifacts=$build/artifacts

bash "$root/scripts/install-deps.sh" --clang

# -O1: the usual libFuzzer trade-off between speed and debuggable reports;
# assertions stay on. Only the fuzz targets and the seed generator are built.
cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DMTLS_BUILD_FUZZ=ON -DMTLS_BUILD_TESTS=OFF -DMTLS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_make_corpus "${targets[@]}"

"$build/fuzz/fuzz_make_corpus" "$seeds"

found=0
failures=0
summary=()
for target in "${targets[@]}"; do
    mkdir -p "$corpus/$target"
    rm -rf "${artifacts:?}/$target"
    mkdir -p "$artifacts/$target"
    inputs=("$corpus/$target" "$seeds/$target")
    [[ -d $root/fuzz/regressions/$target ]] && inputs+=("$root/fuzz/regressions/$target")
    extra=()
    # Its seeds are a few bytes long; without this libFuzzer would grow the
    # input size from there too slowly to reach edits and injections.
    [[ $target == fuzz_handshake ]] && extra=(-max_len=512 -len_control=0)
    log=$build/$target.log
    echo "== $target: ${seconds}s"
    rc=0
    # -timeout: one input running 10 s is a hang; -rss_limit_mb: a leak or
    # an unbounded buffer shows up as an out-of-memory finding.
    "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$target/" "${extra[@]}" "${inputs[@]}" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    shopt -s nullglob
    finds=("$artifacts/$target"/crash-* "$artifacts/$target"/timeout-* "$artifacts/$target"/oom-* "$artifacts/$target"/leak-*)
    shopt -u nullglob
    if [[ ${#finds[@]} -gt 0 || $rc -ne 0 ]]; then
        found=1
        failures=$((failures + 1))
        mkdir -p "$root/fuzz/regressions/$target"
        for f in "${finds[@]}"; do
            cp "$f" "$root/fuzz/regressions/$target/"
            echo "$target: saved fuzz/regressions/$target/$(basename "$f")"
        done
        tail -n 60 "$log"
        summary+=("$target: ${execs:-?} executions, FOUND A PROBLEM (exit $rc, log $log)")
    else
        summary+=("$target: ${execs:-?} executions, nothing found")
    fi
done

echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
echo "fuzz: $((${#targets[@]} - failures)) passed, $failures failed"
exit "$found"
