#!/usr/bin/python3
"""A second, independent generator of surface EMG recordings with known twitches.

It shares no code and no model with `twitchwatch simulate` (src/signal/simulate/): potentials are
sums of Gaussian phases (biphasic, triphasic, polyphasic, 5-30 ms) seen through a grid of
electrodes whose amplitude falls with distance, units fire as a gamma renewal process with their
own doublet model, the background is white plus 1/f noise with per-channel gains, mains is
slightly off-frequency with harmonics, voluntary bursts are trains of recruited motor units, and
movement artefacts are electrode pops and cable sway, and the heart's ECG may be added. It writes plain EDF (16-bit) or BDF (24-bit)
with its own writer and a truth CSV. Model and sources: docs/independent-check.md.

Usage:
  independent_generator.py OUT.edf [--fs 2048] [--channels 8] [--duration 120] [--snr 5] ...
  (OUT.truth.csv is written next to it; --help lists every option)

numpy only; run with Debian's /usr/bin/python3.
"""
import argparse
import math
import sys
from dataclasses import dataclass, field

import numpy as np

UNIT_SCALE = {"uV": 1.0, "mV": 1e-3, "V": 1e-6}  # from microvolts to the file's unit


@dataclass
class Params:
    fs: int = 2048
    channels: int = 8
    duration_s: float = 120.0
    snr: float = 5.0  # twitch peak on its home channel / that channel's noise RMS
    snr_spread: float = 1.0  # each unit's SNR is snr x U(1, snr_spread)
    rate_per_min: float = 40.0  # all discharges, second ones of doublets included
    units: int = 8
    doublet_probability: float = 0.15
    shapes: str = "bi,tri,poly"
    min_duration_ms: float = 5.0
    max_duration_ms: float = 30.0
    noise_uv: float = 4.0  # broadband background RMS before the per-channel factor
    pink_fraction: float = 0.4  # share of the background variance that is 1/f
    mains_hz: float = 0.0  # 0 = none; e.g. 49.9 or 60.1
    mains_level: float = 10.0  # mains fundamental amplitude / noise RMS
    drift_uv: float = 0.0
    bursts_per_min: float = 0.0
    artefacts_per_min: float = 0.0
    ecg_uv: float = 0.0  # peak of the heart's R wave on the most exposed channel; 0 = none
    heart_rate: float = 70.0  # beats per minute, moved by breathing
    heart_rhythm: str = "steady"  # steady, ectopic (every 5th beat), bigeminy or af
    unit: str = "uV"
    fmt: str = "edf"  # edf (16-bit) or bdf (24-bit)
    electrode_spacing_mm: float = 10.0
    seed: int = 1


@dataclass
class Truth:
    twitches: list = field(default_factory=list)  # dicts
    stretches: list = field(default_factory=list)  # (kind, start_s, end_s)
    noise_rms_uv: np.ndarray = None  # per channel, broadband background


# ---------------------------------------------------------------- electrodes and volume conduction
def electrode_grid(channels, spacing_mm):
    """Electrodes on a grid two rows high (one row for fewer than 4 channels), in mm."""
    rows = 1 if channels < 4 else 2
    cols = math.ceil(channels / rows)
    return np.array([((i % cols) * spacing_mm, (i // cols) * spacing_mm) for i in range(channels)])


def conduction(grid, position, depth_mm):
    """Relative amplitude, widening of the phases and delay on each electrode for a source at
    `position` (mm, in the skin plane) and `depth_mm` below it. The amplitude falls as
    (depth / distance)^2.5, between a monopole (power 1) and a dipole (power 3); farther
    electrodes see a smoother, later potential (tissue is a low-pass filter; 4 mm/ms)."""
    distance = np.sqrt(((grid - position) ** 2).sum(axis=1) + depth_mm ** 2)
    ratio = distance / depth_mm
    return ratio ** -2.5, np.sqrt(ratio), (distance - depth_mm) / 4.0 / 1000.0


# ---------------------------------------------------------------- potentials
def random_phases(rng, kind, duration_s):
    """A potential as Gaussian phases (amplitude, centre s, width s), lasting about duration_s."""
    if kind == "bi":
        amps = [1.0, -rng.uniform(0.6, 1.0)]
    elif kind == "tri":
        amps = [rng.uniform(0.2, 0.5), -1.0, rng.uniform(0.15, 0.45)]
    else:  # polyphasic: 4-7 alternating phases of random size
        n = int(rng.integers(4, 8))
        amps = [(-1) ** i * rng.uniform(0.35, 1.0) for i in range(n)]
    n = len(amps)
    width = duration_s / (2.2 * n + 1.5)
    centres = (np.arange(n) - (n - 1) / 2) * 2.2 * width
    centres = centres + rng.normal(0, 0.15 * width, n)
    widths = width * rng.uniform(0.8, 1.2, n)
    return np.array(amps), centres, widths


def render(phases, widen, t):
    amps, centres, widths = phases
    w = widths * widen
    return (amps[:, None] * np.exp(-0.5 * ((t[None, :] - centres[:, None]) / w[:, None]) ** 2)).sum(0)


@dataclass
class MotorUnit:
    phases: tuple
    gain: np.ndarray  # per channel, uV, sign included (the potential's peak per channel)
    widen: np.ndarray
    delay: np.ndarray
    home: int


def make_unit(rng, p, grid, noise_rms, kinds, amplitude_over_noise=None):
    """A unit somewhere under (or just beside) the grid. amplitude_over_noise: peak on its home
    channel as a multiple of that channel's noise RMS (the unit's SNR)."""
    lo, hi = grid.min(0) - p.electrode_spacing_mm, grid.max(0) + p.electrode_spacing_mm
    position = rng.uniform(lo, hi)
    depth = rng.uniform(4.0, 15.0)
    amplitude, widen, delay = conduction(grid, position, depth)
    kind = kinds[int(rng.integers(len(kinds)))]
    duration = rng.uniform(p.min_duration_ms, p.max_duration_ms) / 1000.0
    phases = random_phases(rng, kind, duration)
    t = np.arange(-0.08, 0.08, 1.0 / 20000)
    peaks = np.array([np.abs(render(phases, widen[c], t)).max() for c in range(len(grid))])
    seen = amplitude * peaks  # peak per channel for a unit-scaled source
    home = int(np.argmax(seen / noise_rms))
    scale = amplitude_over_noise * noise_rms[home] / seen[home]
    sign = 1.0 if rng.random() < 0.5 else -1.0
    return MotorUnit(phases, sign * scale * amplitude, widen, delay, home), kind


def add_discharge(x, unit, t0, fs, size=1.0):
    """Adds one discharge at t0 (s) to x[channel, sample]; returns (onset_s, peak_s, peak_uv) on the
    home channel, onset = first time the potential reaches 10 % of its peak."""
    amps, centres, widths = unit.phases
    span = 4 * (widths.max() * unit.widen.max()) + np.abs(centres).max()
    first = max(0, int(math.floor((t0 - span - unit.delay.max()) * fs)))
    last = min(x.shape[1], int(math.ceil((t0 + span + unit.delay.max()) * fs)) + 1)
    if last <= first:
        return None
    t = np.arange(first, last) / fs
    for c in range(x.shape[0]):
        x[c, first:last] += size * unit.gain[c] * render(unit.phases, unit.widen[c],
                                                         t - t0 - unit.delay[c])
    # Onset and peak on a fine grid so they do not depend on the sample rate.
    fine = np.arange(t[0], t[-1], 1.0 / 50000)
    wave = size * unit.gain[unit.home] * render(unit.phases, unit.widen[unit.home],
                                                fine - t0 - unit.delay[unit.home])
    k = int(np.argmax(np.abs(wave)))
    onset = fine[int(np.argmax(np.abs(wave) >= 0.1 * abs(wave[k])))]
    return onset, fine[k], abs(wave[k])


# ---------------------------------------------------------------- background
def coloured_noise(rng, n, fs, pink_fraction):
    """Unit-variance noise: white plus 1/f (shaped in the frequency domain from 0.5 Hz up)."""
    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spectrum *= 1.0 / np.sqrt(np.maximum(f, 0.5))
    pink = np.fft.irfft(spectrum, n)
    pink /= pink.std()
    return np.sqrt(1 - pink_fraction) * white + np.sqrt(pink_fraction) * pink


def slow_wander(rng, n, fs, amplitude, corner_hz):
    """Smooth random wander (white noise low-passed below corner_hz), peak about `amplitude`."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spectrum *= 1.0 / (1.0 + (f / corner_hz) ** 4)
    spectrum[0] = 0
    w = np.fft.irfft(spectrum, n)
    return amplitude * w / max(np.abs(w).max(), 1e-12)


def poisson_stretches(rng, rate_per_min, duration_s, length_range, keep_clear):
    """Start and length of stretches placed as a Poisson process, apart from each other and from
    the first keep_clear seconds."""
    out = []
    t = keep_clear
    while rate_per_min > 0:
        t += rng.exponential(60.0 / rate_per_min)
        length = rng.uniform(*length_range)
        if t + length > duration_s - 2:
            break
        out.append((t, length))
        t += length + 2.0
    return out


def add_voluntary(rng, x, p, grid, noise_rms, start, length):
    """A voluntary contraction: 15-35 units recruited one after another over the first quarter,
    each firing at 8-25 Hz (coefficient of variation 0.15) until derecruited in the last quarter."""
    kinds = ["bi", "tri", "poly"]
    end = start + length
    for _ in range(int(rng.integers(15, 36))):
        unit, _ = make_unit(rng, p, grid, noise_rms, kinds, rng.uniform(1.5, 6.0))
        on = start + rng.uniform(0, 0.25) * length
        off = end - rng.uniform(0, 0.25) * length
        rate = rng.uniform(8, 25)
        t = on
        while t < off:
            add_discharge(x, unit, t, p.fs)
            t += max(0.02, rng.normal(1.0 / rate, 0.15 / rate))


def add_artefact(rng, x, p, start, length):
    """Movement artefact of `length` s: an electrode pop (step rising in 2-10 ms, decaying to 10 %
    by the end) on one or two channels, or cable sway (1-6 Hz under a sin^2 window) on all
    channels with their own weights."""
    n = x.shape[1]
    first = int(start * p.fs)
    t = np.arange(n - first) / p.fs
    if rng.random() < 0.5:
        rise = rng.uniform(0.002, 0.01)
        tau = length / math.log(10.0)  # the stretch ends where the step has decayed to 10 %
        wave = (1 - np.exp(-t / rise)) * np.exp(-t / tau) * rng.uniform(300, 2000)
        for c in rng.choice(x.shape[0], size=min(2, x.shape[0]), replace=False):
            x[c, first:] += wave * (1 if rng.random() < 0.5 else -1) * rng.uniform(0.5, 1.0)
    else:
        f = rng.uniform(1, 6)
        envelope = np.sin(np.pi * np.clip(t / length, 0, 1)) ** 2
        wave = envelope * np.sin(2 * np.pi * f * t) * rng.uniform(300, 1500)
        for c in range(x.shape[0]):
            x[c, first:] += wave * rng.uniform(-1, 1)


# ---------------------------------------------------------------- the recording
def heart_beats(rng, p):
    """The beats of an irregular rhythm as (R peak s, ectopic?). `ectopic`: every fifth beat a
    premature ventricular one at 60 % of the interval, then the compensatory pause (the next
    normal beat two intervals after the last normal one); `bigeminy`: every second beat so; `af`
    (atrial fibrillation): independent intervals with a CV of 0.2 (gamma), none below 0.3 s (the
    AV node's refractory time). The mean interval moves with breathing as in the steady beat."""
    phase_breath = rng.uniform(0, 6.3)
    beats = []
    beat = rng.uniform(0.2, 1.0)
    every = {"ectopic": 5, "bigeminy": 2}.get(p.heart_rhythm, 0)
    k = 0
    while beat < p.duration_s:
        interval = 60.0 / p.heart_rate * (1 + 0.04 * math.sin(2 * math.pi * 0.25 * beat + phase_breath)
                                          + 0.01 * rng.standard_normal())
        beats.append((beat, False))
        k += 1
        if p.heart_rhythm == "af":
            beat += max(0.3, interval * rng.gamma(25.0, 1 / 25.0))
        elif every and k % (every - 1) == 0:
            beats.append((beat + 0.6 * interval, True))
            beat += 2 * interval
        else:
            beat += interval
    return beats


def ecg(rng, p, n):
    """The heart's signal as electrodes on the trunk pick it up: per beat a P wave, a QRS complex
    (Q, R and S as Gaussian phases, 80-100 ms in all) and a T wave; the interval moves with
    breathing (0.25 Hz, +-4 %), slower waves (0.1 Hz, +-3 %) and 1 % from beat to beat; each
    channel sees it with its own weight and sign (its place relative to the heart's axis)."""
    t = np.arange(n) / p.fs
    out = np.zeros((p.channels, n))
    weights = rng.uniform(0.25, 1.0, p.channels) * rng.choice([-1.0, 1.0], p.channels)
    weights /= np.abs(weights).max()
    # (offset from the R peak s, width s, size relative to R)
    waves = [(-0.16, 0.025, 0.12), (-0.028, 0.009, -0.12), (0.0, 0.011, 1.0),
             (0.03, 0.010, -0.3), (0.3, 0.045, 0.28)]
    phase_breath, phase_slow = rng.uniform(0, 6.3, 2)
    beat = rng.uniform(0.2, 1.0)
    template_t = np.arange(int(0.6 * p.fs)) / p.fs - 0.2
    template = sum(a * np.exp(-0.5 * ((template_t - c) / w) ** 2) for c, w, a in waves)
    if p.heart_rhythm != "steady":
        # A ventricular beat starts elsewhere: its own axis (weights), a wide QRS (about 150 ms),
        # larger, its T wave opposite, no P wave. In atrial fibrillation there is no P wave.
        pvc_weights = rng.uniform(0.25, 1.0, p.channels) * rng.choice([-1.0, 1.0], p.channels)
        pvc_weights /= np.abs(pvc_weights).max()
        pvc_waves = [(0.0, 0.028, 1.4), (0.07, 0.03, -0.5), (0.32, 0.06, -0.4)]
        pvc = sum(a * np.exp(-0.5 * ((template_t - c) / w) ** 2) for c, w, a in pvc_waves)
        normal = template - waves[0][2] * np.exp(-0.5 * ((template_t - waves[0][0]) / waves[0][1]) ** 2) \
            if p.heart_rhythm == "af" else template
        for beat, ectopic in heart_beats(rng, p):
            start = int(round(beat * p.fs)) - int(0.2 * p.fs)
            lo, hi = max(start, 0), min(start + len(template), n)
            if hi > lo:
                shape, w = (pvc, pvc_weights) if ectopic else (normal, weights)
                out[:, lo:hi] += p.ecg_uv * w[:, None] * shape[lo - start:hi - start][None, :]
        return out
    while beat < p.duration_s:
        start = int(round(beat * p.fs)) - int(0.2 * p.fs)
        lo, hi = max(start, 0), min(start + len(template), n)
        if hi > lo:
            size = p.ecg_uv * (1 + 0.05 * math.sin(2 * math.pi * 0.25 * beat + phase_breath))
            out[:, lo:hi] += size * weights[:, None] * template[lo - start:hi - start][None, :]
        interval = 60.0 / p.heart_rate * (1 + 0.04 * math.sin(2 * math.pi * 0.25 * beat + phase_breath)
                                          + 0.03 * math.sin(2 * math.pi * 0.1 * beat + phase_slow)
                                          + 0.01 * rng.standard_normal())
        beat += interval
    return out


def generate(p):
    """Returns (x in uV [channel, sample], Truth)."""
    rng = np.random.default_rng(p.seed)
    n = int(round(p.duration_s * p.fs))
    grid = electrode_grid(p.channels, p.electrode_spacing_mm)
    truth = Truth()
    noise_rms = p.noise_uv * rng.uniform(0.8, 1.25, p.channels)
    truth.noise_rms_uv = noise_rms
    x = np.empty((p.channels, n))
    for c in range(p.channels):
        x[c] = noise_rms[c] * coloured_noise(rng, n, p.fs, p.pink_fraction)

    kinds = p.shapes.split(",")
    units = []
    for _ in range(p.units):
        unit, kind = make_unit(rng, p, grid, noise_rms, kinds,
                               p.snr * rng.uniform(1.0, max(1.0, p.snr_spread)))
        units.append((unit, kind))

    # Firing: each unit a gamma renewal process (shape 2: irregular but not Poisson, no interval
    # below 150 ms); a doublet's second discharge follows after a log-normal interval (median
    # 30 ms, clipped to 10-110 ms) at 90-105 % of the size.
    primary_rate = p.rate_per_min / 60.0 / (1 + p.doublet_probability) / p.units
    discharges = []
    for u in range(p.units):
        t = rng.uniform(0, 1 / primary_rate)
        while t < p.duration_s:
            discharges.append((t, u, False))
            if rng.random() < p.doublet_probability:
                gap = float(np.clip(rng.lognormal(math.log(0.030), 0.45), 0.010, 0.110))
                discharges.append((t + gap, u, True))
            t += max(0.15, rng.gamma(2.0, 0.5 / primary_rate))
    for t0, u, second in sorted(discharges):
        if t0 < 0.05 or t0 > p.duration_s - 0.05:
            continue
        unit, kind = units[u]
        size = rng.uniform(0.9, 1.05) if second else rng.uniform(0.97, 1.03)
        result = add_discharge(x, unit, t0, p.fs, size)
        if result:
            onset, peak_s, peak = result
            truth.twitches.append(dict(onset_s=onset, peak_s=peak_s, channel=unit.home,
                                       peak_uv=peak, unit=u, shape=kind, doublet=int(second)))

    keep_clear = 5.0
    for start, length in poisson_stretches(rng, p.bursts_per_min, p.duration_s, (2, 6), keep_clear):
        add_voluntary(rng, x, p, grid, noise_rms, start, length)
        truth.stretches.append(("voluntary", start, start + length))
    for start, length in poisson_stretches(rng, p.artefacts_per_min, p.duration_s, (0.3, 1.5),
                                           keep_clear):
        add_artefact(rng, x, p, start, length)
        truth.stretches.append(("artefact", start, start + length))

    t = np.arange(n) / p.fs
    if p.mains_hz > 0:
        # Fundamental plus harmonics 2-7 (odd ones stronger), amplitude and phase per channel,
        # and a slow 10 % amplitude modulation (load changes).
        modulation = 1 + 0.1 * np.sin(2 * np.pi * 0.07 * t + rng.uniform(0, 6.3))
        for c in range(p.channels):
            amplitude = p.mains_level * noise_rms[c] * rng.uniform(0.5, 1.5)
            wave = np.zeros(n)
            for k in range(1, 8):
                if k * p.mains_hz >= p.fs / 2:
                    break
                relative = (0.3 / k if k % 2 else 0.08 / k) if k > 1 else 1.0
                wave += relative * np.sin(2 * np.pi * k * p.mains_hz * t + rng.uniform(0, 6.3))
            x[c] += amplitude * modulation * wave
    if p.ecg_uv > 0:
        x += ecg(rng, p, n)
    if p.drift_uv > 0:
        for c in range(p.channels):
            x[c] += slow_wander(rng, n, p.fs, p.drift_uv * rng.uniform(0.5, 1.0), 0.3)

    # Per-channel amplifier gain error (+-3 %): applies to everything recorded.
    gains = rng.uniform(0.97, 1.03, p.channels)
    x *= gains[:, None]
    truth.noise_rms_uv = noise_rms * gains
    for tw in truth.twitches:
        tw["peak_uv"] *= gains[tw["channel"]]

    # Twitches inside a burst or artefact are not to be counted; they stay in the truth, marked,
    # so a scorer can tell a real potential on a clean channel during an artefact elsewhere from
    # a false one.
    for tw in truth.twitches:
        tw["in_stretch"] = next((kind for kind, s, e in truth.stretches
                                 if s - 0.05 <= tw["onset_s"] <= e + 0.05), "")
    return x, truth


# ---------------------------------------------------------------- EDF / BDF writer
def symmetric_range(peak):
    """The smallest +-value >= peak whose negative still fits the 8-character EDF field, rounded
    outward (a range rounded inward would clip). Returns (text of -value, text of value, value)."""
    for decimals in range(7, -1, -1):
        value = math.ceil(peak * 10 ** decimals) / 10 ** decimals
        low, high = f"{-value:.{decimals}f}", f"{value:.{decimals}f}"
        if len(low) <= 8:
            return low, high, float(high)
    raise ValueError(f"{peak} does not fit in an EDF field")


def write_edf(path, x_unit, p, labels):
    """Plain EDF (16-bit) or BDF (24-bit), 1 s records, physical range per channel from the data
    (symmetric, 5 % headroom). x_unit is [channel, sample] in the file's unit."""
    bdf = p.fmt == "bdf"
    dmax = 8388607 if bdf else 32767
    dmin = -dmax - 1
    records = int(math.ceil(x_unit.shape[1] / p.fs))
    padded = np.zeros((x_unit.shape[0], records * p.fs))
    padded[:, : x_unit.shape[1]] = x_unit
    fields = lambda values, width: b"".join(str(v).encode("ascii")[:width].ljust(width) for v in values)
    pmins, pmaxs, digital = [], [], []
    for c in range(x_unit.shape[0]):
        mtext, text, pmax = symmetric_range(np.abs(padded[c]).max() * 1.05)
        pmin = -pmax
        pmins.append(mtext)
        pmaxs.append(text)
        scale = (dmax - dmin) / (pmax - pmin)
        d = np.round((padded[c] - pmin) * scale + dmin)
        digital.append(np.clip(d, dmin, dmax).astype(np.int64))
    ns = x_unit.shape[0]
    head = (b"\xffBIOSEMI" if bdf else b"0".ljust(8))
    head += b"X X X X".ljust(80) + b"independent generator seed %d" % p.seed
    head = head.ljust(8 + 80 + 80)
    head += b"26.11.26" + b"09.00.00" + str(256 * (ns + 1)).encode().ljust(8)
    head += (b"24BIT" if bdf else b"").ljust(44) + str(records).encode().ljust(8)
    head += b"1".ljust(8) + str(ns).encode().ljust(4)
    head += fields(labels, 16) + fields(["AgAgCl surface electrode"] * ns, 80)
    head += fields([p.unit] * ns, 8) + fields(pmins, 8) + fields(pmaxs, 8)
    head += fields([dmin] * ns, 8) + fields([dmax] * ns, 8)
    head += fields(["HP:0.5Hz LP:%dHz" % (p.fs // 4)] * ns, 80) + fields([p.fs] * ns, 8)
    head += fields([""] * ns, 32)
    assert len(head) == 256 * (ns + 1)
    # Records: channel after channel, little-endian 2 or 3 bytes per sample.
    stacked = np.stack(digital).reshape(ns, records, p.fs).transpose(1, 0, 2)
    values = stacked.reshape(-1) & 0xFFFFFF
    if bdf:
        body = np.stack([values & 0xFF, (values >> 8) & 0xFF, (values >> 16) & 0xFF], 1)
        body = body.astype(np.uint8).tobytes()
    else:
        body = stacked.reshape(-1).astype("<i2").tobytes()
    with open(path, "wb") as out:
        out.write(head)
        out.write(body)


def write_truth(path, truth, p, labels):
    scale = UNIT_SCALE[p.unit]
    with open(path, "w") as out:
        out.write("kind,onset_s,peak_s,end_s,channel,label,peak,unit,shape,doublet,in_stretch\n")
        for tw in truth.twitches:
            out.write(f"twitch,{tw['onset_s']:.5f},{tw['peak_s']:.5f},,{tw['channel'] + 1},"
                      f"{labels[tw['channel']]},{tw['peak_uv'] * scale:.6g},{p.unit},"
                      f"{tw['shape']},{tw['doublet']},{tw['in_stretch']}\n")
        for kind, start, end in truth.stretches:
            out.write(f"{kind},{start:.4f},,{end:.4f},,,,,,,\n")
        for c, rms in enumerate(truth.noise_rms_uv):
            out.write(f"noise,,,,{c + 1},{labels[c]},{rms * scale:.6g},{p.unit},,,\n")


def channel_labels(p):
    return ["EMG %s%02d" % ("AB"[i // 8 % 2], i % 8 + 1) if p.channels > 8 else "EMG %d" % (i + 1)
            for i in range(p.channels)]


def write_recording(path, p):
    x, truth = generate(p)
    labels = channel_labels(p)
    write_edf(path, x * UNIT_SCALE[p.unit], p, labels)
    write_truth(path + ".truth.csv", truth, p, labels)
    return truth


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output")
    for name, default in vars(Params()).items():
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, type=type(default), default=default)
    args = vars(parser.parse_args(argv))
    out = args.pop("output")
    p = Params(**args)
    if p.unit not in UNIT_SCALE or p.fmt not in ("edf", "bdf"):
        parser.error("--unit uV|mV|V, --fmt edf|bdf")
    if p.heart_rhythm not in ("steady", "ectopic", "bigeminy", "af"):
        parser.error("--heart-rhythm steady|ectopic|bigeminy|af")
    truth = write_recording(out, p)
    counted = sum(1 for tw in truth.twitches if not tw["in_stretch"])
    print(f"{out}: {counted} twitches to count, {len(truth.stretches)} excluded stretches")


if __name__ == "__main__":
    main(sys.argv[1:])
