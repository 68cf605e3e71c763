// The streaming twitch detector: band-pass and mains notches, envelope, robust noise floor,
// voluntary / artefact gate, per-channel events with a refractory period, merging across
// channels. docs/detection.md explains each step and option.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <numbers>

#include "filters.hpp"
#include "running_quantile.hpp"
#include "segment_pass.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::signal {
namespace {

using Frame = std::int64_t;  // frame index since the start of the stream

// 1.4826 x median(|x|) estimates the standard deviation of Gaussian noise robustly.
constexpr double kMadToSigma = 1.4826;
// Samples per segment and channel used for the robust noise estimate (enough for a median,
// few enough to keep its cost small next to the filters).
constexpr std::size_t kNoiseSamplesPerSegment = 64;
// Rate of the decimated signal for the slow (artefact) band, in multiples of its upper edge.
constexpr double kSlowBandOversampling = 8.0;
// The history median is recomputed every few segments once it is established.
constexpr std::size_t kFloorUpdateEvery = 16;

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

struct ChannelEvent {
    Frame onset = 0, end = 0;  // threshold crossing (refractory, echo) and end
    Frame start = 0;           // the reported onset: the crossing traced back
    Frame peak_frame = 0;
    std::size_t channel = 0;
    float peak = 0;
    float floor = 0;
};

struct OpenEvent {
    bool active = false;
    bool pending = false;  // an event that may still be extended (within the refractory period)
    ChannelEvent event;
};

struct SegmentRecord {
    std::int64_t index = 0;
    Frame first = 0;
    std::size_t frames = 0;
    bool active = false;  // raised noise or busy envelope (voluntary if sustained)
    bool artefact = false;
    bool settling = false;                  // the filters are still settling (start of the stream)
    std::vector<float> sigma;               // robust noise sigma per channel
    std::vector<float> slow_rms, band_rms;  // per channel, for the review of the start
    std::vector<ChannelEvent> events;
};

}  // namespace

struct detail::DetectorState {
    std::size_t channels;
    double fs;
    DetectOptions o;

    std::size_t segment_frames = 0;
    std::size_t padding_segments = 0, lag_segments = 0, voluntary_min_segments = 1;
    std::size_t review_segments = 0;
    Frame refractory_frames = 0, min_frames = 0, max_frames = 0, merge_frames = 0, copy_frames = 0;
    Frame lookback_frames = 0, onset_gap_frames = 0, doublet_frames = 0;
    float envelope_alpha = 0;
    // below_fraction_scale(below, segment_frames) for every count, computed once.
    std::vector<double> below_fraction_scales;

    // Mains probe: raw frames held until the mains frequency is decided.
    bool mains_decided = false;
    std::vector<float> probe;
    std::size_t probe_target = 0;
    std::vector<double> notches_hz;
    double mains_hz = 0;

    detail::BiquadCascade band;
    // Slow band for artefacts: block means (decimation) then a band-pass at the low rate.
    std::size_t decimation = 1;
    detail::BiquadCascade slow;
    std::vector<float> slow_sum;   // per channel (padded): raw sum since the last decimated row
    std::size_t slow_count = 0;    // frames in slow_sum
    std::vector<float> decimated;  // one segment's decimated rows

    // staging: raw frames of a segment that arrived in pieces; filtered and envelope: the
    // segment after the pass. Per-channel arrays are padded as the pass needs.
    std::vector<float> staging, filtered, envelope, envelope_state, band_energy, scratch;
    // The previous segment's band-passed frames, kept for the doublet test of events that
    // began there: (first frame, frame count) of each buffer.
    std::vector<float> previous_filtered;
    std::vector<float> scratch_event;    // one event's band-passed samples (doublet test)
    std::vector<double> scratch_energy;  // and their running energy
    // Whether the noise of some channel is raised in the segment being scanned (step 4): no
    // doublet test there; contraction makes crossings by the thousand, and they are excluded
    // when it lasts.
    bool segment_raised = false;
    Frame filtered_first = 0, previous_first = 0;
    std::size_t filtered_frames = 0, previous_frames = 0;
    std::size_t segment_fill = 0;
    std::int64_t segment_index = 0;
    Frame frames_seen = 0;
    detail::RunningQuantile noise_floor, slow_floor;
    std::vector<OpenEvent> open;
    std::vector<std::uint32_t> previous_above;  // per channel: envelope above threshold
    std::vector<ChannelEvent> last_event;       // per channel, the last one emitted
    Frame echo_frames = 0;
    std::deque<SegmentRecord> recent;  // not yet final, plus padding_segments final ones
    std::int64_t finalized_until = 0;  // segments below this index are final
    std::vector<ChannelEvent> merge_pool;
    std::vector<DetectedEvent> out;
    std::vector<Exclusion> exclusions;
    Frame excluded_frames = 0;
    std::vector<double> noise_sum;
    std::size_t noise_segments = 0;
    // Recording time of frames: (first frame, time) at every discontinuity.
    std::deque<std::pair<Frame, double>> anchors;
    bool finished = false;

    DetectorState(std::size_t c, double rate, DetectOptions options)
        : channels(c),
          fs(rate),
          o(std::move(options)),
          noise_floor(c, 1, 0.5, kFloorUpdateEvery),
          slow_floor(c, 1, 0.5, kFloorUpdateEvery) {}

    double time_of(Frame frame) const {
        for (auto it = anchors.rbegin(); it != anchors.rend(); ++it) {
            if (it->first <= frame) return it->second + static_cast<double>(frame - it->first) / fs;
        }
        return anchors.empty() ? static_cast<double>(frame) / fs
                               : anchors.front().second +
                                     static_cast<double>(frame - anchors.front().first) / fs;
    }
};

namespace {

void configure(detail::DetectorState& s) {
    const auto& o = s.o;
    const double fs = s.fs;
    if (s.channels == 0) throw InputError("detect: no channels to analyse");
    if (!(fs > 0) || !std::isfinite(fs)) throw InputError("detect: sample rate must be positive");
    if (!(o.segment_s > 0) || !(o.noise_history_s >= o.segment_s) || !(o.threshold > 0) ||
        o.refractory_s < 0 || o.onset_lookback_s < 0 || o.onset_level < 0 || o.onset_gap_s < 0 ||
        o.onset_phase_level < o.onset_level || !(o.envelope_time_constant_s > 0) ||
        o.merge_window_s < 0 || o.copy_window_s < 0 || o.doublet_min_interval_s < 0 ||
        !(o.doublet_correlation > 0 && o.doublet_correlation <= 1) ||
        !(o.max_event_duration_s > o.min_event_duration_s) || o.exclusion_padding_s < 0 ||
        !(o.voluntary_duty_cycle > 0) || !(o.mains_notch_bandwidth_hz > 0) || o.echo_ratio < 0 ||
        o.echo_window_s < 0 || !(o.noise_floor_quantile > 0 && o.noise_floor_quantile < 1) ||
        o.start_review_s < 0 || o.start_review_s > o.noise_history_s) {
        throw InputError("detect: an option is out of range (see twitchwatch detect --help)");
    }
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
    s.min_frames = static_cast<Frame>(std::llround(o.min_event_duration_s * fs));
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
    const double nyquist_limit = 0.45 * fs;
    if (o.band_low_hz > 0 && o.band_low_hz < nyquist_limit) {
        sections = detail::butterworth_highpass(o.band_order, o.band_low_hz, fs);
    }
    if (o.band_high_hz > 0) {
        auto low =
            detail::butterworth_lowpass(o.band_order, std::min(o.band_high_hz, nyquist_limit), fs);
        sections.insert(sections.end(), low.begin(), low.end());
    }
    s.band = detail::BiquadCascade(sections, s.channels);

    if (o.artefact_ratio > 0) {
        s.decimation = std::max<std::size_t>(
            1, static_cast<std::size_t>(fs / (kSlowBandOversampling * o.artefact_band_high_hz)));
        const double slow_fs = fs / static_cast<double>(s.decimation);
        auto slow = detail::butterworth_highpass(2, o.artefact_band_low_hz, slow_fs);
        auto low = detail::butterworth_lowpass(2, std::min(o.artefact_band_high_hz, 0.45 * slow_fs),
                                               slow_fs);
        slow.insert(slow.end(), low.begin(), low.end());
        s.slow = detail::BiquadCascade(slow, s.channels);
    }
    const auto history = static_cast<std::size_t>(std::ceil(o.noise_history_s / segment_s));
    s.noise_floor =
        detail::RunningQuantile(s.channels, history, o.noise_floor_quantile, kFloorUpdateEvery);
    s.slow_floor = detail::RunningQuantile(s.channels, history, 0.5, kFloorUpdateEvery);

    if (o.mains == "auto") {
        s.probe_target = std::max<std::size_t>(1, static_cast<std::size_t>(o.mains_probe_s * fs));
    } else if (o.mains != "off" && o.mains != "50" && o.mains != "60") {
        throw InputError("detect: mains must be auto, off, 50 or 60, got '" + o.mains + "'");
    }
}

// Notches at the harmonics of base_hz below the band's upper edge (all of them, or those with
// power standing out when `present` is given).
void add_notches(detail::DetectorState& s, double base_hz, const std::vector<bool>& present) {
    const double top = std::min(s.o.band_high_hz > 0 ? s.o.band_high_hz : s.fs / 2, 0.45 * s.fs);
    for (int k = 1; k <= s.o.mains_harmonics; ++k) {
        const double f = k * base_hz;
        if (f >= top) break;
        if (!present.empty() && !present[static_cast<std::size_t>(k - 1)]) continue;
        s.band.add_section(detail::notch(f, f / s.o.mains_notch_bandwidth_hz, s.fs));
        s.notches_hz.push_back(f);
    }
    if (!s.notches_hz.empty()) s.mains_hz = base_hz;
}

// Power at each harmonic against the power a few hertz beside it, summed over channels.
std::vector<double> harmonic_ratios(const detail::DetectorState& s, std::size_t frames,
                                    double base) {
    const double top = std::min(s.o.band_high_hz > 0 ? s.o.band_high_hz : s.fs / 2, 0.45 * s.fs);
    constexpr std::array<double, 4> kOffsets = {-7.0, -4.0, 4.0, 7.0};
    std::vector<double> tones;  // per harmonic: itself, then the offsets beside it
    for (int k = 1; k <= s.o.mains_harmonics && k * base + 8 < top; ++k) {
        tones.push_back(k * base);
        for (double offset : kOffsets) tones.push_back(k * base + offset);
    }
    const auto power = detail::goertzel_power(s.probe, frames, s.channels, tones, s.fs);
    std::vector<double> ratios;
    for (std::size_t first = 0; first < tones.size(); first += 1 + kOffsets.size()) {
        double on = 0, beside = 0;
        for (double p : power[first]) on += p;
        for (std::size_t o = 1; o <= kOffsets.size(); ++o) {
            for (double p : power[first + o]) beside += p / 4;
        }
        ratios.push_back(beside > 0 ? on / beside : 0);
    }
    return ratios;
}

// Mains is rarely exactly 50 or 60 Hz (grid and sample clock both drift), and a narrow notch
// 0.1 Hz off leaves a tenth of it. The strongest harmonic's frequency is found to 0.005 x k Hz
// within +-0.5 Hz of the nominal (coarse then fine search of the summed power) and the base
// follows from it.
double refine_mains(const detail::DetectorState& s, std::size_t frames, double base,
                    const std::vector<double>& ratios) {
    const auto strongest =
        static_cast<std::size_t>(std::max_element(ratios.begin(), ratios.end()) - ratios.begin());
    const double k = static_cast<double>(strongest + 1);
    double best = k * base, best_power = 0;
    bool have_best = false;
    for (double step : {0.05, 0.005}) {
        const double centre = best;
        const double span = step == 0.05 ? 0.5 * k : 0.05 * k;
        std::vector<double> tones;
        if (!have_best) tones.push_back(best);  // the nominal harmonic is the first candidate
        for (double f = centre - span; f <= centre + span + 1e-9; f += step * k) tones.push_back(f);
        const auto power = detail::goertzel_power(s.probe, frames, s.channels, tones, s.fs);
        for (std::size_t t = 0; t < tones.size(); ++t) {
            double sum = 0;
            for (double p : power[t]) sum += p;
            if (!have_best || sum > best_power) {
                best_power = sum;
                best = tones[t];
                have_best = true;
            }
        }
    }
    return best / k;
}

void decide_mains(detail::DetectorState& s, std::size_t frames) {
    s.mains_decided = true;
    if (s.o.mains == "off") return;
    if (s.o.mains == "50" || s.o.mains == "60") {
        add_notches(s, s.o.mains == "50" ? 50.0 : 60.0, {});
        return;
    }
    // Needs at least a quarter second for 1 Hz-ish resolution next to 4 Hz offsets.
    if (frames < static_cast<std::size_t>(0.25 * s.fs)) return;
    double best_score = 0, best_base = 0;
    std::vector<double> best_ratios;
    for (double base : {50.0, 60.0}) {
        auto ratios = harmonic_ratios(s, frames, base);
        // The first three harmonics of 50 and 60 Hz never coincide, so they decide the base.
        double score = 0;
        for (std::size_t k = 0; k < std::min<std::size_t>(3, ratios.size()); ++k) {
            score = std::max(score, ratios[k]);
        }
        if (score > best_score) {
            best_score = score;
            best_base = base;
            best_ratios = std::move(ratios);
        }
    }
    if (best_score < s.o.mains_detect_ratio) return;
    std::vector<bool> present(static_cast<std::size_t>(s.o.mains_harmonics), false);
    for (std::size_t k = 0; k < best_ratios.size(); ++k) {
        present[k] = best_ratios[k] >= s.o.mains_detect_ratio;
    }
    add_notches(s, refine_mains(s, frames, best_base, best_ratios), present);
}

void emit_one(detail::DetectorState& s, const ChannelEvent& e) {
    // Filters ring after a large potential; a much smaller event just after it on the same
    // channel is that echo. (The second discharge of a doublet is as large as the first.)
    auto& last = s.last_event[e.channel];
    if (last.peak > 0 && e.onset - last.onset <= s.echo_frames &&
        e.peak < s.o.echo_ratio * last.peak) {
        return;
    }
    last = e;
    const auto index = e.onset / static_cast<Frame>(s.segment_frames);
    for (auto& record : s.recent) {
        if (record.index == index) {
            record.events.push_back(e);
            return;
        }
    }
    // Its segment is already final (only possible for very long events): not counted.
}

// Channel c's band-passed samples of frames [from, to), if the current and the previous
// segment still hold them all.
bool band_passed(const detail::DetectorState& s, std::size_t c, Frame from, Frame to,
                 std::vector<float>& out) {
    const Frame previous_end = s.previous_first + static_cast<Frame>(s.previous_frames);
    const Frame current_end = s.filtered_first + static_cast<Frame>(s.filtered_frames);
    const bool contiguous = s.previous_frames > 0 && previous_end == s.filtered_first;
    const Frame earliest = contiguous ? s.previous_first : s.filtered_first;
    if (from < earliest || to > current_end || from >= to) return false;
    out.resize(static_cast<std::size_t>(to - from));
    for (Frame f = from; f < to; ++f) {
        const bool current = f >= s.filtered_first;
        const auto& buffer = current ? s.filtered : s.previous_filtered;
        const Frame row = f - (current ? s.filtered_first : s.previous_first);
        out[static_cast<std::size_t>(f - from)] =
            buffer[static_cast<std::size_t>(row) * s.channels + c];
    }
    return true;
}

// A unit that fires twice in quick succession (a doublet, 10-110 ms apart) can give one event:
// the second discharge begins before the envelope of the first has fallen, or within the
// refractory period. The second part of such an event repeats the first. Returns the lag (in
// frames, 0 if none) at which the band-passed event correlates best with itself, its first part
// against the part that follows, if that correlation reaches doublet_correlation and both parts
// are of about the same size (energy within echo_ratio^2 of each other). A long polyphasic
// potential does not repeat itself.
// Uses s.scratch_event (left holding the event's samples) and s.scratch_energy.
Frame doublet_lag(detail::DetectorState& s, const ChannelEvent& e) {
    auto& y = s.scratch_event;
    const Frame length = e.end - e.start;
    // Both parts compared over at least doublet_min_interval_s: a few samples of band-passed
    // noise correlate well by chance.
    if (s.doublet_frames <= 0 || length < 2 * s.doublet_frames || s.segment_raised) return 0;
    if (!band_passed(s, e.channel, e.start, e.end, y)) return 0;
    // Energies of any stretch from running sums; the cross products in eight float lanes (the
    // compiler keeps them in one vector register) because this runs for every event.
    const auto n = static_cast<std::size_t>(length);
    auto& energy = s.scratch_energy;
    energy.assign(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        energy[i + 1] = energy[i] + static_cast<double>(y[i]) * y[i];
    const double size_ratio = s.o.echo_ratio * s.o.echo_ratio;
    double best = s.o.doublet_correlation;
    Frame best_lag = 0;
    for (Frame lag = s.doublet_frames; lag + s.doublet_frames <= length; ++lag) {
        const auto shift = static_cast<std::size_t>(lag);
        const std::size_t width = std::min(shift, n - shift);
        const double first = energy[width];
        const double second = energy[shift + width] - energy[shift];
        if (!(first > 0 && second > 0) || second < size_ratio * first ||
            first < size_ratio * second) {
            continue;
        }
        std::array<float, 8> lanes{};
        std::size_t i = 0;
        for (; i + lanes.size() <= width; i += lanes.size()) {
            for (std::size_t k = 0; k < lanes.size(); ++k) lanes[k] += y[i + k] * y[shift + i + k];
        }
        double cross = 0;
        for (; i < width; ++i) cross += static_cast<double>(y[i]) * y[shift + i];
        for (float lane : lanes) cross += lane;
        const double correlation = cross / std::sqrt(first * second);
        if (correlation > best) {
            best = correlation;
            best_lag = lag;
        }
    }
    return best_lag;
}

void emit_channel_event(detail::DetectorState& s, const ChannelEvent& e) {
    const Frame duration = e.end - e.onset;
    if (duration < s.min_frames || duration > s.max_frames) return;
    const Frame lag = doublet_lag(s, e);
    const auto& y = s.scratch_event;
    if (lag == 0) {
        emit_one(s, e);
        return;
    }
    // Two events, each with the peak of its own part, if the second is large enough to be a
    // twitch.
    ChannelEvent first = e, second = e;
    first.end = e.start + lag;
    first.onset = std::min(e.onset, first.end - 1);
    second.start = second.onset = e.start + lag;
    first.peak = second.peak = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        auto& part = static_cast<Frame>(i) < lag ? first : second;
        if (std::abs(y[i]) > part.peak) {
            part.peak = std::abs(y[i]);
            part.peak_frame = e.start + static_cast<Frame>(i);
        }
    }
    if (!(second.peak > s.o.threshold * e.floor)) {
        emit_one(s, e);
        return;
    }
    emit_one(s, first);
    emit_one(s, second);
}

void add_exclusion(detail::DetectorState& s, double start, double end, const std::string& reason) {
    if (!s.exclusions.empty() && s.exclusions.back().reason == reason &&
        std::abs(s.exclusions.back().end_s - start) < 1e-9) {
        s.exclusions.back().end_s = end;
    } else {
        s.exclusions.push_back({start, end, reason});
    }
}

// Peaks within the merge window on different channels are one twitch seen by several
// electrodes; it is placed on the channel where it stands highest above the noise. Peaks, not
// onsets, are compared: a weak copy on a neighbour crosses the threshold later than the original.
void merge_events(detail::DetectorState& s, Frame safe_until, bool flush) {
    auto& pool = s.merge_pool;
    std::sort(pool.begin(), pool.end(), [](const ChannelEvent& a, const ChannelEvent& b) {
        return a.peak_frame < b.peak_frame;
    });
    std::vector<bool> taken(pool.size(), false);
    std::vector<std::size_t> cluster;
    const std::size_t already_out = s.out.size();
    // Events overlapping in time join too, whatever their peaks' distance: a large potential
    // reaches a neighbour widened and late, and its peak there can come after the merge window.
    const Frame reach = s.merge_frames + s.max_frames + s.copy_frames;
    std::size_t i = 0;
    for (; i < pool.size(); ++i) {
        if (taken[i]) continue;
        if (!flush && pool[i].peak_frame + reach >= safe_until) break;
        cluster.assign(1, i);
        taken[i] = true;
        for (std::size_t j = i + 1;
             j < pool.size() && pool[j].peak_frame - pool[i].peak_frame <= reach; ++j) {
            const bool same_channel = std::any_of(cluster.begin(), cluster.end(), [&](auto k) {
                return pool[k].channel == pool[j].channel;
            });
            const bool close = pool[j].peak_frame - pool[i].peak_frame <= s.merge_frames;
            const bool overlapping = std::any_of(cluster.begin(), cluster.end(), [&](auto k) {
                return pool[j].onset <= pool[k].end && pool[k].onset <= pool[j].end;
            });
            if (taken[j] || same_channel || !(close || overlapping)) continue;
            cluster.push_back(j);
            taken[j] = true;
        }
        const auto snr = [&](std::size_t k) { return pool[k].peak / pool[k].floor; };
        const auto best = *std::max_element(cluster.begin(), cluster.end(),
                                            [&](auto a, auto b) { return snr(a) < snr(b); });
        // A large potential reaches farther electrodes widened and delayed (volume conduction),
        // so a much weaker event that begins on another channel soon after it is the same
        // twitch even when neither its peak nor its extent meets the twitch's own.
        for (std::size_t j = i + 1;
             j < pool.size() && pool[j].peak_frame - pool[i].peak_frame <= reach; ++j) {
            const Frame after = pool[j].onset - pool[best].start;
            if (taken[j] || pool[j].channel == pool[best].channel || after < 0 ||
                after > s.copy_frames || !(snr(j) < s.o.echo_ratio * snr(best))) {
                continue;
            }
            cluster.push_back(j);
            taken[j] = true;
        }
        const auto& e = pool[best];
        s.out.push_back({s.time_of(e.start), static_cast<double>(e.end - e.start) / s.fs, e.channel,
                         e.peak, e.floor > 0 ? e.peak / e.floor : 0, cluster.size()});
    }
    // Keep what is not merged yet (events taken by a cluster are gone).
    std::vector<ChannelEvent> rest;
    for (std::size_t k = i; k < pool.size(); ++k) {
        if (!taken[k]) rest.push_back(pool[k]);
    }
    pool.swap(rest);
    // Keep the output in onset order; new events only interleave with the last few.
    const auto by_onset = [](const DetectedEvent& a, const DetectedEvent& b) {
        return a.onset_s < b.onset_s;
    };
    const auto middle = s.out.begin() + static_cast<std::ptrdiff_t>(already_out);
    std::sort(middle, s.out.end(), by_onset);
    if (middle != s.out.end()) {
        const auto from = std::upper_bound(s.out.begin(), middle, *middle, by_onset);
        std::inplace_merge(from, middle, s.out.end(), by_onset);
    }
}

const SegmentRecord* find_segment(const detail::DetectorState& s, std::int64_t index) {
    for (const auto& r : s.recent) {
        if (r.index == index) return &r;
    }
    return nullptr;
}

// Voluntary contraction is sustained: an active segment counts only within a run of at least
// voluntary_min_segments active ones (a single large twitch, or the ringing after it, is short).
// The first start_review_s are judged again once the floor has a history: a contraction at the
// very start of a recording lifts the floor it is first compared with.
bool in_review(const detail::DetectorState& s, const SegmentRecord* r) {
    return r->index < static_cast<std::int64_t>(s.review_segments) && !r->settling;
}

bool active(const detail::DetectorState& s, const SegmentRecord* r) {
    if (r == nullptr) return false;
    if (r->active) return true;
    if (!in_review(s, r)) return false;
    std::size_t raised = 0;
    for (std::size_t c = 0; c < s.channels; ++c) {
        raised += r->sigma[c] > s.o.voluntary_level * s.noise_floor.value(c) ? 1 : 0;
    }
    return raised >= std::max<std::size_t>(1, s.o.voluntary_min_channels);
}

bool voluntary(const detail::DetectorState& s, std::int64_t index) {
    if (!active(s, find_segment(s, index))) return false;
    const auto needed = static_cast<std::int64_t>(s.voluntary_min_segments);
    std::int64_t run = 1;
    for (std::int64_t i = index - 1; run < needed; --i, ++run) {
        if (!active(s, find_segment(s, i))) break;
    }
    for (std::int64_t i = index + 1; run < needed; ++i, ++run) {
        if (!active(s, find_segment(s, i))) break;
    }
    return run >= needed;
}

bool artefact(const detail::DetectorState& s, const SegmentRecord* r) {
    if (r->artefact) return true;
    if (!in_review(s, r) || r->slow_rms.empty()) return false;
    for (std::size_t c = 0; c < s.channels; ++c) {
        const float slow = r->slow_rms[c];
        if (slow > r->band_rms[c] && slow > s.o.artefact_level * s.noise_floor.value(c) &&
            slow > s.o.artefact_ratio * s.slow_floor.value(c)) {
            return true;
        }
    }
    return false;
}

const char* reason_of(const detail::DetectorState& s, std::int64_t index) {
    const auto* r = find_segment(s, index);
    if (r == nullptr) return nullptr;
    if (artefact(s, r)) return "artefact";
    return voluntary(s, index) ? "voluntary" : nullptr;
}

// Makes segments final once the padding after them is known.
void finalize_segments(detail::DetectorState& s, bool flush) {
    const auto P = static_cast<std::int64_t>(s.padding_segments);
    const std::int64_t last_known = s.recent.empty() ? -1 : s.recent.back().index;
    while (true) {
        auto it = std::find_if(s.recent.begin(), s.recent.end(), [&](const SegmentRecord& r) {
            return r.index == s.finalized_until;
        });
        if (it == s.recent.end()) break;
        if (!flush && s.finalized_until + static_cast<std::int64_t>(s.lag_segments) > last_known) {
            break;
        }
        // The start is held until it can be reviewed against an established floor.
        if (!flush && last_known < static_cast<std::int64_t>(s.review_segments)) break;
        const std::int64_t index = s.finalized_until;
        const char* reason = it->settling ? "settling" : reason_of(s, index);
        for (std::int64_t d = 1; d <= P && reason == nullptr; ++d) {
            reason = reason_of(s, index - d);
            if (reason == nullptr) reason = reason_of(s, index + d);
        }
        const double start = s.time_of(it->first);
        const double end = start + static_cast<double>(it->frames) / s.fs;
        if (reason != nullptr) {
            add_exclusion(s, start, end, reason);
            s.excluded_frames += static_cast<Frame>(it->frames);
        } else {
            s.merge_pool.insert(s.merge_pool.end(), it->events.begin(), it->events.end());
            for (std::size_t c = 0; c < s.channels; ++c) s.noise_sum[c] += it->sigma[c];
            ++s.noise_segments;
        }
        it->events.clear();
        ++s.finalized_until;
        merge_events(s, it->first + static_cast<Frame>(it->frames), false);
        // Keep the final segments that later ones still look back at.
        while (!s.recent.empty() &&
               s.recent.front().index <
                   s.finalized_until - P - static_cast<std::int64_t>(s.voluntary_min_segments)) {
            s.recent.pop_front();
        }
    }
    while (s.anchors.size() > 1 && !s.recent.empty() &&
           s.anchors[1].first <= s.recent.front().first - s.max_frames) {
        s.anchors.pop_front();
    }
}

// Filters started from rest ring on the first samples (a DC offset or mains is a step for
// them). Running them first over the first segment played backwards leaves them in a state that
// continues smoothly into the real start.
void warm_up(detail::DetectorState& s, const float* x, std::size_t frames) {
    const std::size_t C = s.channels;
    std::vector<float> reversed(frames * C);
    for (std::size_t f = 0; f < frames; ++f) {
        std::copy(x + (frames - 1 - f) * C, x + (frames - f) * C,
                  reversed.begin() + static_cast<std::ptrdiff_t>(f * C));
    }
    s.band.execute(reversed, frames);
}

// Where the event crossing the threshold at frame f of the segment began: traced back while the
// envelope stays above onset_level (squared), at most onset_lookback_s, within this segment and
// not into the channel's previous event (which ended at previous_end). Dips of up to
// onset_gap_s are crossed to an earlier stretch whose envelope rises above phase_level: where a
// wide biphasic potential changes sign its envelope falls, and a first phase too small to cross
// the threshold is still where the potential began (noise rarely rises that high). Right after
// an event of this channel the stretch before a dip is that event's tail, so none is crossed.
std::size_t traced_onset(const detail::DetectorState& s, const float* envelope, Frame first,
                         std::size_t f, Frame previous_end, float onset_level, float phase_level) {
    const std::size_t C = s.channels;
    const Frame g = first + static_cast<Frame>(f);
    const Frame earliest = std::max(g - s.lookback_frames, previous_end + 1);
    const auto allowed = [&](std::size_t frame) {
        return first + static_cast<Frame>(frame) >= earliest;
    };
    const auto above = [&](std::size_t frame) { return envelope[frame * C] > onset_level; };
    std::size_t start = f;
    while (start > 0 && allowed(start - 1) && above(start - 1)) --start;
    const Frame gap = previous_end + s.lookback_frames >= g ? 0 : s.onset_gap_frames;
    while (gap > 0) {
        std::size_t run_end = start;  // one past the earlier stretch
        while (run_end > 0 && allowed(run_end - 1) && !above(run_end - 1) &&
               static_cast<Frame>(start - run_end) <= gap) {
            --run_end;
        }
        if (static_cast<Frame>(start - run_end) > gap || run_end == 0 || !allowed(run_end - 1)) {
            break;
        }
        std::size_t run_start = run_end;
        float highest = 0;
        while (run_start > 0 && allowed(run_start - 1) && above(run_start - 1)) {
            --run_start;
            highest = std::max(highest, envelope[run_start * C]);
        }
        if (!(highest > phase_level)) break;
        start = run_start;
    }
    return start;
}

// The events of channel c in this segment. While an event is open every frame counts; otherwise
// nothing changes until the envelope rises above the threshold, except that a pending event is
// emitted once its refractory time has run out, so the scan jumps to that frame.
void scan_events(detail::DetectorState& s, std::size_t c, Frame first, std::size_t frames,
                 float threshold) {
    const std::size_t C = s.channels;
    const float* envelope = s.envelope.data() + c;
    const float* x = s.filtered.data() + c;
    auto& open = s.open[c];
    const float floor = s.noise_floor.value(c);
    const float onset_level = static_cast<float>(s.o.onset_level * s.o.onset_level) * floor * floor;
    const float phase_level =
        static_cast<float>(s.o.onset_phase_level * s.o.onset_phase_level) * floor * floor;
    std::size_t f = 0;
    while (f < frames) {
        if (!open.active) {
            std::size_t next = f;
            while (next < frames && !(envelope[next * C] > threshold)) ++next;
            if (open.pending &&
                open.event.onset + s.refractory_frames < first + static_cast<Frame>(next)) {
                emit_channel_event(s, open.event);
                open.pending = false;
            }
            if (next == frames) break;
            f = next;
            const Frame g = first + static_cast<Frame>(f);
            if (open.pending && g - open.event.onset < s.refractory_frames) {
                open.active = true;  // too soon for a new twitch: the same event goes on
            } else {
                if (open.pending) emit_channel_event(s, open.event);
                const std::size_t start =
                    traced_onset(s, envelope, first, f, open.event.end, onset_level, phase_level);
                open.event = {g, g, first + static_cast<Frame>(start), g, c, 0.0f, floor};
                open.active = true;
                open.pending = true;
            }
        }
        // The open event's peak, up to and including the frame where the envelope falls.
        float peak = open.event.peak;
        Frame peak_frame = open.event.peak_frame;
        std::size_t k = f;
        for (; k < frames; ++k) {
            const float magnitude = std::abs(x[k * C]);
            if (magnitude > peak) {
                peak = magnitude;
                peak_frame = first + static_cast<Frame>(k);
            }
            if (!(envelope[k * C] > threshold)) break;
        }
        open.event.peak = peak;
        open.event.peak_frame = peak_frame;
        if (k == frames) break;
        open.active = false;
        open.event.end = first + static_cast<Frame>(k);
        f = k + 1;
    }
    if (open.active) open.event.end = first + static_cast<Frame>(frames);
}

// Event and activity thresholds on the squared envelope, from the current noise floor. A
// channel whose floor is zero (digitally silent) gets an unreachable threshold.
void set_thresholds(const detail::DetectorState& s, std::vector<float>& threshold,
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
std::vector<float> slow_band_rms(detail::DetectorState& s, std::size_t rows) {
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

// One segment of raw frames (the caller's or the staging buffer; not modified).
void process_segment(detail::DetectorState& s, const float* raw, std::size_t frames) {
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
        s.slow_floor.push(record.slow_rms);
        record.band_rms.resize(C);
        for (std::size_t c = 0; c < C; ++c) {
            const float band_rms = std::sqrt(s.band_energy[c] / static_cast<float>(frames));
            record.band_rms[c] = band_rms;
            const float slow = record.slow_rms[c];
            const bool candidate =
                record.index >= 4 && slow > s.o.artefact_ratio * s.slow_floor.value(c);
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
    s.noise_floor.push(record.sigma);

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

    // 5. Events per channel, only where something crossed or an event is open.
    const Frame first = s.frames_seen;
    for (std::size_t c = 0; c < C; ++c) {
        auto& open = s.open[c];
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
    s.frames_seen += static_cast<Frame>(frames);
    finalize_segments(s, false);
}

void push_frames(detail::DetectorState& s, const float* frames, std::size_t count) {
    const std::size_t C = s.channels;
    while (count > 0) {
        if (s.segment_fill == 0 && count >= s.segment_frames) {
            // A whole segment in the caller's block is processed where it lies.
            process_segment(s, frames, s.segment_frames);
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
            process_segment(s, s.staging.data(), s.segment_fill);
            s.segment_fill = 0;
        }
    }
}

void release_probe(detail::DetectorState& s) {
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
    s.noise_segments = 0;
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
        process_segment(s, s.staging.data(), s.segment_fill);
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
    if (s.noise_segments == 0) return rms;
    for (std::size_t c = 0; c < s.channels; ++c) {
        rms[c] = s.noise_sum[c] / static_cast<double>(s.noise_segments);
    }
    return rms;
}
double Detector::mains_hz() const { return state_->mains_hz; }
std::vector<double> Detector::notch_frequencies_hz() const { return state_->notches_hz; }

}  // namespace twitchwatch::signal
