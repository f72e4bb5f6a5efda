#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/, generates their
# seed corpora from real handshakes, and runs each target for SECONDS
# (default 60), as many at once as there are cores. Prints the executions
# each target reached. Any crash, hang
# or out-of-memory input is copied into fuzz/regressions/<target>/ (from
# where every test build replays it) and makes the script exit non-zero.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
#   bash scripts/fuzz.sh --build-only     # build, run nothing
# Longer campaigns: fuzz/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_only=false
if [[ ${1:-} == --build-only ]]; then
    build_only=true
    shift
fi
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2; }
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzz_server fuzz_client fuzz_record fuzz_messages fuzz_handshake fuzz_session fuzz_certificate fuzz_pkcs8 fuzz_public_key)

build=$root/build-fuzz
# Inputs found during runs stay here, so a later run starts where this one ended.
corpus=$build/corpus
seeds=$build/seeds
artifacts=$build/artifacts

bash "$root/scripts/install-deps.sh" --clang

# -O1: the usual libFuzzer trade-off between speed and debuggable reports;
# assertions stay on; line tables (file and line in reports) rather than full
# -g, for less compile time. Only the fuzz targets and the seed generator are built.
cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
    -DMTLS_BUILD_FUZZ=ON -DMTLS_BUILD_TESTS=OFF -DMTLS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_make_corpus "${targets[@]}"
$build_only && exit 0

"$build/fuzz/fuzz_make_corpus" "$seeds"

# One target per core at a time: each libFuzzer process is single-threaded.
run_target() {
    local target=$1
    rm -f "$build/$target.summary"
    mkdir -p "$corpus/$target"
    rm -rf "${artifacts:?}/$target"
    mkdir -p "$artifacts/$target"
    local inputs=("$corpus/$target" "$seeds/$target")
    [[ -d $root/fuzz/regressions/$target ]] && inputs+=("$root/fuzz/regressions/$target")
    local extra=()
    # Its seeds are a few bytes long; without this libFuzzer would grow the
    # input size from there too slowly to reach edits and injections.
    [[ $target == fuzz_handshake ]] && extra=(-max_len=512 -len_control=0)
    local log=$build/$target.log
    echo "== $target: ${seconds}s"
    local rc=0
    # -timeout: one input running 10 s is a hang; -rss_limit_mb: a leak or
    # an unbounded buffer shows up as an out-of-memory finding.
    "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$target/" "${extra[@]}" "${inputs[@]}" >"$log" 2>&1 || rc=$?
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    shopt -s nullglob
    local finds=("$artifacts/$target"/crash-* "$artifacts/$target"/timeout-* "$artifacts/$target"/oom-* "$artifacts/$target"/leak-*)
    shopt -u nullglob
    if [[ ${#finds[@]} -gt 0 || $rc -ne 0 ]]; then
        mkdir -p "$root/fuzz/regressions/$target"
        local f
        for f in "${finds[@]}"; do
            cp "$f" "$root/fuzz/regressions/$target/"
            echo "$target: saved fuzz/regressions/$target/$(basename "$f")"
        done
        tail -n 60 "$log"
        echo "$target: ${execs:-?} executions, FOUND A PROBLEM (exit $rc, log $log)" >"$build/$target.summary"
        return 1
    fi
    echo "$target: ${execs:-?} executions, nothing found" >"$build/$target.summary"
}

parallel=$(nproc)
running=0
for target in "${targets[@]}"; do
    if [[ $running -ge $parallel ]]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_target "$target" &
    running=$((running + 1))
done
wait

failures=0
echo "== fuzz summary (${seconds}s per target, $parallel at a time)"
for target in "${targets[@]}"; do
    cat "$build/$target.summary"
    grep -q "FOUND A PROBLEM" "$build/$target.summary" && failures=$((failures + 1))
done
echo "fuzz: $((${#targets[@]} - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
