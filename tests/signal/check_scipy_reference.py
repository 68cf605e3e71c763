#!/usr/bin/python3
"""Checks that the SciPy speed reference (bench/signal/scipy_reference.py) does the detector's
job: on simulated recordings, its twitch count and excluded time agree with `twitchwatch detect`
and with the simulator's truth. A reference that skipped steps (as it did until stop 11: no
gates, no running floor, thousands of "events") would make the speed ratio meaningless.

Usage: check_scipy_reference.py TWITCHWATCH   exits 1 when the two disagree."""
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "bench" / "signal" / "scipy_reference.py"
# Tolerances: the reference uses zero-phase filters and find_peaks instead of the detector's
# causal filters and crossing scan, so events differ in detail, not in number.
COUNT_TOLERANCE = 0.15
EXCLUDED_TOLERANCE_S = 3.0

# (name, simulate options): quiet with mains; with contractions and artefacts.
CASES = [
    ("mains 50 Hz", ["--mains", "50", "--seed", "3"]),
    ("bursts and artefacts", ["--bursts", "2", "--artefacts", "1", "--mains", "60",
                              "--seed", "4"]),
]


def main():
    twitchwatch = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in CASES:
            edf = pathlib.Path(tmp) / "case.edf"
            subprocess.run([twitchwatch, "simulate", str(edf), "--duration", "90",
                            "--channels", "12", *options], check=True, capture_output=True)
            ours = json.loads(subprocess.run([twitchwatch, "detect", str(edf), "--json"],
                                             check=True, capture_output=True, text=True).stdout)
            reference = json.loads(subprocess.run(
                [sys.executable, str(REFERENCE), str(edf), "90"], check=True,
                capture_output=True, text=True).stdout)
            truth = sum(1 for line in open(f"{edf}.truth.csv") if line.startswith("twitch,"))
            ours_count = len(ours["events"])
            count_ok = abs(reference["events"] - ours_count) <= COUNT_TOLERANCE * ours_count
            excluded_ok = abs(reference["excluded_s"] - ours["excluded_s"]) <= EXCLUDED_TOLERANCE_S
            print(f"{name}: twitches twitchwatch {ours_count}, reference {reference['events']}, "
                  f"truth {truth} (in the whole file); excluded s twitchwatch "
                  f"{ours['excluded_s']}, reference {reference['excluded_s']}")
            if not (count_ok and excluded_ok) or ours_count == 0:
                print(f"FAIL {name}: the reference disagrees with twitchwatch detect")
                failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
