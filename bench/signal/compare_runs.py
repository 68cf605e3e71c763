"""Compares the SciPy reference with `twitchwatch detect`, for bench/signal/run.sh.

Reads the JSON lines of the reference's runs (samples_per_cpu_s each) and of twitchwatch's runs
(user_s and system_s of /usr/bin/time on the whole recording), and prints each one's median
samples per CPU second and the ratio of the medians; then the same by user time alone. The
reference's system time is mostly the kernel giving its large arrays fresh pages, which varies
from run to run and from machine to machine by up to several times; ours is mostly the kernel's
copy of the file. The user-time ratio leaves both out and moves far less between machines.

Usage: compare_runs.py SCIPY.jsonl DETECT.jsonl FILE.edf"""
import json
import statistics
import sys

import mne

scipy_runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
detect_runs = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
mne.set_log_level("ERROR")
raw = mne.io.read_raw_edf(sys.argv[3], preload=False)
samples = int(len(raw.ch_names) * raw.n_times)

scipy_rates = sorted(run["samples_per_cpu_s"] for run in scipy_runs)
detect_rates = sorted(samples / (run["user_s"] + run["system_s"]) for run in detect_runs)
scipy_median = statistics.median(scipy_rates)
detect_median = statistics.median(detect_rates)
# The slice's sample count, as the reference's own rate and CPU time give it back.
scipy_user_median = statistics.median(
    run["samples_per_cpu_s"] * run["cpu_s"] / run["user_s"] for run in scipy_runs)
detect_user_median = statistics.median(samples / run["user_s"] for run in detect_runs)
print(json.dumps({
    "samples": samples,
    "scipy_samples_per_cpu_s": [round(r / 1e6, 1) for r in scipy_rates],
    "twitchwatch_samples_per_cpu_s": [round(r / 1e6, 1) for r in detect_rates],
    "twitchwatch_max_rss_kib": max(run["max_rss_kib"] for run in detect_runs),
    "median_scipy_M": round(scipy_median / 1e6, 1),
    "median_twitchwatch_M": round(detect_median / 1e6, 1),
    "ratio_of_medians": round(detect_median / scipy_median, 1),
    "median_scipy_user_M": round(scipy_user_median / 1e6, 1),
    "median_twitchwatch_user_M": round(detect_user_median / 1e6, 1),
    "ratio_of_medians_user_time": round(detect_user_median / scipy_user_median, 1),
}))
