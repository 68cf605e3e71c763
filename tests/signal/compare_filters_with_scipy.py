"""Oracle for the twitchwatch filters: SciPy designs the same Butterworth filter and runs sosfilt
with our coefficients. Usage: compare_filters_with_scipy.py IN.json OUT.json (written by
tests/signal/test_internal_filters.cpp). Exits 0 and writes the reference; the C++ test compares."""
import json
import sys

import numpy as np
from scipy import signal

with open(sys.argv[1]) as f:
    case = json.load(f)
fs = case["fs"]
ours = np.array([[b0, b1, b2, 1.0, a1, a2] for b0, b1, b2, a1, a2 in case["sections"]])
out = {}
design = case["design"]
if design["type"] in ("lowpass", "highpass"):
    reference = signal.butter(design["order"], design["cutoff"], btype=design["type"], fs=fs,
                              output="sos")
    freqs = np.linspace(0.5, fs / 2 - 0.5, 2000)
    _, h_ours = signal.sosfreqz(ours, worN=freqs, fs=fs)
    _, h_ref = signal.sosfreqz(reference, worN=freqs, fs=fs)
    out["design_max_response_difference"] = float(np.max(np.abs(np.abs(h_ours) - np.abs(h_ref))))
elif design["type"] == "notch":
    _, h = signal.sosfreqz(ours, worN=[design["cutoff"]], fs=fs)
    if abs(h[0]) > 1e-6:
        print(f"notch does not remove {design['cutoff']} Hz: |H| = {abs(h[0])}")
        sys.exit(1)
x = np.array(case["signal"], dtype=np.float64)
out["filtered"] = [signal.sosfilt(ours, channel).tolist() for channel in x]
with open(sys.argv[2], "w") as f:
    json.dump(out, f)
