// The heartbeat search (src/signal/detect/heartbeat.hpp) on event lists made here: a heart's
// rhythm among random twitches is found and followed through the beats not seen; random
// twitches alone, however many, show no heartbeat.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "detect/heartbeat.hpp"
#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::signal::detail {
namespace {

HeartbeatRule default_rule() { return heartbeat_rule(DetectOptions::for_kind(ChannelKind::emg)); }

struct Events {
    std::vector<double> onsets, peaks;
    void add(double t, double peak) {
        onsets.push_back(t);
        peaks.push_back(peak);
    }
    void sort() {
        std::vector<std::size_t> order(onsets.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return onsets[a] < onsets[b]; });
        Events sorted;
        for (auto i : order) sorted.add(onsets[i], peaks[i]);
        *this = sorted;
    }
};

// Beats at `bpm`, moved by breathing (+-4 % at 0.25 Hz) and 1 % from beat to beat.
std::vector<double> heart(double bpm, double duration_s, std::mt19937& rng) {
    std::normal_distribution<double> jitter(0, 0.01);
    std::vector<double> beats;
    for (double t = 0.4; t < duration_s;) {
        beats.push_back(t);
        t += 60 / bpm * (1 + 0.04 * std::sin(2 * M_PI * 0.25 * t) + jitter(rng));
    }
    return beats;
}

// Random twitches: a Poisson process of `per_min`, sizes (SNR) 4 to 20.
void add_twitches(Events& events, double per_min, double duration_s, std::mt19937& rng) {
    std::exponential_distribution<double> gap(per_min / 60);
    std::uniform_real_distribution<double> size(4, 20);
    for (double t = gap(rng); t < duration_s; t += gap(rng)) events.add(t, size(rng));
}

TEST(SignalHeartbeat, RandomTwitchesAloneShowNoHeartbeat) {
    for (const double per_min : {10.0, 40.0, 120.0, 240.0}) {
        for (unsigned seed = 1; seed <= 5; ++seed) {
            std::mt19937 rng(seed);
            Events events;
            add_twitches(events, per_min, 600, rng);
            const auto found = find_heartbeat(events.onsets, events.peaks, default_rule());
            EXPECT_TRUE(found.beats_s.empty())
                << per_min << "/min, seed " << seed << ": " << found.beats_s.size() << " beats";
        }
    }
}

TEST(SignalHeartbeat, EqualSizedRandomTwitchesShowNoHeartbeatEither) {
    // The size test cannot help here: every twitch is of one size.
    for (unsigned seed = 1; seed <= 5; ++seed) {
        std::mt19937 rng(seed);
        std::exponential_distribution<double> gap(120.0 / 60);
        Events events;
        for (double t = gap(rng); t < 600; t += gap(rng)) events.add(t, 8);
        EXPECT_TRUE(find_heartbeat(events.onsets, events.peaks, default_rule()).beats_s.empty())
            << "seed " << seed;
    }
}

TEST(SignalHeartbeat, AHeartAmongTwitchesIsFoundAndFollowedThroughBeatsNotSeen) {
    std::mt19937 rng(7);
    const auto beats = heart(70, 300, rng);
    Events events;
    std::bernoulli_distribution seen(0.8);
    std::uniform_real_distribution<double> size(9, 11);
    for (std::size_t i = 0; i < beats.size(); ++i) {
        // The first 20 beats are all seen (a seed); later one in five is below the threshold.
        if (i < 20 || seen(rng)) events.add(beats[i], size(rng));
    }
    add_twitches(events, 40, 300, rng);
    events.sort();
    const auto rule = default_rule();
    const auto found = find_heartbeat(events.onsets, events.peaks, rule);
    ASSERT_FALSE(found.beats_s.empty());
    EXPECT_NEAR(found.beats_per_min, 70, 3);
    // Every beat, seen or not, has a beat of the result within its window, up to the last seen
    // (after it the rhythm cannot be told from its end).
    std::size_t covered = 0;
    for (double beat : beats) {
        const auto near =
            std::lower_bound(found.beats_s.begin(), found.beats_s.end(), beat - rule.after_s);
        if (near != found.beats_s.end() && *near <= beat + rule.before_s) ++covered;
    }
    // Measured 90 %: where a beat is not seen and a twitch of the heart's size falls near its
    // place, the rhythm may follow the twitch for a while.
    EXPECT_GE(static_cast<double>(covered), 0.85 * static_cast<double>(beats.size()));
    // Beats are beats: no more than the heart gave.
    EXPECT_LE(found.beats_s.size(), beats.size());
}

TEST(SignalHeartbeat, AFastHeartIsFollowedAtItsOwnRateNotEveryOtherBeat) {
    // A seed at twice the interval (every other beat) has a window twice as wide in seconds and
    // lasts through missed beats that stop the heart's own: the beats between must be found.
    for (const double bpm : {100.0, 140.0, 180.0}) {
        std::mt19937 rng(static_cast<unsigned>(bpm));
        const auto beats = heart(bpm, 300, rng);
        Events events;
        std::bernoulli_distribution seen(0.8);
        for (double beat : beats) {
            if (seen(rng)) events.add(beat, 10);
        }
        add_twitches(events, 40, 300, rng);
        events.sort();
        const auto found = find_heartbeat(events.onsets, events.peaks, default_rule());
        EXPECT_NEAR(found.beats_per_min, bpm, 0.03 * bpm) << bpm;
        EXPECT_GE(static_cast<double>(found.beats_s.size()),
                  0.9 * static_cast<double>(beats.size()))
            << bpm;
    }
}

TEST(SignalHeartbeat, AHeartAtTheSlowestRateIsFoundThoughBreathingStretchesSomeBeats) {
    std::mt19937 rng(40);
    Events events;
    for (double beat : heart(40, 300, rng)) events.add(beat, 10);
    EXPECT_NEAR(find_heartbeat(events.onsets, events.peaks, default_rule()).beats_per_min, 40, 1);
}

TEST(SignalHeartbeat, ARhythmSlowerThanTheSlowestLookedForIsNotOne) {
    std::mt19937 rng(3);
    Events events;
    for (double beat : heart(30, 300, rng)) events.add(beat, 10);  // below 40 a minute
    EXPECT_TRUE(find_heartbeat(events.onsets, events.peaks, default_rule()).beats_s.empty());
}

TEST(SignalHeartbeat, NoSearchWhenSwitchedOff) {
    std::mt19937 rng(5);
    Events events;
    for (double beat : heart(70, 120, rng)) events.add(beat, 10);
    auto rule = default_rule();
    ASSERT_FALSE(find_heartbeat(events.onsets, events.peaks, rule).beats_s.empty());
    rule.min_beats = 0;
    EXPECT_TRUE(find_heartbeat(events.onsets, events.peaks, rule).beats_s.empty());
}

}  // namespace
}  // namespace twitchwatch::signal::detail
