#!/usr/bin/python3
"""Independent check of `twitchwatch detect --json` on recordings of a different generator.

Usage:
  check_independent.py TWITCHWATCH [--set quick|full] [--workdir DIR] [--markdown]
  check_independent.py TWITCHWATCH --file REC.edf        (score one generated file)

Generates recordings with independent_generator.py (not twitchwatch's simulator), runs
`TWITCHWATCH detect FILE --json` on each and scores the events against the truth:

- a hit is a detected event whose onset_s lies within +-20 ms of a true onset (the potential first
  reaching 10 % of its peak), matched one to one, nearest first, per FILE and not per channel: the
  detector reports a twitch seen on several electrodes once, on the channel where it stands highest
  above that channel's noise, which with unequal noise and gains is not always the channel where
  the generator placed its largest peak; an outside scorer that only knows times must not be
  stricter than that. Channel agreement is printed as its own column.
- true twitches inside the detector's own exclusions are left out of sensitivity (the detector
  says it did not analyse that time) but the excluded time is reported and gated;
- a detected event inside a true voluntary burst (+-50 ms) is a counted twitch where there is
  none: gated to zero; inside an artefact too, unless it matches a real potential that the
  generator placed there (on a channel the artefact may not touch).

Also checks the JSON schema of issue 5 and that peak / noise_rms are in the file's unit.
Exits 1 when a gated condition misses its aim.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import independent_generator as gen  # noqa: E402

TOLERANCE_S = 0.020
F1_AIM = 0.90


@dataclass
class Condition:
    name: str
    params: gen.Params
    gated: bool = True  # F1 aim applies (at SNR >= 5)


def conditions(which, seed_offset=0):
    """The conditions of a set; the quick set is what ctest runs. seed_offset is added to every
    condition's seed (other recordings of the same conditions)."""
    rows = conditions_of_seed_zero(which)
    for row in rows:
        row.params = replace(row.params, seed=row.params.seed + seed_offset)
    return rows


def conditions_of_seed_zero(which):
    base = gen.Params(duration_s=90, channels=8, fs=2048, rate_per_min=40, seed=11)
    if which == "quick":
        return [
            Condition("coloured noise, 2048 Hz, uV, EDF", replace(base, snr=5)),
            Condition("1000 Hz, mV, BDF, mains 49.9 Hz", replace(
                base, fs=1000, unit="mV", fmt="bdf", mains_hz=49.9, snr=6, seed=12)),
            Condition("512 Hz, mains 60.1 Hz, drift", replace(
                base, fs=512, mains_hz=60.1, drift_uv=200, snr=8, seed=13)),
            Condition("bursts + artefacts, 4096 Hz, V", replace(
                base, fs=4096, unit="V", bursts_per_min=2, artefacts_per_min=2, snr=8, seed=14)),
            # Long polyphasic potentials were counted two or three times by the former defaults.
            Condition("polyphasic 15-30 ms, 2048 Hz", replace(
                base, shapes="poly", min_duration_ms=15, snr=8, seed=15)),
            # Electrodes on the trunk pick up the heart: 50 false twitches a minute before.
            Condition("ECG 40 uV, 2048 Hz", replace(base, ecg_uv=40, snr=8, seed=16)),
            # An irregular heart forms no steady beat: every beat was counted (F1 0.3) before.
            Condition("ECG 100 uV, atrial fibrillation", replace(
                base, ecg_uv=100, heart_rhythm="af", snr=8, seed=17)),
        ]
    rows = []
    base = replace(base, duration_s=240)
    variants = [
        ("coloured noise, 2048 Hz", {}),
        ("biphasic only", dict(shapes="bi")),
        ("polyphasic only", dict(shapes="poly")),
        ("512 Hz", dict(fs=512)),
        ("1000 Hz", dict(fs=1000)),
        ("1024 Hz, BDF", dict(fs=1024, fmt="bdf")),
        ("4096 Hz, V", dict(fs=4096, unit="V")),
        ("mV, 16 channels", dict(unit="mV", channels=16)),
        ("mains 49.9 Hz", dict(mains_hz=49.9)),
        ("mains 60.1 Hz, 1000 Hz", dict(mains_hz=60.1, fs=1000)),
        ("drift 300 uV", dict(drift_uv=300)),
        ("unit sizes 1-3 x SNR", dict(snr_spread=3.0)),
        ("pink 80 %", dict(pink_fraction=0.8)),
        ("bursts 2/min", dict(bursts_per_min=2)),
        ("artefacts 2/min", dict(artefacts_per_min=2)),
        ("everything, 1000 Hz, mV, BDF", dict(fs=1000, unit="mV", fmt="bdf", mains_hz=50.1,
                                              drift_uv=200, bursts_per_min=1,
                                              artefacts_per_min=1)),
        ("ECG 40 uV", dict(ecg_uv=40)),
        ("ECG 100 uV, 1000 Hz, 55 beats/min", dict(ecg_uv=100, fs=1000, heart_rate=55)),
        # Few twitches: what noise alone adds to the rate shows (a muscle returning to rest).
        ("512 Hz, 5/min", dict(fs=512, rate_per_min=5)),
    ]
    for i, (name, change) in enumerate(variants):
        for snr in (3, 5, 8, 20):
            rows.append(Condition(f"{name}", replace(base, snr=snr, seed=100 + i, **change),
                                  gated=snr >= 5))
    # Irregular hearts, found by their beats' sameness. An ectopic beat's complex is wide and
    # uneven: parts of it still count where it is large (docs/detection.md), so those are not
    # gated.
    irregular = [
        ("ECG 100 uV, atrial fibrillation", dict(ecg_uv=100, heart_rhythm="af"), True),
        ("ECG 100 uV, ectopic every 5th beat", dict(ecg_uv=100, heart_rhythm="ectopic"), False),
        ("ECG 50 uV, bigeminy", dict(ecg_uv=50, heart_rhythm="bigeminy"), False),
    ]
    for i, (name, change, gated) in enumerate(irregular, start=len(variants)):
        for snr in (5, 8, 20):
            rows.append(Condition(name, replace(base, snr=snr, seed=100 + i, **change),
                                  gated=gated and snr >= 5))
    return rows


def read_truth(path):
    """(twitches to count, twitches inside bursts/artefacts, stretches, noise RMS per label)."""
    twitches, hidden, stretches, noise = [], [], [], {}
    with open(path) as f:
        next(f)
        for line in f:
            kind, onset, peak_s, end, channel, label, peak, unit, shape, doublet, in_stretch = \
                line.rstrip("\n").split(",")
            if kind == "twitch":
                (hidden if in_stretch else twitches).append(dict(
                    onset_s=float(onset), peak_s=float(peak_s), label=label, peak=float(peak),
                    shape=shape, in_stretch=in_stretch))
            elif kind == "noise":
                noise[label] = float(peak)
            else:
                stretches.append((kind, float(onset), float(end)))
    return twitches, hidden, stretches, noise


def match(true_onsets, found_onsets, tolerance):
    """Greedy one-to-one matching, closest pairs first. Returns matched (truth, found) index pairs."""
    pairs = sorted((abs(t - f), i, j) for i, t in enumerate(true_onsets)
                   for j, f in enumerate(found_onsets) if abs(t - f) <= tolerance)
    used_t, used_f, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            out.append((i, j))
    return out


def check_schema(report, unit):
    """Problems with the issue's --json schema, as a list of strings."""
    problems = []
    for key, kind in [("file", str), ("duration_s", (int, float)), ("analysed_s", (int, float)),
                      ("excluded_s", (int, float)), ("rate_per_min", (int, float)),
                      ("channels", list), ("events", list)]:
        if not isinstance(report.get(key), kind):
            problems.append(f"top-level '{key}' missing or not {kind}")
    for ch in report.get("channels", []):
        for key in ("label", "kind", "sample_rate_hz", "events", "rate_per_min", "noise_rms"):
            if key not in ch:
                problems.append(f"channels[].{key} missing")
        if ch.get("unit") != unit:
            problems.append(f"channel {ch.get('label')} unit {ch.get('unit')!r}, file says {unit!r}")
    for ev in report.get("events", []):
        for key in ("onset_s", "duration_s", "channel", "peak"):
            if key not in ev:
                problems.append(f"events[].{key} missing")
        break
    return problems


@dataclass
class Score:
    truth: int = 0
    hits: int = 0
    found: int = 0
    same_channel: int = 0
    inside: int = 0  # detections inside true bursts/artefacts
    excluded_s: float = 0.0
    true_excluded_s: float = 0.0
    heartbeat_s: float = 0.0  # not analysed around heartbeats (not in excluded_s here)
    duration_s: float = 0.0
    late: int = 0  # misses with a detection 20-40 ms after the true onset (onset definition)

    def sensitivity(self):
        return self.hits / self.truth if self.truth else 1.0

    def precision(self):
        return self.hits / self.found if self.found else 1.0

    def f1(self):
        s, p = self.sensitivity(), self.precision()
        return 2 * s * p / (s + p) if s + p else 0.0


def score_file(twitchwatch, path, unit, settings=(), truth_time="onset_s"):
    twitches, hidden, stretches, noise = read_truth(path + ".truth.csv")
    command = [twitchwatch, "detect", path, "--json"]
    for setting in settings:
        command += ["--set", setting]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"detect failed on {path}: {run.stderr.strip()}")
    report = json.loads(run.stdout)
    problems = check_schema(report, unit)
    # Units: the detector's noise floor is of the band-passed signal (a little below the
    # broadband RMS, which includes the 1/f part below 20 Hz), in the file's unit.
    for ch in report["channels"]:
        true_rms = noise[ch["label"]]
        if not 0.4 * true_rms <= ch["noise_rms"] <= 1.3 * true_rms:
            problems.append(f"{ch['label']}: noise_rms {ch['noise_rms']:.4g} {unit}, "
                            f"generated {true_rms:.4g} {unit}")
    exclusions = [(x["start_s"], x["end_s"]) for x in report.get("exclusions", [])]
    # Around each heartbeat the detector does not analyse (the QRS complex hides what is there).
    for h in report.get("heartbeat", []):
        before, after = h["window_s"]
        exclusions += [(b - before, b + after) for b in h["beats_s"]]
    exclusions.sort()
    in_exclusion = lambda t: any(s - TOLERANCE_S <= t <= e + TOLERANCE_S for s, e in exclusions)
    truth = [tw for tw in twitches if not in_exclusion(tw["onset_s"])]
    left_out = [tw for tw in twitches if in_exclusion(tw["onset_s"])]
    events = report["events"]
    # A detection inside a voluntary burst always counts against the detector; inside an
    # artefact only when it is not a real potential (an artefact on some channels does not stop
    # a twitch on a clean one from being seen, and the detector may end an exclusion while a
    # pop is still decaying slowly elsewhere).
    real = lambda ev: any(abs(ev["onset_s"] - tw["onset_s"]) <= TOLERANCE_S
                          for tw in hidden if tw["in_stretch"] == "artefact")
    inside = [ev for ev in events
              if any(s - 0.05 <= ev["onset_s"] <= e + 0.05 and (kind == "voluntary" or not real(ev))
                     for kind, s, e in stretches)]
    pairs = match([t[truth_time] for t in truth], [e["onset_s"] for e in events], TOLERANCE_S)
    # A detection of a twitch left out above (within TOLERANCE_S of an exclusion or a heartbeat's
    # window, where it is not asked for) is neither a hit nor a false twitch: it was really there.
    unmatched = sorted(set(range(len(events))) - {j for _, j in pairs})
    excused = match([t[truth_time] for t in left_out],
                    [events[j]["onset_s"] for j in unmatched], TOLERANCE_S)
    heartbeat_s = sum(h["excluded_s"] for h in report.get("heartbeat", []))
    sc = Score(truth=len(truth), hits=len(pairs), found=len(events) - len(excused),
               inside=len(inside),
               excluded_s=report["excluded_s"] - heartbeat_s, duration_s=report["duration_s"],
               true_excluded_s=sum(e - s for _, s, e in stretches), heartbeat_s=heartbeat_s)
    sc.same_channel = sum(truth[i]["label"] == events[j]["channel"] for i, j in pairs)
    # Peaks in the file's unit: the matched events' peaks within a factor of the generated ones
    # (band-pass lowers long potentials' peaks; an mV/uV mix-up is a factor of 1000).
    ratios = sorted(events[j]["peak"] / truth[i]["peak"] for i, j in pairs
                    if truth[i]["label"] == events[j]["channel"])
    if ratios and not 0.3 <= ratios[len(ratios) // 2] <= 2.0:
        problems.append(f"median peak ratio detected/generated {ratios[len(ratios) // 2]:.3g}")
    matched_truth = {i for i, _ in pairs}
    matched_found = {j for _, j in pairs}
    sc.late = sum(1 for i, t in enumerate(truth) if i not in matched_truth and any(
        TOLERANCE_S < e["onset_s"] - t[truth_time] <= 0.040
        for j, e in enumerate(events) if j not in matched_found))
    return sc, problems, report


def check_unit_twin(twitchwatch, p, workdir, settings):
    """The same recording written in uV and in p.unit must give the same events, and noise and
    peaks that differ exactly by the unit's factor (up to the 16/24-bit quantisation)."""
    reports = {}
    for unit in ("uV", p.unit):
        path = os.path.join(workdir, f"twin_{unit}.{p.fmt}")
        gen.write_recording(path, replace(p, unit=unit))
        reports[unit] = score_file(twitchwatch, path, unit, settings)[2]
    factor = gen.UNIT_SCALE[p.unit]
    a, b = reports["uV"], reports[p.unit]
    problems = []
    if len(a["events"]) != len(b["events"]):
        problems.append(f"{len(a['events'])} events in uV, {len(b['events'])} in {p.unit}")
    for ca, cb in zip(a["channels"], b["channels"]):
        if abs(cb["noise_rms"] - ca["noise_rms"] * factor) > 0.01 * ca["noise_rms"] * factor:
            problems.append(f"{ca['label']}: noise_rms {ca['noise_rms']:.4g} uV but "
                            f"{cb['noise_rms']:.4g} {p.unit}")
    for ea, eb in zip(a["events"], b["events"]):
        if abs(eb["peak"] - ea["peak"] * factor) > 0.01 * ea["peak"] * factor:
            problems.append(f"event at {ea['onset_s']:.3f} s: peak {ea['peak']:.4g} uV but "
                            f"{eb['peak']:.4g} {p.unit}")
            break
    return [f"unit twin uV/{p.unit}: {problem}" for problem in problems]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("twitchwatch")
    parser.add_argument("--set", default="quick", choices=["quick", "full"])
    parser.add_argument("--workdir")
    parser.add_argument("--seed", type=int, default=0,
                        help="added to every condition's seed: other recordings of the same set")
    parser.add_argument("--file")
    parser.add_argument("--unit", default="uV")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="passed to detect as --set NAME=VALUE (to try option values)")
    parser.add_argument("--truth-time", default="onset_s", choices=["onset_s", "peak_s"],
                        help="true time a detection is matched to: the potential's onset (10 %% "
                             "of its peak, default) or its peak")
    args = parser.parse_args(argv)
    if args.file:
        sc, problems, _ = score_file(args.twitchwatch, args.file, args.unit, args.option, args.truth_time)
        print(f"sens {sc.sensitivity():.3f} prec {sc.precision():.3f} F1 {sc.f1():.3f} "
              f"inside {sc.inside} late {sc.late} excluded {sc.excluded_s:.1f} s", problems)
        return 0
    workdir = args.workdir or tempfile.mkdtemp(prefix="tw-independent-")
    os.makedirs(workdir, exist_ok=True)
    failures = []
    print("| condition | SNR | Hz | unit | fmt | true | sensitivity | precision | F1 | same channel "
          "| in bursts/artefacts | excluded s (true) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k, cond in enumerate(conditions(args.set, args.seed)):
        p = cond.params
        path = os.path.join(workdir, f"rec{k:02d}.{p.fmt}")
        gen.write_recording(path, p)
        sc, problems, _ = score_file(args.twitchwatch, path, p.unit, args.option, args.truth_time)
        print(f"| {cond.name} | {p.snr:g} | {p.fs} | {p.unit} | {p.fmt.upper()} | {sc.truth} "
              f"| {sc.sensitivity():.3f} | {sc.precision():.3f} | {sc.f1():.3f} "
              f"| {sc.same_channel / max(sc.hits, 1):.2f} | {sc.inside} "
              f"| {sc.excluded_s:.1f} ({sc.true_excluded_s:.1f}) |", flush=True)
        label = f"{cond.name} SNR {p.snr:g}"
        failures += [f"{label}: {problem}" for problem in problems]
        if cond.gated and p.snr >= 5 and sc.f1() < F1_AIM:
            failures.append(f"{label}: F1 {sc.f1():.3f} below {F1_AIM}")
        if sc.inside:
            failures.append(f"{label}: {sc.inside} twitches counted inside bursts/artefacts")
        # Time around heartbeats: only where the generator put a heart, at most its QRS windows.
        heart_allowance = 0.17 * p.heart_rate * p.duration_s / 60 if p.ecg_uv > 0 else 0.0
        if sc.heartbeat_s > heart_allowance:
            failures.append(f"{label}: {sc.heartbeat_s:.1f} s not analysed around heartbeats, "
                            f"expected at most {heart_allowance:.1f} s")
        # Excluded time: the true stretches, the detector's padding (0.5 s each side, a
        # stretch may be split in two) and settling (about 1 s) are expected; more is over-exclusion.
        allowance = sc.true_excluded_s + 2.5 * (1 + p.bursts_per_min + p.artefacts_per_min) * \
            p.duration_s / 60 + 1.5
        if sc.excluded_s > allowance:
            failures.append(f"{label}: excluded {sc.excluded_s:.1f} s, expected at most "
                            f"{allowance:.1f} s")
    if args.set == "quick":
        for unit in ("mV", "V"):
            failures += check_unit_twin(args.twitchwatch, replace(
                conditions("quick", args.seed)[0].params, unit=unit, duration_s=30), workdir, args.option)
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
