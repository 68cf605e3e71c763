#pragma once
// Events in step with a heartbeat. Electrodes over the trunk, the neck or the upper arm pick up
// the heart's electrical signal (ECG); each beat then crosses the twitch threshold like a
// twitch, 60 to 80 times a minute, and would read as a storm of twitching that never fades.
// Twitches fire irregularly; a heartbeat is a steady beat of events of one size.
//
// 1. Seeds: a run of events in a row, each one interval after the previous within
//    `seed_tolerance` of the interval (which may drift from beat to beat), of similar peaks, at
//    least `min_beats` long and so long that random events at the recording's rate would line up
//    so evenly less than `chance_seeds` times. A recording without a seed has no heartbeat.
// 2. The beats: from each seed the rhythm is followed forward, and backward from the first one to
//    the start and from each later one to where the rhythm followed before it was lost:
//    the next beat is looked for n intervals (the median of the last few) after the last one
//    seen, within `tolerance` x sqrt(n) of it; the n - 1 beats not seen between are placed
//    evenly, and after more than `max_missed` of them in a row the rhythm is lost.
// 3. The events from `before_s` before to `after_s` after a beat are the heartbeat's (the parts
//    of its QRS complex); the caller does not analyse that time.
//
// An irregular rhythm (ectopic beats, atrial fibrillation) forms no seed. Where none is found,
// find_irregular_heartbeat looks for the heart by what does not depend on the rhythm: every beat
// gives the same event (one size, one duration, seen on as many channels: the heart is far from
// all electrodes), at a heart's mean rate, hardly ever two within the shortest beat interval,
// and most intervals near their median (random twitches of one kind are far more spread). An
// ectopic beat has a shape of its own: each kind of beat is such a class.

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::signal::detail {

struct HeartbeatRule {
    std::size_t min_beats = 0;  // events a seed needs at least (0: no search)
    double chance_seeds = 0;    // seeds random events may form per recording: sets their length
    double seed_tolerance = 0, tolerance = 0;  // fractions of the interval
    std::size_t max_missed = 0;
    double min_interval_s = 0, max_interval_s = 0;
    double peak_ratio = 0;  // beats differ in peak by at most this factor
    double before_s = 0, after_s = 0;
    std::size_t irregular_min_beats = 0;    // 0: no irregular search
    std::size_t irregular_max_centres = 0;  // events tried as a class's centre, at most
    double irregular_min_interval_s = 0;    // mean interval of the slowest irregular beat
    double irregular_duration_ratio = 0;
    double irregular_spread = 0, irregular_share = 0, irregular_stray_share = 0;
    std::size_t ectopic_min_beats = 0;  // 0: no search for ectopic beats
    double ectopic_lag_tolerance = 0;   // fraction of the lag after the beat before
    double hidden_after_s = 0;          // an echo a beat hid counts from this long after it
};

// A detected event as find_irregular_heartbeat compares it with others.
struct BeatCandidate {
    double onset_s = 0, peak = 0, duration_s = 0;  // peak as SNR, > 0
    std::size_t channels_seen = 1;
};

struct Heartbeat {
    std::vector<double> beats_s;  // ascending, seen or not (empty: no heartbeat)
    double beats_per_min = 0;     // 60 / the median interval between beats (irregular: mean)
    bool irregular = false;
};

// The rule of a detector's options (the heartbeat_* entries of knowledge/detection.toml).
HeartbeatRule heartbeat_rule(const DetectOptions& options);

// `onsets_s` ascending; `peaks` (same length) > 0.
Heartbeat find_heartbeat(std::span<const double> onsets_s, std::span<const double> peaks,
                         const HeartbeatRule& rule);

// `events` ascending by onset. The beats are the events of the classes found (one of any two
// closer than the shortest beat interval); beats_per_min is their mean rate.
Heartbeat find_irregular_heartbeat(std::span<const BeatCandidate> events,
                                   const HeartbeatRule& rule);

// Premature (ectopic) beats of a heart found, added to its beats: a class of events (as above)
// outside the beats' windows that mostly follow the beat before at one lag (the coupling
// interval). A steady rhythm with an ectopic beat every fifth or tenth beat is found and
// followed, and its ectopic beats, of another shape, are otherwise counted as twitches.
void add_ectopic_beats(std::span<const BeatCandidate> events, Heartbeat& heartbeat,
                       const HeartbeatRule& rule);

// An event dropped as the echo of a larger one shortly before it on its channel (DroppedEcho).
struct HiddenCandidate {
    double onset_s = 0, duration_s = 0, peak = 0;  // peak as SNR
    std::size_t channel = 0;
    double after_onset_s = 0;  // onset of the larger event
};

// The echo rule (echo_window_s, echo_ratio) and the merge window of the detector's options.
struct EchoRule {
    double window_s = 0, ratio = 0, merge_s = 0;
    // Whether an event of `peak` `gap_s` after one of `earlier_peak` on its channel is that
    // one's echo: the rule of the detector's event step (is_echo_of in events.cpp), in seconds.
    bool drops(double gap_s, double peak, double earlier_peak) const {
        return gap_s <= window_s && peak < ratio * earlier_peak;
    }
};

struct Hidden {
    std::size_t echo = 0;  // index into the echoes
    std::size_t channels_seen = 1;
    // The twitch counted already that this one is part of (seen on another channel, where no
    // beat hid it), as an index into `counted`.
    std::optional<std::size_t> joins;
};

// The twitches the heart's beats hid: the echo rule dropped an event that followed a larger
// one on its channel, and that larger one lies in a beat's window (it was the QRS complex, not
// a twitch ringing). Such an event is a twitch if it lies outside every beat's window itself
// (and at least hidden_after_s after the beat) and is no echo of another such event on its
// channel (the rule replayed without the beat). When a twitch counted already (`counted`,
// ascending) lies within merge_s, it is that twitch seen on one more channel: it `joins` it,
// and the twitch is placed where it is largest, as the merge across channels does. Otherwise
// events of several channels within merge_s of the first are one twitch, on the channel where
// it is largest. `echoes` ascending by onset; returns them in that order.
std::vector<Hidden> hidden_by_beats(std::span<const HiddenCandidate> echoes,
                                    std::span<const double> beats,
                                    std::span<const BeatCandidate> counted,
                                    const HeartbeatRule& rule, const EchoRule& echo);

}  // namespace twitchwatch::signal::detail
