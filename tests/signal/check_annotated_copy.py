#!/usr/bin/env python3
"""`detect --annotate` read back by MNE: the copy is as long as the input, has what it had, and is
valid EDF+ (docs/signal-formats.md, "The annotated copy").

Usage: check_annotated_copy.py TWITCHWATCH

Each case writes an input with numpy (independently of twitchwatch's writer), runs
`twitchwatch detect IN --annotate COPY --json`, and checks with MNE: the copy's number of samples,
its last samples, its annotations, the warnings, and that `detect COPY` finds the events `detect IN`
found. Exits 1 on a mismatch.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import mne

from compare_with_mne import write_edf

mne.set_log_level("ERROR")

# 40th byte inside the 'ü' of "prüfen": EDFlib cut there, and MNE refused the copy.
GERMAN = "Elektrode am Unterarm gelöst, Kabel prüfen"


def emg(rate, count, seed=1):
    """5 uV of noise over a 300 uV electrode offset, and three biphasic twitches of 60 uV."""
    x = np.random.default_rng(seed).normal(0, 5, count) + 300
    t = np.arange(count) / rate
    for onset in (2.0, 5.3, 8.7):
        u = (t - onset) / 0.003
        near = np.abs(u) < 6
        x[near] += 60 * u[near] * np.exp(-u[near] ** 2) / 0.4289
    return x


def write_csv(path, rate, x):
    with open(path, "w") as out:
        out.write("time_s,emg_uV\n")
        out.writelines("%.6f,%.3f\n" % (i / rate, v) for i, v in enumerate(x))


def write_emg_edf(path, rate, x, record_duration, annotations=None):
    spr = int(round(rate * record_duration))
    records = len(x) // spr
    digital = np.round(np.clip(x, -1000, 1000) / 1000 * 32767).astype(int)
    write_edf(path, [dict(label="EMG1", pmin=-1000, pmax=1000, dmin=-32767, dmax=32767, spr=spr,
                          digital=digital)],
              reserved="EDF+C" if annotations is not None else "", records=records,
              annotations=annotations, record_duration=record_duration)


# name, writer(path), sample rate, samples in the input, the copy's samples, a warning the copy must give (or
# None: no warning about the copy at all), the annotation texts the copy must hold.
CASES = [
    # A CSV of 12.3 s at 1 kHz: was padded to 13 s of 1 s records with 0, a step found as a twitch.
    ("csv_12.3s.csv", lambda p: write_csv(p, 1000, emg(1000, 12300)), 1000, 12300, 12300, None, []),
    # EDF with 0.1 s records, 19.9 s: came back 20.0 s.
    ("edf_0.1s_records.edf", lambda p: write_emg_edf(p, 1000, emg(1000, 19900), 0.1),
     1000, 19900, 19900, None, []),
    # 2048 Hz and 25190 rows: no record EDF+ can hold divides them (a multiple of 64 samples is
    # needed for a whole 10 us): padded, repeating the last sample, and said.
    ("csv_2048hz.csv", lambda p: write_csv(p, 2048, emg(2048, 25190)), 2048, 25190, 25216,
     "the copy is padded to whole records", []),
    # An annotation longer than EDFlib's 40 bytes, cut inside a two-byte character by EDFlib.
    ("german.edf", lambda p: write_emg_edf(p, 1000, emg(1000, 10000), 1, [(2.5, GERMAN)]),
     1000, 10000, 10000, "1 annotation text(s) longer than the 40 bytes",
     [GERMAN.encode("utf-8")[:40].decode("utf-8", errors="ignore")]),
]


def detect(tool, path, *extra):
    run = subprocess.run([tool, "detect", path, "--json", *extra], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (path, run.returncode, run.stderr))
    return json.loads(run.stdout)


def check(tool, directory, name, write, rate, count, copy_count, warning, texts):
    problems = []
    path = os.path.join(directory, name)
    write(path)
    copy = path + ".copy.edf"
    report = detect(tool, path, "--annotate", copy)
    about_copy = [w for w in report["warnings"] if w.startswith("--annotate ")]
    if warning is None and about_copy:
        problems.append("%s: unexpected warnings %s" % (name, about_copy))
    if warning is not None and not (len(about_copy) == 1 and warning in about_copy[0]):
        problems.append("%s: warnings %s, expected one with '%s'" % (name, about_copy, warning))
    raw = mne.io.read_raw_edf(copy, preload=True)
    samples = raw.get_data()[0] * 1e6
    # EDFlib printed a record of 1.025 s as "1.024999": 1000.001 Hz.
    if abs(raw.info["sfreq"] - rate) > 1e-9:
        problems.append("%s: %.9g Hz in the copy, expected %g" % (name, raw.info["sfreq"], rate))
    if raw.n_times != copy_count:
        problems.append("%s: %d samples in the copy, expected %d" % (name, raw.n_times, copy_count))
    # Padding repeats the last sample (0.1 uV: a few digital steps of these ranges).
    if np.max(np.abs(samples[count - 1:] - samples[count - 1])) > 0.1:
        problems.append("%s: the copy's padding is not its last sample: %s"
                        % (name, samples[count - 2:count + 3]))
    descriptions = list(raw.annotations.description)
    for text in texts:
        if text not in descriptions:
            problems.append("%s: '%s' not among the copy's annotations %s"
                            % (name, text, descriptions))
    again = detect(tool, copy)
    onsets = [round(e["onset_s"], 3) for e in report["events"]]
    onsets_again = [round(e["onset_s"], 3) for e in again["events"]]
    if len(onsets) < 3 or onsets != onsets_again:
        problems.append("%s: events at %s in the input, %s in the copy"
                        % (name, onsets, onsets_again))
    return problems


def main():
    tool = sys.argv[1]
    problems = []
    with tempfile.TemporaryDirectory() as directory:
        for case in CASES:
            found = check(tool, directory, *case)
            print("checked", case[0], "ok" if not found else "MISMATCH")
            problems += found
    for problem in problems:
        print("MISMATCH", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
