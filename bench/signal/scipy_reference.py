"""The detect pipeline written with SciPy, as the speed reference for bench/signal/run.sh.

The steps of twitchwatch's EMG detector (docs/detection.md), each written the way one writes it
with NumPy and SciPy, whole arrays at a time, with the defaults read from
knowledge/detection.toml:
 0. quality probe: flat or saturated channels in the first 10 s are skipped;
 1. mains: power at 50/60 Hz and their harmonics against the power beside them in the first
    second (Hann window, summed over channels), the strongest harmonic refined to 0.005 x k Hz;
 2. zero-phase band-pass 20-450 Hz and notches at the harmonics found (`sosfiltfilt`);
 3. envelope: squared signal through a one-pole low-pass (`lfilter`);
 4. noise: 1.4826 x median |x| of 64 samples per 0.25 s segment, and the floor as the running
    0.2 quantile of the last 30 s of these (the first 10 s judged against the floor at 10 s);
 5. gates: voluntary (raised noise, duty cycle, crossings; runs of at least 0.5 s), artefact
    (block means of the raw signal band-passed 1-15 Hz against its own history, the band RMS
    and the noise floor), settling, padded by 0.5 s on each side;
 6. events: `find_peaks` on the envelope over the running threshold with the refractory
    distance, their threshold spans, durations 2-100 ms, the echo rule, the doublet split
    (self-similarity of the band-passed event at lags of 15 ms and more) and the onset traced
    back; `find_peaks` stands in for the crossing scan, so events differ in detail;
 7. merging across channels within 20 ms of the peaks or where the spans overlap, and late
    copies.
Reads a two-minute slice of the EDF file with MNE before the clock starts (the reading floor
is measured separately); its memory grows with the slice length.

Usage: scipy_reference.py FILE.edf [SECONDS]   prints one JSON line."""
import json
import pathlib
import resource
import sys
import time
import tomllib

import mne
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal

ROOT = pathlib.Path(__file__).resolve().parents[2]
with open(ROOT / "knowledge" / "detection.toml", "rb") as knowledge:
    P = {name: table["value"] for name, table in tomllib.load(knowledge).items()
         if isinstance(table, dict) and "value" in table}
MAD_TO_SIGMA = 1.4826
NOISE_SAMPLES_PER_SEGMENT = 64


def physical_ranges(path, labels):
    """Physical minimum and maximum of the named signals, from the EDF header (for the quality
    probe)."""
    with open(path, "rb") as f:
        header = f.read(256)
        signals = int(header[252:256])
        names = [f.read(16).decode("latin-1").strip() for _ in range(signals)]
        f.seek(256 + signals * (16 + 80 + 8))
        fields = f.read(signals * 16)
    values = np.array([float(fields[i * 8:(i + 1) * 8]) for i in range(2 * signals)])
    low, high = values[:signals], values[signals:]
    index = [names.index(label) for label in labels]
    return np.minimum(low, high)[index], np.maximum(low, high)[index]


def usable_channels(data, fs, low, high):
    probe = data[:, :int(P["quality_probe_s"] * fs)]
    flat = np.ptp(probe, axis=1) == 0
    at_ends = (probe <= low[:, None]) | (probe >= high[:, None])
    saturated = at_ends.mean(axis=1) > P["saturated_fraction"]
    return ~(flat | saturated)


def tone_power(probe, fs, tones):
    """Power summed over channels at each frequency (a DFT at arbitrary frequencies)."""
    n = probe.shape[1]
    windowed = probe * np.hanning(n)
    basis = np.exp(-2j * np.pi * np.outer(np.arange(n), tones) / fs)
    return (np.abs(windowed @ basis) ** 2).sum(axis=0)


def mains_notches(data, fs, top):
    probe = data[:, :int(P["mains_probe_s"] * fs)]
    best = (0.0, None, None)
    for base in (50.0, 60.0):
        harmonics = [k * base for k in range(1, P["mains_harmonics"] + 1) if k * base + 8 < top]
        tones = np.array([[f, f - 7, f - 4, f + 4, f + 7] for f in harmonics])
        power = tone_power(probe, fs, tones.ravel()).reshape(tones.shape)
        ratios = power[:, 0] / power[:, 1:].mean(axis=1)
        score = ratios[:3].max()
        if score > best[0]:
            best = (score, base, ratios)
    score, base, ratios = best
    if score < P["mains_detect_ratio"]:
        return []
    k = int(np.argmax(ratios)) + 1
    centre = k * base
    for step, span in ((0.05, 0.5), (0.005, 0.05)):
        tones = centre + np.arange(-span, span + 1e-9, step) * k
        centre = tones[np.argmax(tone_power(probe, fs, tones))]
    refined = centre / k
    return [(i + 1) * refined for i, r in enumerate(ratios) if r >= P["mains_detect_ratio"]]


def running_statistic(values, history, statistic):
    """statistic(values of the last `history` segments) for each segment, along axis 1."""
    full = statistic(sliding_window_view(values, history, axis=1), axis=2)
    early = [statistic(values[:, :i + 1], axis=1)
             for i in range(min(history - 1, values.shape[1]))]
    return np.concatenate([np.stack(early, axis=1), full], axis=1) if early else full


def running_floor(sigma, history, review):
    """Running quantile of the segment sigmas; the first `review` segments take the floor
    reached at the end of the review."""
    floor = running_statistic(sigma, history,
                              lambda x, axis: np.quantile(x, P["noise_floor_quantile"], axis=axis))
    if review < floor.shape[1]:
        floor[:, :review] = floor[:, [review]]
    return floor


def runs_at_least(flags, length):
    """Marks the stretches of consecutive True at least `length` long."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    kept = np.zeros_like(flags)
    for s, e in zip(starts, ends):
        if e - s >= length:
            kept[s:e] = True
    return kept


def split_doublet(trace, min_lag):
    """Lag at which the event repeats itself (a doublet), or None."""
    for lag in range(min_lag, len(trace) // 2 + 1):
        first, second = trace[:lag], trace[lag:2 * lag]
        e1, e2 = first @ first, second @ second
        if e1 == 0 or e2 == 0 or not P["echo_ratio"] ** 2 <= e2 / e1 <= 1 / P["echo_ratio"] ** 2:
            continue
        if first @ second / np.sqrt(e1 * e2) >= P["doublet_correlation"]:
            return lag
    return None


def channel_events(c, filtered, envelope, threshold, onset_level, segment, excluded, fs):
    env, trace = envelope[c], filtered[c]
    # The threshold of each frame; the last, partial segment keeps the last one.
    height = np.repeat(np.append(threshold[c], threshold[c, -1]), segment)[:env.size]
    refractory = max(1, int(P["refractory_s"] * fs))
    peaks, _ = signal.find_peaks(env, height=height, distance=refractory)
    above = env > height
    rises = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    falls = np.flatnonzero(~above[1:] & above[:-1]) + 1
    events, previous_end = [], 0
    for peak in peaks:
        if peak >= excluded.size * segment or excluded[peak // segment]:
            continue
        rise_at = np.searchsorted(rises, peak, side="right") - 1
        start = rises[rise_at] if rise_at >= 0 else 0
        end_at = np.searchsorted(falls, peak)
        end = falls[end_at] if end_at < falls.size else env.size
        duration = (end - start) / fs
        if not P["min_event_duration_s"] <= duration <= P["max_event_duration_s"]:
            continue
        largest = np.abs(trace[start:end]).max()
        if events and (start - events[-1]["start"]) / fs <= P["echo_window_s"] \
                and largest < P["echo_ratio"] * events[-1]["peak"]:
            continue
        onset = start
        lookback = max(previous_end, start - int(P["onset_lookback_s"] * fs))
        level = onset_level[c, min(start // segment, onset_level.shape[1] - 1)]
        while onset > lookback and env[onset - 1] > level:
            onset -= 1
        lag = split_doublet(trace[start:end], int(P["doublet_min_interval_s"] * fs))
        parts = [(start, end)] if lag is None else [(start, start + lag), (start + lag, end)]
        for first, last in parts:
            top = first + int(np.argmax(np.abs(trace[first:last])))
            events.append({"channel": c, "start": first, "end": last, "peak_at": top,
                           "onset": onset if first == start else first,
                           "peak": abs(trace[top])})
        previous_end = end
    return events


def merge(events, floor_at, fs):
    window, copy_window = P["merge_window_s"] * fs, P["copy_window_s"] * fs
    twitches = []
    for e in sorted(events, key=lambda e: e["peak_at"]):
        e["snr"] = e["peak"] / floor_at(e)
        last = twitches[-1] if twitches else None
        if last and e["channel"] not in last["channels"] and (
                e["peak_at"] - last["peak_at"] <= window or e["start"] < last["end"]
                or (e["onset"] - last["onset"] <= copy_window
                    and e["snr"] < P["echo_ratio"] * last["snr"])):
            last["channels"].add(e["channel"])
            if e["snr"] > last["snr"]:
                last.update(peak_at=e["peak_at"], snr=e["snr"], end=max(last["end"], e["end"]))
            continue
        twitches.append(dict(e, channels={e["channel"]}))
    return twitches


def detect(data, fs, low, high):
    data = data[usable_channels(data, fs, low, high)]
    channels, frames = data.shape
    top = min(P["band_high_hz"], 0.45 * fs)
    sos = [signal.butter(P["band_order"], P["band_low_hz"], "highpass", fs=fs, output="sos"),
           signal.butter(P["band_order"], top, "lowpass", fs=fs, output="sos")]
    notches = mains_notches(data, fs, top)
    sos += [signal.tf2sos(*signal.iirnotch(f, f / P["mains_notch_bandwidth_hz"], fs=fs))
            for f in notches]
    filtered = signal.sosfiltfilt(np.vstack(sos), data, axis=1)
    alpha = 1 - np.exp(-1 / (P["envelope_time_constant_s"] * fs))
    squared = filtered ** 2
    envelope = signal.lfilter([alpha], [1, alpha - 1], squared, axis=1)

    segment = int(P["segment_s"] * fs)
    segments = frames // segment
    usable = segments * segment
    by_segment = lambda x: x[:, :usable].reshape(channels, segments, segment)
    step = max(1, segment // NOISE_SAMPLES_PER_SEGMENT)
    sigma = MAD_TO_SIGMA * np.median(np.abs(by_segment(filtered)[:, :, ::step]), axis=2)
    history = int(round(P["noise_history_s"] / P["segment_s"]))
    floor = running_floor(sigma, history, int(round(P["start_review_s"] / P["segment_s"])))

    # Voluntary activity: raised noise, envelope up most of the time, or too many crossings.
    threshold = (P["threshold"] * floor) ** 2
    active_level = (P["voluntary_level"] * floor) ** 2
    env = by_segment(envelope)
    above = env > threshold[:, :, None]
    crossings = (above[:, :, 1:] & ~above[:, :, :-1]).sum(axis=2)
    busy = ((env > active_level[:, :, None]).mean(axis=2) > P["voluntary_duty_cycle"]) \
        | (crossings >= P["voluntary_crossings_per_s"] * P["segment_s"])
    raised = sigma > P["voluntary_level"] * floor
    active = (raised | busy).sum(axis=0) >= max(1, P["voluntary_min_channels"])
    voluntary = runs_at_least(active, int(round(P["voluntary_min_s"] / P["segment_s"])))

    # Artefacts: the slow band of the raw signal, by block means then band-passed.
    decimation = max(1, int(fs / (8 * P["artefact_band_high_hz"])))
    rows = usable // decimation
    slow = data[:, :rows * decimation].reshape(channels, rows, decimation).mean(axis=2)
    slow_fs = fs / decimation
    slow = signal.sosfiltfilt(np.vstack([
        signal.butter(2, P["artefact_band_low_hz"], "highpass", fs=slow_fs, output="sos"),
        signal.butter(2, min(P["artefact_band_high_hz"], 0.45 * slow_fs), "lowpass", fs=slow_fs,
                      output="sos")]), slow, axis=1)
    row_segment = np.arange(rows) * decimation // segment
    counts = np.bincount(row_segment, minlength=segments)
    slow_rms = np.sqrt(np.stack([np.bincount(row_segment, weights=s ** 2, minlength=segments)
                                 for s in slow]) / np.maximum(counts, 1))
    band_rms = np.sqrt(by_segment(squared).mean(axis=2))
    slow_floor = running_statistic(slow_rms, history, np.median)
    artefact = ((slow_rms > P["artefact_ratio"] * slow_floor) & (slow_rms > band_rms)
                & (slow_rms > P["artefact_level"] * floor)).any(axis=0)
    artefact[:4] = False

    settling = P["settling_s"] + (5 / (np.pi * P["mains_notch_bandwidth_hz"]) if notches else 0)
    excluded = voluntary | artefact
    pad = int(np.ceil(P["exclusion_padding_s"] / P["segment_s"]))
    excluded = np.convolve(excluded, np.ones(2 * pad + 1), mode="same") > 0
    excluded[:int(np.ceil(settling / P["segment_s"]))] = True

    onset_level = (P["onset_level"] * floor) ** 2
    events = [e for c in range(channels)
              for e in channel_events(c, filtered, envelope, threshold, onset_level,
                                      segment, excluded, fs)]
    twitches = merge(
        events, lambda e: floor[e["channel"], min(e["peak_at"] // segment, segments - 1)], fs)
    return len(twitches), excluded.sum() * P["segment_s"]


path = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
mne.set_log_level("ERROR")
raw = mne.io.read_raw_edf(path, preload=False)
fs = raw.info["sfreq"]
data = raw.get_data(start=0, stop=int(seconds * fs)) * 1e6  # volts -> microvolts
channels, frames = data.shape
low, high = physical_ranges(path, raw.ch_names)

start = time.perf_counter()
start_cpu = time.process_time()
start_usage = resource.getrusage(resource.RUSAGE_SELF)
twitch_count, excluded_s = detect(data, fs, low, high)
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
                  "samples_per_cpu_s": channels * frames / cpu, "events": twitch_count,
                  "excluded_s": float(excluded_s)}))
