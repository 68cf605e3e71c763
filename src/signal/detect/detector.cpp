// The streaming twitch detector: configuration, the work on each segment (band-pass and mains
// notches, envelope, robust noise floor, gate counts; then the events) and the public Detector.
// The mains search, the events and their merging, and the exclusions have files of their own
// (detector_state.hpp lists them). docs/detection.md explains each step and option.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

#include "detector_state.hpp"
#include "segment_pass.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal {
namespace {

using detail::DetectorState;
using detail::Frame;
using detail::kFloorUpdateEvery;
using detail::SegmentRecord;

// 1.4826 x median(|x|) estimates the standard deviation of Gaussian noise robustly.
constexpr double kMadToSigma = 1.4826;
// Samples per segment and channel used for the robust noise estimate (enough for a median,
// few enough to keep its cost small next to the filters).
constexpr std::size_t kNoiseSamplesPerSegment = 64;
// Rate of the decimated signal for the slow (artefact) band, in multiples of its upper edge.
constexpr double kSlowBandOversampling = 8.0;

// A segment's value left out of a running quantile (RunningQuantile: +inf is no value).
constexpr float kNoValue = std::numeric_limits<float>::infinity();

// Fractions of samples below the reference are kept inside [this, 1 - this] for the estimate.
constexpr double kLowestFraction = 0.002;

// Inverse error function: Winitzki's approximation refined by two Newton steps.
double inverse_erf(double p) {
    constexpr double a = 0.147;
    const double ln = std::log(1 - p * p);
    const double first = 2 / (std::numbers::pi * a) + ln / 2;
    double x = std::copysign(std::sqrt(std::sqrt(first * first - ln / a) - first), p);
    for (int i = 0; i < 2; ++i) {
        x -= (std::erf(x) - p) / (2 / std::sqrt(std::numbers::pi) * std::exp(-x * x));
    }
    return x;
}

// sqrt(2) erfinv(p), where p is the fraction of a segment's samples below the noise reference
// (kept off 0 and 1): the robust sigma of step 3 is the reference divided by it.
double below_fraction_scale(std::size_t below, std::size_t frames) {
    const double p = std::clamp(static_cast<double>(below) / static_cast<double>(frames),
                                kLowestFraction, 1 - kLowestFraction);
    return std::sqrt(2.0) * inverse_erf(p);
}

float median_of(std::vector<float>& values) {
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

void configure(DetectorState& s) {
    const auto& o = s.o;
    const double fs = s.fs;
    if (s.channels == 0) throw InputError("detect: no channels to analyse");
    if (!(fs > 0) || !std::isfinite(fs)) throw InputError("detect: sample rate must be positive");
    o.validate();
    s.segment_frames = std::max<std::size_t>(8, static_cast<std::size_t>(o.segment_s * fs));
    const double segment_s = static_cast<double>(s.segment_frames) / fs;
    s.padding_segments = static_cast<std::size_t>(std::ceil(o.exclusion_padding_s / segment_s));
    // Events are emitted at most max duration + refractory after their onset.
    s.review_segments = static_cast<std::size_t>(std::ceil(o.start_review_s / segment_s));
    s.voluntary_min_segments = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(o.voluntary_min_s / segment_s)));
    s.lag_segments = std::max<std::size_t>(
        s.padding_segments + s.voluntary_min_segments - 1,
        static_cast<std::size_t>(std::ceil((o.max_event_duration_s + o.refractory_s) / segment_s)) +
            1);
    s.refractory_frames = static_cast<Frame>(std::llround(o.refractory_s * fs));
    s.lookback_frames = static_cast<Frame>(std::llround(o.onset_lookback_s * fs));
    s.onset_gap_frames = static_cast<Frame>(std::llround(o.onset_gap_s * fs));
    // Below 750 Hz min_event_duration_s rounds to one sample, and an envelope above the
    // threshold for one sample was mostly a single noise sample (docs/detection.md, step 6).
    s.min_frames = std::max(static_cast<Frame>(o.min_event_samples),
                            static_cast<Frame>(std::llround(o.min_event_duration_s * fs)));
    s.max_frames = static_cast<Frame>(std::llround(o.max_event_duration_s * fs));
    s.merge_frames = static_cast<Frame>(std::llround(o.merge_window_s * fs));
    s.copy_frames = static_cast<Frame>(std::llround(o.copy_window_s * fs));
    s.doublet_frames = static_cast<Frame>(std::llround(o.doublet_min_interval_s * fs));
    s.echo_frames = static_cast<Frame>(std::llround(o.echo_window_s * fs));
    s.envelope_alpha = static_cast<float>(1 - std::exp(-1 / (o.envelope_time_constant_s * fs)));
    s.below_fraction_scales.resize(s.segment_frames + 1);
    for (std::size_t below = 0; below <= s.segment_frames; ++below) {
        s.below_fraction_scales[below] = below_fraction_scale(below, s.segment_frames);
    }

    std::vector<detail::Biquad> sections;
    const double nyquist_limit = kBandTopFraction * fs;
    if (o.band_low_hz > 0 && o.band_low_hz < nyquist_limit) {
        sections = detail::butterworth_highpass(o.band_order, o.band_low_hz, fs);
    }
    if (o.band_high_hz > 0) {
        auto low =
            detail::butterworth_lowpass(o.band_order, std::min(o.band_high_hz, nyquist_limit), fs);
        sections.insert(sections.end(), low.begin(), low.end());
    }
    s.band = detail::BiquadCascade(sections, s.channels);
    // The band-pass's response to pulses of 1 to kGlitchMaxSamples samples (glitch test).
    for (std::size_t w = 1; w < s.pulse_peak.size(); ++w) {
        detail::BiquadCascade pulse(sections, 1);
        std::vector<float> y(static_cast<std::size_t>(0.05 * fs) + 16, 0.0f);
        std::fill_n(y.begin(), w, 1.0f);
        pulse.execute(y, y.size());
        float peak = 0;
        for (float v : y) peak = std::max(peak, std::abs(v));
        s.pulse_peak[w] = peak;
    }
    // Rounding to a step q adds white noise of RMS q / sqrt 12 over 0 to fs / 2; the band keeps
    // its share (band width / (fs / 2)) of the power.
    const double band_bottom =
        o.band_low_hz > 0 && o.band_low_hz < nyquist_limit ? o.band_low_hz : 0;
    const double band_top = o.band_high_hz > 0 ? std::min(o.band_high_hz, nyquist_limit) : fs / 2;
    s.rounding_band_factor =
        std::sqrt(std::max(0.0, band_top - band_bottom) / (fs / 2)) / std::sqrt(12.0);

    if (o.artefact_ratio > 0) {
        s.decimation = std::max<std::size_t>(
            1, static_cast<std::size_t>(fs / (kSlowBandOversampling * o.artefact_band_high_hz)));
        const double slow_fs = fs / static_cast<double>(s.decimation);
        auto slow = detail::butterworth_highpass(2, o.artefact_band_low_hz, slow_fs);
        auto low = detail::butterworth_lowpass(
            2, std::min(o.artefact_band_high_hz, kBandTopFraction * slow_fs), slow_fs);
        slow.insert(slow.end(), low.begin(), low.end());
        s.slow = detail::BiquadCascade(slow, s.channels);
    }
    const auto history = static_cast<std::size_t>(std::ceil(o.noise_history_s / segment_s));
    s.noise_floor =
        detail::RunningQuantile(s.channels, history, o.noise_floor_quantile, kFloorUpdateEvery);
    s.slow_floor = detail::RunningQuantile(s.channels, history, 0.5, kFloorUpdateEvery);

    if (o.mains == "auto") {
        s.probe_target = std::max<std::size_t>(1, static_cast<std::size_t>(o.mains_probe_s * fs));
    }
}

// Differences between neighbouring raw samples looked at for the channel's digital step: enough
// for the smallest to be one step when the signal moves by a few steps, then no more work.
constexpr std::uint32_t kResolutionDifferences = 64;

// Per channel: whether the raw samples of the segment are all equal (flat; a lead off, an
// amplifier that outputs a constant), and the smallest non-zero step between neighbouring
// samples (the resolution of the data, which may be coarser than the file's: a 10-bit sensor
// written as 16-bit EDF). A subsample first: noise differs from the first sample at once.
void inspect_raw(DetectorState& s, const float* raw, std::size_t frames,
                 std::vector<std::uint8_t>& flat) {
    const std::size_t C = s.channels;
    const std::size_t step = std::max<std::size_t>(1, frames / kNoiseSamplesPerSegment);
    flat.assign(C, 0);
    for (std::size_t c = 0; c < C; ++c) {
        const float first = raw[c];
        bool same = true;
        for (std::size_t f = step; f < frames && same; f += step) same = raw[f * C + c] == first;
        for (std::size_t f = 1; f < frames && same; ++f) same = raw[f * C + c] == first;
        flat[c] = same ? 1 : 0;
        if (same || s.data_differences[c] >= kResolutionDifferences) continue;
        float smallest = s.data_step[c];
        for (std::size_t f = 0; f + 1 < frames; f += step) {
            const float d = std::abs(raw[(f + 1) * C + c] - raw[f * C + c]);
            if (d > 0 && std::isfinite(d)) {
                smallest = std::min(smallest, d);
                ++s.data_differences[c];
            }
        }
        s.data_step[c] = smallest;
    }
    // The floor is never below the rounding noise of the step in the band (resolution_floor).
    for (std::size_t c = 0; c < C && s.o.resolution_floor > 0; ++c) {
        const float data = s.data_differences[c] > 0 ? s.data_step[c] : 0.0f;
        const float q = std::max(s.header_step[c], data);
        const auto minimum = static_cast<float>(s.o.resolution_floor * s.rounding_band_factor * q);
        if (minimum != s.floor_minimum[c]) {
            s.floor_minimum[c] = minimum;
            s.noise_floor.set_minimum(c, minimum);
        }
    }
}

// Keeps the last kRawTailFrames raw frames (glitch test of a peak at the next segment's start).
void keep_raw_tail(DetectorState& s, const float* raw, std::size_t frames) {
    const std::size_t C = s.channels;
    const std::size_t keep = std::min(frames, detail::kRawTailFrames);
    const std::size_t old_keep = std::min(s.raw_tail_frames, detail::kRawTailFrames - keep);
    s.raw_tail.resize(detail::kRawTailFrames * C);
    // The old frames kept move to the front (memmove: the ranges may overlap), then the
    // segment's last ones follow.
    const std::size_t dropped = s.raw_tail_frames - old_keep;
    if (dropped > 0 && old_keep > 0) {
        std::memmove(s.raw_tail.data(), s.raw_tail.data() + dropped * C,
                     old_keep * C * sizeof(float));
    }
    std::copy_n(raw + (frames - keep) * C, keep * C,
                s.raw_tail.begin() + static_cast<std::ptrdiff_t>(old_keep * C));
    s.raw_tail_frames = old_keep + keep;
    s.raw_tail_first =
        s.frames_seen + static_cast<Frame>(frames) - static_cast<Frame>(s.raw_tail_frames);
}

// Filters started from rest ring on the first samples (a DC offset or mains is a step for
// them). Running them first over the first segment played backwards leaves them in a state that
// continues smoothly into the real start.
void warm_up(DetectorState& s, const float* x, std::size_t frames) {
    const std::size_t C = s.channels;
    std::vector<float> reversed(frames * C);
    for (std::size_t f = 0; f < frames; ++f) {
        std::copy(x + (frames - 1 - f) * C, x + (frames - f) * C,
                  reversed.begin() + static_cast<std::ptrdiff_t>(f * C));
    }
    s.band.execute(reversed, frames);
}

// Event and activity thresholds on the squared envelope, from the current noise floor. A
// channel whose floor is zero (digitally silent) gets an unreachable threshold.
void set_thresholds(const DetectorState& s, std::vector<float>& threshold,
                    std::vector<float>& active_level) {
    for (std::size_t c = 0; c < s.channels; ++c) {
        const float floor = s.noise_floor.value(c);
        const float safe = floor > 0 ? floor : 1e30f;
        threshold[c] = static_cast<float>(s.o.threshold * s.o.threshold) * safe * safe;
        active_level[c] =
            static_cast<float>(s.o.voluntary_level * s.o.voluntary_level) * safe * safe;
    }
}

// Slow band of the segment: the decimated rows the pass wrote, filtered, and their RMS.
std::vector<float> slow_band_rms(DetectorState& s, std::size_t rows) {
    const std::size_t C = s.channels;
    s.slow.execute(std::span<float>(s.decimated.data(), rows * C), rows);
    std::vector<double> energy(C, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < C; ++c) {
            const float v = s.decimated[r * C + c];
            energy[c] += static_cast<double>(v) * v;
        }
    }
    std::vector<float> rms(C);
    for (std::size_t c = 0; c < C; ++c) {
        rms[c] = static_cast<float>(std::sqrt(energy[c] / static_cast<double>(rows)));
    }
    return rms;
}

// One segment of raw frames (the caller's or the staging buffer; not modified), of which
// `readable_frames` (>= frames) can be read.
void process_segment(DetectorState& s, const float* raw, std::size_t frames,
                     std::size_t readable_frames) {
    const std::size_t C = s.channels;
    const std::size_t padded = s.band.state_stride();  // per-channel arrays of the pass
    std::swap(s.filtered, s.previous_filtered);
    s.previous_first = s.filtered_first;
    s.previous_frames = s.filtered_frames;
    s.filtered_first = s.frames_seen;
    s.filtered_frames = frames;
    float* x = s.filtered.data();
    SegmentRecord record;
    record.index = s.segment_index++;
    record.first = s.frames_seen;
    record.frames = frames;
    inspect_raw(s, raw, frames, record.flat_channels);
    record.flat = std::all_of(record.flat_channels.begin(), record.flat_channels.end(),
                              [](std::uint8_t f) { return f != 0; });
    for (std::size_t c = 0; c < C; ++c) {
        if (record.flat_channels[c] != 0) s.flat_frames[c] += static_cast<Frame>(frames);
    }

    // 1. One pass over the samples (segment_pass.hpp): slow-band sums, band-pass and notches,
    // envelope (one-pole smoothing of the squared signal), and on the way how many samples lie
    // within the current floor (for the robust noise estimate of step 3) and the gate counts
    // against the thresholds of the floor so far (step 4).
    std::vector<float> noise_reference(padded, 0.0f), threshold(padded, 0.0f),
        active_level(padded, 0.0f);
    for (std::size_t c = 0; c < C && record.index > 0; ++c) {
        noise_reference[c] = s.noise_floor.value(c);
    }
    set_thresholds(s, threshold, active_level);
    std::vector<std::uint32_t> below_count(padded, 0), active_count(padded, 0),
        above_count(padded, 0), crossing_count(padded, 0);
    const std::vector<std::uint32_t> previous_above = s.previous_above;
    std::fill(s.band_energy.begin(), s.band_energy.end(), 0.0f);
    if (record.index == 0) warm_up(s, raw, frames);
    detail::SegmentPass pass{frames,
                             C,
                             raw,
                             x,
                             s.envelope.data(),
                             s.envelope_alpha,
                             s.envelope_state.data(),
                             s.band_energy.data(),
                             noise_reference.data(),
                             below_count.data(),
                             threshold.data(),
                             active_level.data(),
                             s.previous_above.data(),
                             active_count.data(),
                             above_count.data(),
                             crossing_count.data()};
    if (s.o.artefact_ratio > 0) {
        pass.decimation = s.decimation;
        pass.decimation_phase = s.slow_count;
        pass.slow_sum = s.slow_sum.data();
        pass.decimated = s.decimated.data();
    }
    pass.readable_frames = readable_frames;
    const std::size_t slow_rows = detail::run_segment_pass(s.band, pass);

    // 2. Artefacts. A movement artefact is slow and large: its slow-band RMS stands out from
    // the slow band's own history, also exceeds the band-passed RMS (a large twitch's does not)
    // and stands far above the EMG noise floor (slow drift does not).
    bool artefact = false;
    if (s.o.artefact_ratio > 0) {
        s.slow_count = (s.slow_count + frames) % s.decimation;
    }
    if (slow_rows > 0) {
        record.slow_rms = slow_band_rms(s, slow_rows);
        // A flat channel's segments stay out of the histories (+inf: no value), so that the
        // floors after a lead-off are those from before it.
        std::vector<float> slow_history = record.slow_rms;
        for (std::size_t c = 0; c < C; ++c) {
            if (record.flat_channels[c] != 0) slow_history[c] = kNoValue;
        }
        s.slow_floor.push(slow_history);
        record.band_rms.resize(C);
        for (std::size_t c = 0; c < C; ++c) {
            const float band_rms = std::sqrt(s.band_energy[c] / static_cast<float>(frames));
            record.band_rms[c] = band_rms;
            const float slow = record.slow_rms[c];
            const bool candidate = record.index >= 4 && record.flat_channels[c] == 0 &&
                                   slow > s.o.artefact_ratio * s.slow_floor.value(c);
            const double level = s.o.artefact_level * s.noise_floor.value(c);
            if (candidate && slow > band_rms && slow > level) artefact = true;
        }
    }

    // 3. Robust noise sigma of this segment, and the floor over the history.
    // For Gaussian noise of sigma s, the fraction p of |x| below a reference r is
    // erf(r / (s sqrt 2)), so s = r / (sqrt 2 erfinv p): a quantile estimate like the median of
    // |x| (which a few twitches hardly move), from a count made in the envelope loop. The first
    // segment, with no reference yet, takes the median of |x| over a subsample.
    record.sigma.resize(C);
    for (std::size_t c = 0; c < C; ++c) {
        if (noise_reference[c] > 0) {
            const double scale = frames == s.segment_frames
                                     ? s.below_fraction_scales[below_count[c]]
                                     : below_fraction_scale(below_count[c], frames);
            record.sigma[c] = static_cast<float>(noise_reference[c] / scale);
            continue;
        }
        const std::size_t step = std::max<std::size_t>(1, frames / kNoiseSamplesPerSegment);
        s.scratch.clear();
        for (std::size_t f = 0; f < frames; f += step) s.scratch.push_back(std::abs(x[f * C + c]));
        record.sigma[c] = static_cast<float>(kMadToSigma * median_of(s.scratch));
    }
    if (std::any_of(record.flat_channels.begin(), record.flat_channels.end(),
                    [](std::uint8_t f) { return f != 0; })) {
        std::vector<float> history = record.sigma;
        for (std::size_t c = 0; c < C; ++c) {
            if (record.flat_channels[c] != 0) history[c] = kNoValue;
        }
        s.noise_floor.push(history);
    } else {
        s.noise_floor.push(record.sigma);
    }

    // 4. Duty cycle of activity (voluntary gate). The gates were counted against the floor
    // before this segment's estimate; where that moved the floor, they are counted again.
    std::vector<float> moved_threshold(padded, 0.0f), moved_active_level(padded, 0.0f);
    set_thresholds(s, moved_threshold, moved_active_level);
    if (moved_threshold != threshold || moved_active_level != active_level) {
        threshold.swap(moved_threshold);
        active_level.swap(moved_active_level);
        std::copy(previous_above.begin(), previous_above.end(), s.previous_above.begin());
        for (auto* counts : {&active_count, &above_count, &crossing_count}) {
            std::fill(counts->begin(), counts->end(), 0u);
        }
        pass.threshold = threshold.data();
        pass.active_level = active_level.data();
        detail::count_gates(pass);
    }
    // Voluntary activity lifts the whole segment: its robust noise estimate (which a few
    // twitches hardly move) rises above the floor, the envelope stays up most of the time, or
    // it crosses the threshold more often than twitching units fire.
    std::size_t voluntary_channels = 0;
    s.segment_raised = false;
    for (std::size_t c = 0; c < C; ++c) {
        if (record.flat_channels[c] != 0) continue;  // no signal, no activity
        const bool raised = record.sigma[c] > s.o.voluntary_level * s.noise_floor.value(c);
        s.segment_raised = s.segment_raised || raised;
        const bool crowded = static_cast<double>(crossing_count[c]) >=
                             s.o.voluntary_crossings_per_s * static_cast<double>(frames) / s.fs;
        const bool busy = crowded || static_cast<double>(active_count[c]) >
                                         s.o.voluntary_duty_cycle * static_cast<double>(frames);
        if (raised || busy) ++voluntary_channels;
    }
    record.active = voluntary_channels >= std::max<std::size_t>(1, s.o.voluntary_min_channels);
    record.artefact = artefact;
    // A notch of width B rings for about 1 / (pi B) seconds after the start; five of those too.
    const double notch_settling =
        s.notches_hz.empty() ? 0.0 : 5.0 / (std::numbers::pi * s.o.mains_notch_bandwidth_hz);
    record.settling = static_cast<double>(record.first) < (s.o.settling_s + notch_settling) * s.fs;
    s.recent.push_back(std::move(record));

    // 5. Events per channel, only where something crossed or an event is open. A peak near the
    // end of the previous segment is tested for a glitch first, now that the frames after it
    // are here.
    const Frame first = s.frames_seen;
    s.raw = raw;
    s.raw_first = first;
    s.raw_frames = frames;
    for (std::size_t c = 0; c < C; ++c) {
        auto& open = s.open[c];
        if (open.pending) detail::check_glitch(s, c);
        if (above_count[c] == 0 && !open.active) {
            if (open.pending &&
                first + static_cast<Frame>(frames) - open.event.onset >= s.refractory_frames) {
                emit_channel_event(s, open.event);
                open.pending = false;
            }
            continue;
        }
        scan_events(s, c, first, frames, threshold[c]);
    }
    keep_raw_tail(s, raw, frames);
    s.raw = nullptr;
    s.frames_seen += static_cast<Frame>(frames);
    finalize_segments(s, false);
}

void push_frames(DetectorState& s, const float* frames, std::size_t count) {
    const std::size_t C = s.channels;
    while (count > 0) {
        if (s.segment_fill == 0 && count >= s.segment_frames) {
            // A whole segment in the caller's block is processed where it lies.
            process_segment(s, frames, s.segment_frames, count);
            frames += s.segment_frames * C;
            count -= s.segment_frames;
            continue;
        }
        const std::size_t take = std::min(count, s.segment_frames - s.segment_fill);
        std::copy(frames, frames + take * C,
                  s.staging.begin() + static_cast<std::ptrdiff_t>(s.segment_fill * C));
        s.segment_fill += take;
        frames += take * C;
        count -= take;
        if (s.segment_fill == s.segment_frames) {
            process_segment(s, s.staging.data(), s.segment_fill, s.segment_fill);
            s.segment_fill = 0;
        }
    }
}

void release_probe(DetectorState& s) {
    const std::size_t frames = s.probe.size() / s.channels;
    decide_mains(s, frames);
    push_frames(s, s.probe.data(), frames);
    s.probe.clear();
    s.probe.shrink_to_fit();
}

}  // namespace

Detector::Detector(std::size_t channels, double sample_rate_hz, DetectOptions options)
    : state_(
          std::make_unique<detail::DetectorState>(channels, sample_rate_hz, std::move(options))) {
    configure(*state_);
    reset();
}

Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;

void Detector::reset() {
    auto& s = *state_;
    const std::size_t C = s.channels;
    // Notches found by a previous run are dropped: the band is designed afresh.
    s.notches_hz.clear();
    s.mains_hz = 0;
    configure(s);
    s.mains_decided = s.o.mains != "auto";
    if (s.mains_decided) decide_mains(s, 0);
    s.probe.clear();
    const std::size_t padded = s.band.state_stride();
    s.slow_sum.assign(padded, 0.0f);
    s.slow_count = 0;
    s.decimated.assign((s.segment_frames / s.decimation + 1) * C, 0.0f);
    s.staging.assign(s.segment_frames * C, 0.0f);
    s.filtered.assign(s.segment_frames * C, 0.0f);
    s.previous_filtered.assign(s.segment_frames * C, 0.0f);
    s.filtered_first = s.previous_first = 0;
    s.segment_raised = false;
    s.filtered_frames = s.previous_frames = 0;
    s.envelope.assign(s.segment_frames * C, 0.0f);
    s.envelope_state.assign(padded, 0.0f);
    s.band_energy.assign(padded, 0.0f);
    s.segment_fill = 0;
    s.segment_index = 0;
    s.frames_seen = 0;
    s.noise_floor.reset();
    s.slow_floor.reset();
    s.open.assign(C, {});
    s.last_event.assign(C, {});
    s.previous_above.assign(padded, 0);
    s.recent.clear();
    s.finalized_until = 0;
    s.merge_pool.clear();
    s.out.clear();
    s.exclusions.clear();
    s.excluded_frames = 0;
    s.noise_sum.assign(C, 0.0);
    s.noise_segments.assign(C, 0);
    s.header_step.resize(C, 0.0f);
    s.data_step.assign(C, std::numeric_limits<float>::infinity());
    s.data_differences.assign(C, 0);
    s.floor_minimum.assign(C, 0.0f);
    s.flat_frames.assign(C, 0);
    s.flat_analysed_frames.assign(C, 0);
    s.raw = nullptr;
    s.raw_tail.clear();
    s.raw_tail_first = 0;
    s.raw_tail_frames = 0;
    s.glitches.clear();
    s.echoes.clear();
    s.anchors.clear();
    s.finished = false;
}

void Detector::execute(std::span<const float> frames, std::size_t frame_count, double start_s) {
    auto& s = *state_;
    if (s.finished) throw std::logic_error("Detector::execute after finish");
    if (frames.size() < frame_count * s.channels) {
        throw std::invalid_argument("Detector::execute: fewer samples than frames x channels");
    }
    const Frame next = s.frames_seen + static_cast<Frame>(s.segment_fill) +
                       static_cast<Frame>(s.probe.size() / s.channels);
    if (s.anchors.empty() || std::abs(s.time_of(next) - start_s) > 0.5 / s.fs) {
        s.anchors.emplace_back(next, start_s);
    }
    if (!s.mains_decided) {
        const std::size_t have = s.probe.size() / s.channels;
        const std::size_t take = std::min(frame_count, s.probe_target - have);
        s.probe.insert(s.probe.end(), frames.begin(),
                       frames.begin() + static_cast<std::ptrdiff_t>(take * s.channels));
        frames = frames.subspan(take * s.channels);
        frame_count -= take;
        if (s.probe.size() / s.channels < s.probe_target) return;
        release_probe(s);
    }
    push_frames(s, frames.data(), frame_count);
}

void Detector::execute(std::span<const float> frames, std::size_t frame_count) {
    auto& s = *state_;
    const Frame next = s.frames_seen + static_cast<Frame>(s.segment_fill) +
                       static_cast<Frame>(s.probe.size() / s.channels);
    execute(frames, frame_count, s.time_of(next));
}

void Detector::finish() {
    auto& s = *state_;
    if (s.finished) return;
    if (!s.mains_decided) release_probe(s);
    if (s.segment_fill > 0) {
        process_segment(s, s.staging.data(), s.segment_fill, s.segment_fill);
        s.segment_fill = 0;
    }
    for (auto& open : s.open) {
        if (open.pending) emit_channel_event(s, open.event);
        open = {};
    }
    finalize_segments(s, true);
    merge_events(s, 0, true);
    s.finished = true;
}

std::vector<DetectedEvent> Detector::take_events() {
    std::vector<DetectedEvent> events;
    events.swap(state_->out);
    return events;
}

const std::vector<Exclusion>& Detector::exclusions() const { return state_->exclusions; }
double Detector::processed_s() const {
    return static_cast<double>(state_->frames_seen) / state_->fs;
}
double Detector::excluded_s() const {
    return static_cast<double>(state_->excluded_frames) / state_->fs;
}
std::vector<double> Detector::noise_rms() const {
    const auto& s = *state_;
    std::vector<double> rms(s.channels, 0.0);
    for (std::size_t c = 0; c < s.channels; ++c) {
        if (s.noise_segments[c] == 0) continue;
        rms[c] = s.noise_sum[c] / static_cast<double>(s.noise_segments[c]);
    }
    return rms;
}
std::vector<DroppedEcho> Detector::take_echoes() {
    std::vector<DroppedEcho> echoes;
    echoes.swap(state_->echoes);
    return echoes;
}
std::vector<Glitch> Detector::take_glitches() {
    std::vector<Glitch> glitches;
    glitches.swap(state_->glitches);
    return glitches;
}
void Detector::set_resolution(std::span<const double> steps) {
    auto& s = *state_;
    if (steps.size() != s.channels) {
        throw std::invalid_argument("Detector::set_resolution: one step per channel");
    }
    for (std::size_t c = 0; c < s.channels; ++c) {
        s.header_step[c] =
            std::isfinite(steps[c]) && steps[c] > 0 ? static_cast<float>(steps[c]) : 0.0f;
    }
}
std::vector<double> Detector::flat_s() const {
    std::vector<double> out;
    for (Frame f : state_->flat_frames) out.push_back(static_cast<double>(f) / state_->fs);
    return out;
}
std::vector<double> Detector::flat_analysed_s() const {
    std::vector<double> out;
    for (Frame f : state_->flat_analysed_frames) out.push_back(static_cast<double>(f) / state_->fs);
    return out;
}
double Detector::mains_hz() const { return state_->mains_hz; }
std::vector<double> Detector::notch_frequencies_hz() const { return state_->notches_hz; }

}  // namespace twitchwatch::signal
