#!/bin/sh
# Runs the signal benchmarks in one go: the read floor and our detect pipeline (bench_detect, on
# a simulated 64-channel 2048 Hz one-hour EDF+ file in the temporary directory), the SciPy
# reference on a two-minute slice of the same file, the CLI's peak memory, and the F1 table.
# Needs the release build: cmake --preset release && cmake --build --preset release \
#   --target bench_detect bench_detect_f1 twitchwatch
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build/release}
tmp=${TMPDIR:-/tmp}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

echo "== read floor and twitchwatch pipeline (one core)"
taskset -c 0 "$build/bench/signal/bench_detect" --benchmark_counters_tabular=true

file="$tmp/twitchwatch-bench-detect-64ch-2048Hz-1h.edf"
# The reference's system time (fresh pages for its large arrays) changes a lot from run to
# run, so it runs several times; compare with the median and say the spread.
echo "== SciPy reference on a two-minute slice, ${SCIPY_RUNS:=5} runs"
for run in $(seq "$SCIPY_RUNS"); do
    taskset -c 0 "$python" "$root/bench/signal/scipy_reference.py" "$file" 120
done

echo "== twitchwatch detect on the whole hour: time and peak memory"
/usr/bin/time -v taskset -c 0 "$build/src/cli/twitchwatch" detect "$file" --json \
    > "$tmp/twitchwatch-bench-detect.json" 2> "$tmp/twitchwatch-bench-detect.time"
grep -E "User time|System time|Elapsed|Maximum resident" "$tmp/twitchwatch-bench-detect.time"

echo "== F1 per SNR and condition"
"$build/bench/signal/bench_detect_f1"
