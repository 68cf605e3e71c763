// Events per channel (threshold crossings with a refractory period, their onsets traced back,
// doublets split, echoes dropped) and their merging across channels into twitches
// (docs/detection.md, steps 6 and 7).
#include <algorithm>
#include <array>
#include <cmath>

#include "detector_state.hpp"

namespace twitchwatch::signal::detail {
namespace {

// The echo rule: filters ring after a large potential; a much smaller event just after it on
// the same channel is that echo. (The second discharge of a doublet is as large as the first.)
// EchoRule::drops is the same rule in seconds, for the heartbeat search.
bool is_echo_of(const DetectorState& s, const ChannelEvent& last, const ChannelEvent& e) {
    return last.peak > 0 && e.onset - last.onset <= s.echo_frames &&
           e.peak < s.o.echo_ratio * last.peak;
}

void emit_one(DetectorState& s, const ChannelEvent& e) {
    auto& last = s.last_event[e.channel];
    if (is_echo_of(s, last, e)) {
        // Kept aside: if the larger event proves to be a heartbeat's (the heartbeat search runs
        // on the whole recording, after this), this was a twitch the beat hid.
        s.echoes.push_back({{s.time_of(e.start), static_cast<double>(e.end - e.start) / s.fs,
                             e.channel, e.peak, e.floor > 0 ? e.peak / e.floor : 0, 1},
                            s.time_of(last.start)});
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
bool band_passed(const DetectorState& s, std::size_t c, Frame from, Frame to,
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
Frame doublet_lag(DetectorState& s, const ChannelEvent& e) {
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

// Where the event crossing the threshold at frame f of the segment began: traced back while the
// envelope stays above onset_level (squared), at most onset_lookback_s, within this segment and
// not into the channel's previous event (which ended at previous_end). Dips of up to
// onset_gap_s are crossed to an earlier stretch whose envelope rises above phase_level: where a
// wide biphasic potential changes sign its envelope falls, and a first phase too small to cross
// the threshold is still where the potential began (noise rarely rises that high). Right after
// an event of this channel the stretch before a dip is that event's tail, so none is crossed.
std::size_t traced_onset(const DetectorState& s, const float* envelope, Frame first, std::size_t f,
                         Frame previous_end, float onset_level, float phase_level) {
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

// Channel c's raw sample at frame f, if the segment being processed or the tail kept before it
// holds it.
bool raw_sample(const DetectorState& s, std::size_t c, Frame f, float& out) {
    if (s.raw != nullptr && f >= s.raw_first &&
        f < s.raw_first + static_cast<Frame>(s.raw_frames)) {
        out = s.raw[static_cast<std::size_t>(f - s.raw_first) * s.channels + c];
        return true;
    }
    if (f >= s.raw_tail_first && f < s.raw_tail_first + static_cast<Frame>(s.raw_tail_frames)) {
        out = s.raw_tail[static_cast<std::size_t>(f - s.raw_tail_first) * s.channels + c];
        return true;
    }
    return false;
}

// A glitch (an electrode pop, a bit error) is a raw excursion of one or a few samples: the
// signal jumps away and back, each jump at least glitch_ratio x every step beside the
// excursion and inside it, and the band-pass's response to the excursion alone (a pulse of its
// width and of the smaller jump's height) reaches glitch_share of the event's band-passed peak:
// the event is what the band-pass made of the excursion. A motor unit potential lasts several
// milliseconds: sampled, it rises and falls over several samples with steps of comparable size. The
// excursion may start up to 3 frames before the band-passed peak (the filters' delay) or just after
// it. Returns false with `known` false when the raw frames are not at hand (yet).
bool glitch_at(const DetectorState& s, std::size_t c, Frame peak, float peak_value, bool& known) {
    known = false;
    const auto widest = std::min<Frame>(
        kGlitchMaxSamples, static_cast<Frame>(std::floor(s.o.glitch_max_s * s.fs + 1e-9)));
    if (widest < 1) {
        known = true;
        return false;
    }
    // Quick refusal, the usual case: no step near the peak large enough for the band-pass to
    // make the event's peak of it (a potential's steps at its peak are a fraction of it).
    float largest_pulse = 0;
    for (Frame w = 1; w <= widest; ++w) {
        largest_pulse = std::max(largest_pulse, s.pulse_peak[static_cast<std::size_t>(w)]);
    }
    const float needed = static_cast<float>(s.o.glitch_share) * peak_value / largest_pulse;
    float previous = 0;
    bool steep = false;
    for (Frame f = -4; f <= 1 + widest; ++f) {
        float v = 0;
        if (!raw_sample(s, c, peak + f, v)) return false;
        steep = steep || (f > -4 && std::abs(v - previous) >= needed);
        previous = v;
    }
    if (!steep) {
        known = true;
        return false;
    }
    std::array<float, kGlitchBefore + kGlitchAfter + 1> x{};
    for (Frame f = -kGlitchBefore; f <= kGlitchAfter; ++f) {
        if (!raw_sample(s, c, peak + f, x[static_cast<std::size_t>(f + kGlitchBefore)])) {
            return false;
        }
    }
    known = true;
    const auto at = [&](Frame f) { return x[static_cast<std::size_t>(f - peak + kGlitchBefore)]; };
    const float ratio = static_cast<float>(s.o.glitch_ratio);
    const float share = static_cast<float>(s.o.glitch_share);
    // Steps compared within twice the widest glitch on either side (at least 2 samples).
    const Frame context = std::clamp<Frame>(
        static_cast<Frame>(std::lround(2 * s.o.glitch_max_s * s.fs)), 2, kGlitchContext);
    const auto step = [&](Frame i) { return std::abs(at(i + 1) - at(i)); };
    for (Frame start = peak - 3; start <= peak + 1; ++start) {
        for (Frame w = 1; w <= widest; ++w) {
            const float in = at(start) - at(start - 1), out = at(start + w) - at(start + w - 1);
            if (!(in * out < 0)) continue;
            const float jump = std::min(std::abs(in), std::abs(out));
            // Every other step near it: before, inside and after the excursion. A potential's
            // other phases make steps of their own; a glitch stands alone in the noise.
            float beside = 0;
            for (Frame i = start - 1 - context; i < start - 1; ++i)
                beside = std::max(beside, step(i));
            for (Frame i = start; i + 1 < start + w; ++i) beside = std::max(beside, step(i));
            for (Frame i = start + w; i < start + w + context; ++i)
                beside = std::max(beside, step(i));
            // The excursion alone, through the band-pass, makes most of the event's peak.
            const float explained = jump * s.pulse_peak[static_cast<std::size_t>(w)];
            if (explained >= share * peak_value && jump >= ratio * beside) return true;
        }
    }
    return false;
}

}  // namespace

void check_glitch(DetectorState& s, std::size_t c) {
    auto& open = s.open[c];
    if (open.checked_peak == open.event.peak_frame || open.event.peak <= 0) return;
    // Not where some channel's noise is raised (as the doublet test): a contraction makes
    // crossings by the thousand, and it is excluded when it lasts.
    if (s.segment_raised) {
        open.event.glitch = false;
        open.checked_peak = open.event.peak_frame;
        return;
    }
    bool known = false;
    const bool glitch = glitch_at(s, c, open.event.peak_frame, open.event.peak, known);
    if (!known) return;
    open.event.glitch = glitch;
    open.checked_peak = open.event.peak_frame;
}

namespace {

// A glitch is not a twitch: listed apart, but kept as the channel's last event so that the
// band-pass's ringing after it is dropped as its echo.
bool file_glitch(DetectorState& s, const ChannelEvent& e) {
    if (!e.glitch) return false;
    auto& last = s.last_event[e.channel];
    if (is_echo_of(s, last, e)) return true;  // dropped as an echo of an earlier event
    last = e;
    s.glitches.push_back({s.time_of(e.peak_frame), e.channel});
    return true;
}

}  // namespace

void emit_channel_event(DetectorState& s, const ChannelEvent& e) {
    const Frame duration = e.end - e.onset;
    if (duration < s.min_frames || duration > s.max_frames) return;
    if (file_glitch(s, e)) return;
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

// Peaks within the merge window on different channels are one twitch seen by several
// electrodes; it is placed on the channel where it stands highest above the noise. Peaks, not
// onsets, are compared: a weak copy on a neighbour crosses the threshold later than the original.
void merge_events(DetectorState& s, Frame safe_until, bool flush) {
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

// The events of channel c in this segment. While an event is open every frame counts; otherwise
// nothing changes until the envelope rises above the threshold, except that a pending event is
// emitted once its refractory time has run out, so the scan jumps to that frame.
void scan_events(DetectorState& s, std::size_t c, Frame first, std::size_t frames,
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
                open.checked_peak = -1;
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
        check_glitch(s, c);
        if (k == frames) break;
        open.active = false;
        open.event.end = first + static_cast<Frame>(k);
        f = k + 1;
    }
    if (open.active) open.event.end = first + static_cast<Frame>(frames);
}

}  // namespace twitchwatch::signal::detail
