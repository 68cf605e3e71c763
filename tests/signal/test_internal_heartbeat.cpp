// The heartbeat search (src/signal/detect/heartbeat.hpp) on event lists made here: a heart's
// rhythm among random twitches is found and followed through the beats not seen; random
// twitches alone, however many, show no heartbeat.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
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

TEST(SignalHeartbeat, TheRhythmIsFollowedBackFromEverySeedNotOnlyTheFirst) {
    // The rhythm is lost where no beat is seen for 10 s; after that every eighth beat is not
    // seen for 40 s (no run of sixteen: no seed), then all are. The beats of those 40 s are
    // found only by following the later seed backward: before, they stayed counted.
    std::mt19937 rng(11);
    const auto beats = heart(70, 300, rng);
    Events events;
    std::size_t k = 0;
    for (double beat : beats) {
        if (beat > 100 && beat < 110) continue;
        if (beat >= 110 && beat < 150 && ++k % 8 == 0) continue;
        events.add(beat, 10);
    }
    const auto rule = default_rule();
    const auto found = find_heartbeat(events.onsets, events.peaks, rule);
    ASSERT_FALSE(found.beats_s.empty());
    std::size_t between = 0, covered = 0;
    for (double beat : beats) {
        if (beat < 111 || beat > 150) continue;
        ++between;
        const auto near =
            std::lower_bound(found.beats_s.begin(), found.beats_s.end(), beat - rule.after_s);
        if (near != found.beats_s.end() && *near <= beat + rule.before_s) ++covered;
    }
    EXPECT_GE(between, 40u);
    EXPECT_EQ(covered, between);
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

// Random twitches as BeatCandidates of a recording with `channels` channels: Poisson at
// `per_min`, sizes (SNR) 4 to 20, 5-35 ms, seen on 1-3 channels.
std::vector<BeatCandidate> twitch_candidates(double per_min, double duration_s,
                                             std::size_t channels, std::mt19937& rng) {
    std::exponential_distribution<double> gap(per_min / 60);
    std::uniform_real_distribution<double> size(4, 20), duration(0.005, 0.035);
    std::uniform_int_distribution<std::size_t> seen(1, channels < 3 ? channels : 3);
    std::vector<BeatCandidate> events;
    for (double t = gap(rng); t < duration_s; t += gap(rng)) {
        events.push_back({t, size(rng), duration(rng), seen(rng)});
    }
    return events;
}

void sort_by_onset(std::vector<BeatCandidate>& events) {
    std::sort(events.begin(), events.end(),
              [](const BeatCandidate& a, const BeatCandidate& b) { return a.onset_s < b.onset_s; });
}

std::vector<double> onsets_of(const std::vector<BeatCandidate>& events) {
    std::vector<double> onsets;
    for (const auto& e : events) onsets.push_back(e.onset_s);
    return onsets;
}

std::vector<double> peaks_of(const std::vector<BeatCandidate>& events) {
    std::vector<double> peaks;
    for (const auto& e : events) peaks.push_back(e.peak);
    return peaks;
}

// The share of the true beats among the beats found (the same times: both come from `beats`).
double share_found(const std::vector<double>& beats, const Heartbeat& found) {
    const auto covered = std::count_if(beats.begin(), beats.end(), [&](double beat) {
        return std::binary_search(found.beats_s.begin(), found.beats_s.end(), beat);
    });
    return static_cast<double>(covered) / static_cast<double>(beats.size());
}

// The normal beats of irregular rhythms at about 70 a minute: atrial fibrillation (intervals
// with a CV of 0.2, none below 0.3 s), an ectopic beat every fifth (the normal ones then 1, 1, 1
// and 2 intervals apart: the ectopic beat has another shape, and the pause after it makes up
// for it) and bigeminy (every second beat ectopic: the normal ones two intervals apart, at 35 a
// minute).
std::vector<double> irregular_heart(const std::string& rhythm, double duration_s,
                                    std::mt19937& rng) {
    std::gamma_distribution<double> af(25, 1.0 / 25);
    std::vector<double> beats;
    std::size_t k = 0;
    for (double t = 0.4; t < duration_s; ++k) {
        beats.push_back(t);
        const double interval = 60.0 / 70 * (1 + 0.04 * std::sin(2 * M_PI * 0.25 * t));
        if (rhythm == "af") {
            t += std::max(0.3, interval * af(rng));
        } else if (rhythm == "bigeminy" || k % 4 == 3) {
            t += 2 * interval;
        } else {
            t += interval;
        }
    }
    return beats;
}

TEST(SignalHeartbeat, AnIrregularHeartIsFoundByItsBeatsSameness) {
    const auto rule = default_rule();
    for (const std::string rhythm : {"af", "ectopic", "bigeminy"}) {
        std::mt19937 rng(11);
        const auto beats = irregular_heart(rhythm, 300, rng);
        auto events = twitch_candidates(40, 300, 8, rng);
        // Every beat of one size and duration, seen on all eight channels; one in ten below the
        // threshold.
        std::bernoulli_distribution seen(0.9);
        std::uniform_real_distribution<double> size(15, 18), duration(0.055, 0.095);
        for (double beat : beats) {
            if (seen(rng)) events.push_back({beat, size(rng), duration(rng), 8});
        }
        sort_by_onset(events);
        // No steady beat: every beat was counted as a twitch before.
        EXPECT_TRUE(find_heartbeat(onsets_of(events), peaks_of(events), rule).beats_s.empty())
            << rhythm;
        const auto found = find_irregular_heartbeat(events, rule);
        EXPECT_TRUE(found.irregular) << rhythm;
        EXPECT_GE(share_found(beats, found), 0.85) << rhythm;
        EXPECT_LE(found.beats_s.size(), beats.size()) << rhythm;
    }
}

// Of many events only every n-th is tried as a class's centre (heartbeat_irregular_max_centres):
// half an hour of 300 twitches a minute beside atrial fibrillation, 11,000 events, of which a
// default rule tries one in six.
TEST(SignalHeartbeat, AnIrregularHeartAmongManyTwitchesIsFoundFromEveryNthCentre) {
    const auto rule = default_rule();
    std::mt19937 rng(23);
    const auto beats = irregular_heart("af", 1800, rng);
    auto events = twitch_candidates(300, 1800, 8, rng);
    for (double beat : beats) events.push_back({beat, 16, 0.08, 8});
    sort_by_onset(events);
    ASSERT_GT(events.size(), 5 * rule.irregular_max_centres);
    const auto found = find_irregular_heartbeat(events, rule);
    ASSERT_TRUE(found.irregular);
    EXPECT_GE(share_found(beats, found), 0.9);
}

TEST(SignalHeartbeat, RandomTwitchesOfOneKindShowNoIrregularHeartbeat) {
    // The worst case: every twitch on one channel, of one size and duration, so all are one
    // class; Poisson trains, and a unit's gamma renewal firing (shape 2, no interval below
    // 150 ms, as the independent generator's units).
    const auto rule = default_rule();
    for (const double per_min : {10.0, 30.0, 40.0, 60.0, 120.0, 300.0}) {
        for (unsigned seed = 1; seed <= 5; ++seed) {
            std::mt19937 rng(seed);
            std::exponential_distribution<double> poisson(per_min / 60);
            std::gamma_distribution<double> renewal(2, 30 / per_min);
            for (const bool gamma : {false, true}) {
                std::vector<BeatCandidate> events;
                for (double t = 0.1; t < 600;) {
                    events.push_back({t, 8, 0.012, 1});
                    t += gamma ? std::max(0.15, renewal(rng)) : poisson(rng);
                }
                EXPECT_TRUE(find_irregular_heartbeat(events, rule).beats_s.empty())
                    << per_min << "/min, " << (gamma ? "gamma" : "Poisson") << ", seed " << seed;
            }
        }
    }
    // Twitches of many sizes and durations on eight channels.
    for (const double per_min : {40.0, 120.0, 300.0}) {
        std::mt19937 rng(static_cast<unsigned>(per_min));
        const auto events = twitch_candidates(per_min, 600, 8, rng);
        EXPECT_TRUE(find_irregular_heartbeat(events, rule).beats_s.empty()) << per_min;
    }
}

// A steady heart at 70 a minute among random twitches, every beat of one size, seen on all
// eight channels; with `every` > 0 each every-th beat is a premature ventricular one instead:
// 60 % of an interval after the beat before, of another size and duration (the next normal beat
// then two intervals after the last one). Returns the ectopic beats' times.
std::vector<double> heart_with_ectopics(std::vector<BeatCandidate>& events, std::size_t every,
                                        std::mt19937& rng) {
    std::vector<double> ectopic;
    std::size_t k = 0;
    for (double t = 0.4; t < 300; ++k) {
        events.push_back({t, 10, 0.08, 8});
        const double interval = 60.0 / 70 * (1 + 0.04 * std::sin(2 * M_PI * 0.25 * t));
        if (every > 0 && k % (every - 1) == every - 2) {
            ectopic.push_back(t + 0.6 * interval);
            events.push_back({ectopic.back(), 6, 0.04, 5});
            t += 2 * interval;
        } else {
            t += interval;
        }
    }
    const auto twitches = twitch_candidates(40, 300, 8, rng);
    events.insert(events.end(), twitches.begin(), twitches.end());
    sort_by_onset(events);
    return ectopic;
}

TEST(SignalHeartbeat, EctopicBeatsOfAHeartFoundAreAddedToItsBeats) {
    const auto rule = default_rule();
    std::mt19937 rng(13);
    std::vector<BeatCandidate> events;
    const auto ectopic = heart_with_ectopics(events, 5, rng);
    // As detect does: the steady search, else the irregular one (the normal beats alone are
    // 1, 1, 1 and 2 intervals apart), then the ectopic beats.
    auto found = find_heartbeat(onsets_of(events), peaks_of(events), rule);
    if (found.beats_s.empty()) found = find_irregular_heartbeat(events, rule);
    ASSERT_FALSE(found.beats_s.empty());
    add_ectopic_beats(events, found, rule);
    EXPECT_TRUE(found.irregular);
    EXPECT_GE(share_found(ectopic, found), 0.9);
}

TEST(SignalHeartbeat, NoEctopicBeatsAmongRandomTwitchesBesideASteadyHeart) {
    const auto rule = default_rule();
    for (unsigned seed = 1; seed <= 5; ++seed) {
        std::mt19937 rng(seed);
        std::vector<BeatCandidate> events;
        heart_with_ectopics(events, 0, rng);
        auto found = find_heartbeat(onsets_of(events), peaks_of(events), rule);
        ASSERT_FALSE(found.beats_s.empty());
        const auto beats = found.beats_s.size();
        add_ectopic_beats(events, found, rule);
        EXPECT_EQ(found.beats_s.size(), beats) << "seed " << seed;
        EXPECT_FALSE(found.irregular) << "seed " << seed;
    }
}

TEST(SignalHeartbeat, NoIrregularSearchWhenSwitchedOff) {
    std::mt19937 rng(5);
    std::vector<BeatCandidate> events;
    for (double beat : irregular_heart("af", 300, rng)) events.push_back({beat, 16, 0.08, 8});
    auto rule = default_rule();
    ASSERT_FALSE(find_irregular_heartbeat(events, rule).beats_s.empty());
    rule.irregular_min_beats = 0;
    EXPECT_TRUE(find_irregular_heartbeat(events, rule).beats_s.empty());
    // heartbeat_min_beats 0 switches every heartbeat search off.
    rule = default_rule();
    rule.min_beats = 0;
    EXPECT_TRUE(find_irregular_heartbeat(events, rule).beats_s.empty());
}

// Beats every second from 0.5 s; an echo `after_s` after beat `beat` (its larger event there).
HiddenCandidate echo_after_beat(int beat, double after_s, double peak, std::size_t channel = 0) {
    const double b = 0.5 + beat;
    return {b + after_s, 0.015, peak, channel, b};
}

std::vector<double> beats_each_second(int count) {
    std::vector<double> beats;
    for (int k = 0; k < count; ++k) beats.push_back(0.5 + k);
    return beats;
}

EchoRule default_echo_rule() {
    const auto o = DetectOptions::for_kind(ChannelKind::emg);
    return {o.echo_window_s, o.echo_ratio, o.merge_window_s};
}

TEST(SignalHeartbeat, AnEventTheEchoRuleDroppedAfterABeatIsATwitchTheBeatHid) {
    const auto rule = default_rule();
    const auto beats = beats_each_second(10);
    const std::vector<HiddenCandidate> echoes = {
        echo_after_beat(1, 0.03, 6),  // a later phase of the complex: in its window
        echo_after_beat(2, 0.2, 8),   // a twitch 200 ms after the beat
        echo_after_beat(3, rule.hidden_after_s - 0.005, 6),  // the complex's tail
        {4.8, 0.015, 6, 0, 4.75},                            // the echo of a twitch, not of a beat
        echo_after_beat(5, 0.25, 9),                         // a twitch...
        echo_after_beat(5, 0.28, 4),      // ...and its own ringing: still its echo
        echo_after_beat(7, 0.2, 6, 1),    // one twitch on two channels: counted once,
        echo_after_beat(7, 0.205, 9, 2),  // where it is largest
    };
    const auto hidden = hidden_by_beats(echoes, beats, {}, rule, default_echo_rule());
    ASSERT_EQ(hidden.size(), 3u);
    EXPECT_EQ(hidden[0].echo, 1u);
    EXPECT_EQ(hidden[1].echo, 4u);
    EXPECT_EQ(hidden[2].echo, 7u);
    EXPECT_EQ(hidden[2].channels_seen, 2u);
    for (const auto& h : hidden) EXPECT_FALSE(h.joins);
    // Without a heart nothing is restored.
    EXPECT_TRUE(hidden_by_beats(echoes, {}, {}, rule, default_echo_rule()).empty());
}

TEST(SignalHeartbeat, ATwitchHiddenOnOneChannelAndCountedOnAnotherJoinsIt) {
    const auto rule = default_rule();
    const auto beats = beats_each_second(4);
    const std::vector<HiddenCandidate> echoes = {echo_after_beat(2, 0.2, 9, 1)};
    const std::vector<BeatCandidate> counted = {{1.2, 7, 0.02, 1}, {2.705, 6, 0.02, 1}};
    const auto hidden = hidden_by_beats(echoes, beats, counted, rule, default_echo_rule());
    ASSERT_EQ(hidden.size(), 1u);
    ASSERT_TRUE(hidden[0].joins);
    EXPECT_EQ(*hidden[0].joins, 1u);
}

}  // namespace
}  // namespace twitchwatch::signal::detail
