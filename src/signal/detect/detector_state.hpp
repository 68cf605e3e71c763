#pragma once
// The detector's state and the steps that work on it, shared by the files of the detector:
// detector.cpp (configuration, the pass over each segment, the public Detector), mains.cpp
// (finding the mains frequency and its notches), events.cpp (events per channel, doublets,
// merging across channels) and exclusions.cpp (voluntary and artefact gates, final segments).
// docs/detection.md explains each step.

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "cache_line_vector.hpp"
#include "filters.hpp"
#include "running_quantile.hpp"
#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::signal::detail {

using Frame = std::int64_t;  // frame index since the start of the stream

// The history quantiles are recomputed every few segments once they are established.
inline constexpr std::size_t kFloorUpdateEvery = 16;
// Widest excursion (samples) the glitch test considers, whatever glitch_max_s x the rate, and
// the most samples on either side of it whose steps it is compared with.
inline constexpr Frame kGlitchMaxSamples = 4;
inline constexpr Frame kGlitchContext = 8;
// The glitch test reads a peak's raw neighbourhood: an excursion starting up to 3 frames before
// the band-passed peak or 1 after it, and its context. Raw frames kept from before each segment
// for it (a peak near a segment's end is tested at the next one).
inline constexpr Frame kGlitchBefore = 3 + 1 + kGlitchContext;
inline constexpr Frame kGlitchAfter = 1 + kGlitchMaxSamples + kGlitchContext;
inline constexpr std::size_t kRawTailFrames = 32;
static_assert(kRawTailFrames >= static_cast<std::size_t>(kGlitchBefore + kGlitchAfter));

struct ChannelEvent {
    Frame onset = 0, end = 0;  // threshold crossing (refractory, echo) and end
    Frame start = 0;           // the reported onset: the crossing traced back
    Frame peak_frame = 0;
    std::size_t channel = 0;
    float peak = 0;
    float floor = 0;
    bool glitch = false;  // the raw signal at the peak is a glitch (glitch_max_s), not a twitch
};

struct OpenEvent {
    bool active = false;
    bool pending = false;  // an event that may still be extended (within the refractory period)
    ChannelEvent event;
    Frame checked_peak = -1;  // the peak frame whose raw neighbourhood was tested for a glitch
};

struct SegmentRecord {
    std::int64_t index = 0;
    Frame first = 0;
    std::size_t frames = 0;
    bool active = false;  // raised noise or busy envelope (voluntary if sustained)
    bool artefact = false;
    bool settling = false;  // the filters are still settling (start of the stream)
    bool flat = false;      // every channel's raw samples are all equal
    std::vector<std::uint8_t> flat_channels;  // per channel: its raw samples are all equal
    std::vector<float> sigma;                 // robust noise sigma per channel
    std::vector<float> slow_rms, band_rms;    // per channel, for the review of the start
    std::vector<ChannelEvent> events;
};

struct DetectorState {
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
    // segment after the pass. Per-channel arrays are padded as the pass needs; the frame-major
    // ones start on a cache line (cache_line_vector.hpp).
    CacheLineVector<float> staging, filtered, envelope;
    std::vector<float> envelope_state, band_energy, scratch;
    // The previous segment's band-passed frames, kept for the doublet test of events that
    // began there: (first frame, frame count) of each buffer.
    CacheLineVector<float> previous_filtered;
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
    std::vector<std::size_t> noise_segments;  // per channel: analysed segments, not flat

    // Resolution (docs/detection.md, step 4): the digital step from the file's header (0: not
    // known) and the smallest non-zero difference between neighbouring raw samples seen, over
    // the first kResolutionDifferences such differences; the floor's minimum follows from them.
    std::vector<float> header_step, data_step;
    std::vector<std::uint32_t> data_differences;
    std::vector<float> floor_minimum;
    double rounding_band_factor = 0;  // band-passed rounding noise RMS per unit of step
    // Flat time per channel: in all segments, and in the segments analysed (not excluded).
    std::vector<Frame> flat_frames, flat_analysed_frames;

    // Glitch test (events.cpp): the raw frames of the segment being processed and the last
    // kRawTailFrames frames before it (frame-major), for the raw neighbourhood of a peak.
    const float* raw = nullptr;
    Frame raw_first = 0;
    std::size_t raw_frames = 0;
    std::vector<float> raw_tail;
    Frame raw_tail_first = 0;
    std::size_t raw_tail_frames = 0;
    std::vector<Glitch> glitches;
    std::vector<DroppedEcho> echoes;  // events dropped as echoes (events.cpp, emit_one)
    // Largest |band-passed value| the band-pass makes of a pulse of 1 lasting w samples
    // (index w, 1 to kGlitchMaxSamples): how much of an event's peak an excursion explains.
    std::array<float, kGlitchMaxSamples + 1> pulse_peak{};
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

// mains.cpp: decides the mains frequency from the first `frames` held in s.probe (or from the
// option) and adds its notches to the band-pass.
void decide_mains(DetectorState& s, std::size_t frames);

// events.cpp
// The events of channel c in the segment just filtered (frames from `first` on), against the
// squared-envelope threshold.
void scan_events(DetectorState& s, std::size_t c, Frame first, std::size_t frames, float threshold);
// Tests the open event of channel c for a glitch at its current peak when the raw frames
// around the peak are at hand (s.raw and s.raw_tail) and it has not been tested there yet.
void check_glitch(DetectorState& s, std::size_t c);
// A channel's event once its refractory period is over: checked for length, split if it is a
// doublet, dropped if it is an echo, and filed with its segment.
void emit_channel_event(DetectorState& s, const ChannelEvent& e);
// Merges the final events that can no longer gain members (peaks before safe_until, or all of
// them when flushing) into twitches in s.out.
void merge_events(DetectorState& s, Frame safe_until, bool flush);

// exclusions.cpp: makes segments final once the segments after them are known (all of them
// when flushing): excluded, or their events passed on to merging.
void finalize_segments(DetectorState& s, bool flush);

}  // namespace twitchwatch::signal::detail
