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
// 2. The beats: from each seed the rhythm is followed forward (and from the first one backward):
//    the next beat is looked for n intervals (the median of the last few) after the last one
//    seen, within `tolerance` x sqrt(n) of it; the n - 1 beats not seen between are placed
//    evenly, and after more than `max_missed` of them in a row the rhythm is lost.
// 3. The events from `before_s` before to `after_s` after a beat are the heartbeat's (the parts
//    of its QRS complex); the caller does not analyse that time.

#include <cstddef>
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
};

struct Heartbeat {
    std::vector<double> beats_s;  // ascending, seen or not (empty: no heartbeat)
    double beats_per_min = 0;     // 60 / the median interval between beats
};

// The rule of a detector's options (the heartbeat_* entries of knowledge/detection.toml).
HeartbeatRule heartbeat_rule(const DetectOptions& options);

// `onsets_s` ascending; `peaks` (same length) > 0.
Heartbeat find_heartbeat(std::span<const double> onsets_s, std::span<const double> peaks,
                         const HeartbeatRule& rule);

}  // namespace twitchwatch::signal::detail
