"""The detect pipeline written with SciPy, as the speed reference for bench/signal/run.sh.

Same steps as twitchwatch's detector (docs/detection.md), in the way one writes them in Python:
zero-phase band-pass 20-450 Hz (sosfiltfilt), mains notches at 50/150/250 Hz (sosfiltfilt),
squared signal smoothed by a one-pole low-pass (lfilter), a robust noise sigma per 0.25 s segment
(1.4826 x median |x|), then find_peaks on the envelope of each channel with the threshold and a
20 ms refractory distance (as `refractory_s`). It leaves out the mains search, the artefact band,
the voluntary gate and the merging across channels, so it does less work than twitchwatch. Reads
a two-minute slice of the EDF file with MNE (not timed: the reading floor is measured
separately); its memory grows with the slice length.

Usage: scipy_reference.py FILE.edf [SECONDS]   prints one JSON line."""
import json
import resource
import sys
import time

import mne
import numpy as np
from scipy import signal

path = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
mne.set_log_level("ERROR")
raw = mne.io.read_raw_edf(path, preload=False)
fs = raw.info["sfreq"]
data = raw.get_data(start=0, stop=int(seconds * fs)) * 1e6  # volts -> microvolts
channels, frames = data.shape

start = time.perf_counter()
start_cpu = time.process_time()
start_usage = resource.getrusage(resource.RUSAGE_SELF)
band = np.vstack([signal.butter(2, 20, "highpass", fs=fs, output="sos"),
                  signal.butter(2, 450, "lowpass", fs=fs, output="sos")])
notches = np.vstack([signal.tf2sos(*signal.iirnotch(f, f / 2.0, fs=fs)) for f in (50, 150, 250)])
filtered = signal.sosfiltfilt(np.vstack([band, notches]), data, axis=1)
alpha = 1 - np.exp(-1 / (0.005 * fs))  # envelope_time_constant_s
envelope = signal.lfilter([alpha], [1, alpha - 1], filtered ** 2, axis=1)
segment = int(0.25 * fs)
usable = frames // segment * segment
sigma = 1.4826 * np.median(np.abs(filtered[:, :usable]).reshape(channels, -1, segment), axis=2)
floor = np.quantile(sigma, 0.2, axis=1)
events = 0
for c in range(channels):
    peaks, _ = signal.find_peaks(envelope[c], height=(3.0 * floor[c]) ** 2,
                                 distance=max(1, int(0.020 * fs)))
    events += len(peaks)
elapsed = time.perf_counter() - start
cpu = time.process_time() - start_cpu
usage = resource.getrusage(resource.RUSAGE_SELF)
# CPU time is user + system. The system part is mostly the kernel providing fresh pages for the
# large arrays; it varies from run to run with the state of the machine's memory (transparent
# huge pages), so it is printed apart.
print(json.dumps({"tool": "scipy", "channels": channels, "seconds": frames / fs,
                  "elapsed_s": elapsed, "cpu_s": cpu,
                  "user_s": usage.ru_utime - start_usage.ru_utime,
                  "system_s": usage.ru_stime - start_usage.ru_stime,
                  "samples_per_s": channels * frames / elapsed,
                  "samples_per_cpu_s": channels * frames / cpu, "events": events}))
