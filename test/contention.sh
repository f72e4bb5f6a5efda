#!/usr/bin/env bash
# Runs a test binary's suite RUNS times in a row, pinned to one CPU that a
# busy loop also wants: the test then loses the CPU at arbitrary points, which
# is how a race between a timer and I/O completions shows up. Every run must
# pass. The busy loop is bounded in time and killed on exit.
#
#   contention.sh TEST_BINARY SUITE RUNS
#
# Exit 77 (skipped) when taskset is missing.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 TEST_BINARY SUITE RUNS" >&2
    exit 2
fi
binary=$1
suite=$2
runs=$3

if ! command -v taskset > /dev/null; then
    echo "SKIP: taskset (util-linux) is not installed"
    exit 77
fi

# The first CPU this process may use ("pid N's current affinity list: 0-3").
cpu=$(taskset -cp $$ | sed 's/.*: *//; s/[-,].*//')

# Outlives the runs only on a hang, which the per-run limit below catches.
taskset -c "$cpu" timeout 600 sh -c 'while :; do :; done' &
busy=$!
trap 'kill "$busy" 2> /dev/null || true' EXIT

started=$SECONDS
for ((i = 1; i <= runs; ++i)); do
    if ! taskset -c "$cpu" timeout 120 "$binary" --run_test="$suite"; then
        echo "FAIL: run $i of $runs (CPU $cpu shared with a busy loop)"
        exit 1
    fi
done
echo "$runs runs of $suite passed on CPU $cpu next to a busy loop in $((SECONDS - started)) s"
