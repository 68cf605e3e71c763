#!/usr/bin/env python3
"""Oracle test: the physical values twitchwatch reads equal those MNE reads from the same files.

Usage: compare_with_mne.py EXAMPLE_READ_EDF [FILE.edf|FILE.bdf ...]

Without files it writes its own (plain EDF, EDF with inverted polarity and a record count of -1,
EDF+C with annotations, BDF) with numpy, independently of twitchwatch's writer. Each file is read by
twitchwatch (through the example_read_edf dump tool) and by MNE (python3-mne), and every sample
must agree within half a digital step; EDF+ annotations must agree too. Exits 1 on a mismatch.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import mne

mne.set_log_level("ERROR")


def field(text, width):
    return text.encode("ascii")[:width].ljust(width, b" ")


def write_edf(path, signals, record_count_field=None, bdf=False, reserved="",
              records=6, annotations=None, record_duration=1):
    """signals: list of dicts label, pmin, pmax, dmin, dmax, spr, digital (n_records*spr ints).
    annotations (EDF+ only): list of (onset, text) placed in the record of their onset."""
    plus = annotations is not None
    all_signals = list(signals)
    if plus:
        all_signals.append(dict(label=("BDF" if bdf else "EDF") + " Annotations", pmin=-1, pmax=1,
                                dmin=-32768, dmax=32767, spr=30 if not bdf else 20, unit=""))
    n = len(all_signals)
    head = (b"\xffBIOSEMI" if bdf else field("0", 8)) + field("X X X X", 80)
    head += field("Startdate 20-NOV-2026 X X X" if plus else "twitchwatch oracle", 80)
    head += field("20.11.26", 8) + field("09.30.00", 8) + field(str(256 * (n + 1)), 8)
    head += field(reserved, 44)
    head += field(str(records) if record_count_field is None else record_count_field, 8)
    head += field("%g" % record_duration, 8) + field(str(n), 4)
    for key, width in (("label", 16), ("transducer", 80), ("unit", 8), ("pmin", 8),
                       ("pmax", 8), ("dmin", 8), ("dmax", 8), ("prefilter", 80), ("spr", 8),
                       ("reserved", 32)):
        for s in all_signals:
            default = {"transducer": "", "unit": "uV", "prefilter": "", "reserved": ""}
            head += field(str(s.get(key, default.get(key, ""))), width)
    size = 3 if bdf else 2
    body = bytearray()
    for r in range(records):
        for s in all_signals:
            if "digital" in s:
                chunk = np.asarray(s["digital"][r * s["spr"]:(r + 1) * s["spr"]], dtype=np.int32)
                raw = chunk.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :size]
                body += raw.tobytes()
            else:  # annotation signal: time-keeping TAL, then this record's annotation if any
                tal = "+%g\x14\x14\x00" % (r * record_duration)
                for onset, text in annotations:
                    if int(onset / record_duration) == r:
                        tal += "+%g\x14%s\x14\x00" % (onset, text)
                body += tal.encode("utf-8").ljust(s["spr"] * size, b"\x00")
    with open(path, "wb") as out:
        out.write(head + bytes(body))


def make_files(directory):
    rng = np.random.default_rng(5)
    records, spr = 6, 256

    def signal(label, pmin, pmax, dmin, dmax):
        digital = rng.integers(dmin, dmax + 1, records * spr)
        return dict(label=label, pmin=pmin, pmax=pmax, dmin=dmin, dmax=dmax, spr=spr,
                    digital=digital)

    files = []
    path = os.path.join(directory, "plain.edf")
    write_edf(path, [signal("EMG1", -3200, 3200, -32768, 32767),
                     signal("EMG2", -500.5, 1500.25, -2048, 2047)])
    files.append(path)
    path = os.path.join(directory, "inverted_minus_one.edf")
    write_edf(path, [signal("EMG inv", 1000, -1000, -32768, 32767)], record_count_field="-1")
    files.append(path)
    path = os.path.join(directory, "annotated.edf")
    write_edf(path, [signal("EMG1", -1000, 1000, -32768, 32767)], reserved="EDF+C",
              annotations=[(1.25, "twitch"), (3.5, "massage")])
    files.append(path)
    path = os.path.join(directory, "plain.bdf")
    write_edf(path, [signal("EMG1", -262144, 262143, -8388608, 8388607),
                     signal("EMG2", 400, -400, -100000, 100000)], bdf=True, reserved="24BIT")
    files.append(path)
    return files


def read_twitchwatch(tool, path):
    out = subprocess.run([tool, path, "0"], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    header = json.loads(lines[0][2:])
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    return header, rows[:, 1:].T  # channels x samples


def compare(tool, path):
    header, ours = read_twitchwatch(tool, path)
    reader = mne.io.read_raw_bdf if path.lower().endswith(".bdf") else mne.io.read_raw_edf
    raw = reader(path, preload=True)
    theirs = raw.get_data()
    problems = []
    if theirs.shape != ours.shape:
        return ["%s: shape %s from twitchwatch, %s from MNE" % (path, ours.shape, theirs.shape)]
    for index, channel in enumerate(header["channels"]):
        # MNE converts to SI units: microvolts come back as volts.
        scale = {"uV": 1e6, "mV": 1e3}.get(channel["unit"], 1.0)
        step = abs(channel["physical_max"] - channel["physical_min"]) / (
            channel["digital_max"] - channel["digital_min"])
        difference = np.max(np.abs(ours[index] - theirs[index] * scale))
        if not difference <= step / 2:
            problems.append("%s channel %s: differs from MNE by %g (half a step is %g)"
                            % (path, channel["label"], difference, step / 2))
    mne_annotations = [(round(a["onset"], 4), a["description"]) for a in raw.annotations]
    our_annotations = [(round(a["onset_s"], 4), a["text"]) for a in header["annotations"]]
    if mne_annotations != our_annotations:
        problems.append("%s: annotations %s from twitchwatch, %s from MNE"
                        % (path, our_annotations, mne_annotations))
    return problems


def main():
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory() as directory:
        files = sys.argv[2:] or make_files(directory)
        problems = []
        for path in files:
            problems += compare(tool, path)
            print("compared", os.path.basename(path))
    for problem in problems:
        print("MISMATCH", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
