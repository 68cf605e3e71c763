#!/bin/sh
# Runs the signal benchmarks in one go: the read floor and our detect pipeline (bench_detect, on
# a simulated 64-channel 2048 Hz one-hour EDF+ file in the temporary directory), the SciPy
# reference on a two-minute slice of the same file alternating with `twitchwatch detect` on the
# whole hour (CPU time and peak memory; the medians compared), and the F1 table.
# Needs the release build: cmake --preset release && cmake --build --preset release \
#   --target bench_detect bench_detect_f1 twitchwatch
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build/release}
tmp=${TMPDIR:-/tmp}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

echo "== read floor and twitchwatch pipeline (one core)"
taskset -c 0 "$build/bench/signal/bench_detect" --benchmark_counters_tabular=true \
    --benchmark_filter=-WallTime

echo "== read ahead on a second CPU: the whole hour in wall-clock time, without (0) and with (1)"
"$build/bench/signal/bench_detect" --benchmark_counters_tabular=true --benchmark_filter=WallTime

file="$tmp/twitchwatch-bench-detect-64ch-2048Hz-1h.edf"
# The reference's system time (fresh pages for its large arrays) changes a lot from run to run,
# and the machine's speed drifts, so the reference and `twitchwatch detect` run alternately,
# several times each, and the comparison is of their medians.
echo "== SciPy reference (two-minute slice) and twitchwatch detect (the whole hour), alternating, ${SCIPY_RUNS:=5} runs each"
scipy_log="$tmp/twitchwatch-bench-scipy.jsonl"
detect_log="$tmp/twitchwatch-bench-detect.jsonl"
: > "$scipy_log"
: > "$detect_log"
for run in $(seq "$SCIPY_RUNS"); do
    taskset -c 0 "$python" "$root/bench/signal/scipy_reference.py" "$file" 120 | tee -a "$scipy_log"
    /usr/bin/time -o "$tmp/twitchwatch-bench-detect.time" \
        -f '{"tool": "twitchwatch", "user_s": %U, "system_s": %S, "max_rss_kib": %M}' \
        taskset -c 0 "$build/src/cli/twitchwatch" detect "$file" --json \
        > "$tmp/twitchwatch-bench-detect.json"
    tee -a "$detect_log" < "$tmp/twitchwatch-bench-detect.time"
done
"$python" "$root/bench/signal/compare_runs.py" "$scipy_log" "$detect_log" "$file"

echo "== F1 per SNR and condition"
"$build/bench/signal/bench_detect_f1"
