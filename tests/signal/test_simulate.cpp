// The simulator: repeatable, streaming, and faithful to its options.
#include "twitchwatch/signal/simulate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "twitchwatch/errors.hpp"

namespace ts = twitchwatch::signal;

namespace {

std::vector<float> generate_all(ts::Simulator& sim, std::size_t block) {
    std::vector<float> all(sim.frame_count() * sim.channel_count());
    std::size_t at = 0;
    while (const std::size_t n =
               sim.generate(std::span<float>(all).subspan(at * sim.channel_count()), block)) {
        at += n;
    }
    EXPECT_EQ(at, sim.frame_count());
    return all;
}

ts::SimulationOptions small() {
    ts::SimulationOptions o;
    o.duration_s = 30;
    o.emg_channels = 4;
    o.sample_rate_hz = 1024;
    return o;
}

}  // namespace

TEST(SignalSimulate, SameSeedSameRecordingWhateverTheBlockSize) {
    auto o = small();
    o.mains_hz = 50;
    o.bursts_per_min = 4;
    o.artefacts_per_min = 2;
    ts::Simulator a(o), b(o);
    const auto x = generate_all(a, 1024);
    const auto y = generate_all(b, 77);
    EXPECT_EQ(x, y);
    ASSERT_EQ(a.truth().events.size(), b.truth().events.size());
    o.seed = 2;
    ts::Simulator c(o);
    EXPECT_NE(generate_all(c, 1024), x);
}

TEST(SignalSimulate, RateDoubletsAndTruthOrder) {
    auto o = small();
    o.duration_s = 600;
    o.rate_per_min = 60;
    o.doublet_probability = 0.25;
    ts::Simulator sim(o);
    const auto& events = sim.truth().events;
    // 600 events expected; Poisson SD about 25.
    EXPECT_NEAR(static_cast<double>(events.size()), 600, 100);
    EXPECT_TRUE(std::is_sorted(events.begin(), events.end(),
                               [](auto& a, auto& b) { return a.onset_s < b.onset_s; }));
    std::size_t seconds = 0, in_30_40 = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (!events[i].second_of_doublet) continue;
        ++seconds;
        // Its first discharge: the latest earlier event of the same unit.
        for (std::size_t j = i; j-- > 0;) {
            if (events[j].unit == events[i].unit) {
                const double gap = events[i].peak_s - events[j].peak_s;
                EXPECT_GE(gap, 0.010 - 1e-6);
                EXPECT_LE(gap, 0.110 + 1e-6);
                if (gap >= 0.030 && gap <= 0.040) ++in_30_40;
                break;
            }
        }
    }
    EXPECT_NEAR(static_cast<double>(seconds) / static_cast<double>(events.size()), 0.2, 0.05);
    EXPECT_GT(static_cast<double>(in_30_40), 0.7 * static_cast<double>(seconds));
}

TEST(SignalSimulate, NoiseLevelAndTwitchPeaksAreAsAsked) {
    auto o = small();
    o.twitch_channels = {0};
    o.noise_rms_uv = 4;
    ts::Simulator sim(o);
    const auto x = generate_all(sim, 4096);
    const std::size_t C = sim.channel_count();
    double sum = 0;
    for (std::size_t f = 0; f < sim.frame_count(); ++f) sum += x[f * C + 3] * x[f * C + 3];
    EXPECT_NEAR(std::sqrt(sum / static_cast<double>(sim.frame_count())), 4.0, 0.1);

    // Nearly noise-free: the sample at each truth peak has the truth's peak value.
    o.noise_rms_uv = 1e-4;
    o.snr = 200000;  // 20 uV peaks
    o.amplitude_spread = 1;
    o.doublet_probability = 0;
    o.rate_per_min = 20;
    ts::Simulator clean(o);
    const auto y = generate_all(clean, 4096);
    ASSERT_FALSE(clean.truth().events.empty());
    std::size_t at_peak = 0;
    for (const auto& e : clean.truth().events) {
        EXPECT_EQ(e.channel, 0u);
        EXPECT_DOUBLE_EQ(e.peak_uv, 20.0);
        const auto f = static_cast<std::size_t>(std::llround(e.peak_s * o.sample_rate_hz));
        if (f < 2 || f + 2 >= clean.frame_count()) continue;
        double largest = 0, neighbour = 0, far = 0;
        for (std::size_t g = f - 2; g <= f + 2; ++g) {
            largest = std::max(largest, std::abs(static_cast<double>(y[g * C])));
            neighbour = std::max(neighbour, std::abs(static_cast<double>(y[g * C + 1])));
            far = std::max(far, std::abs(static_cast<double>(y[g * C + 2])));
        }
        // Sampling and the odd overlap of two potentials move the sampled peak a little.
        if (largest > 0.9 * 20 && largest < 1.1 * 20) ++at_peak;
        EXPECT_LT(neighbour, 0.75 * largest);  // seen beside, weaker
        EXPECT_LT(far, 0.01);                  // not two channels away
        EXPECT_GT(e.peak_s - e.onset_s, 0.001);
        EXPECT_LT(e.peak_s - e.onset_s, 0.015);
    }
    EXPECT_GT(static_cast<double>(at_peak), 0.9 * static_cast<double>(clean.truth().events.size()));
}

TEST(SignalSimulate, ShapesArePotentialsOfRealisticDuration) {
    const double tau = 0.003;
    double peak = 0;
    for (int i = -200; i <= 200; ++i)
        peak = std::max(peak, std::abs(ts::muap_shape(i * 1e-4, tau, 0.5)));
    EXPECT_NEAR(peak, 1.0, 1e-3);
    // Biphasic is odd, triphasic even.
    EXPECT_NEAR(ts::muap_shape(0.002, tau, 0), -ts::muap_shape(-0.002, tau, 0), 1e-12);
    EXPECT_NEAR(ts::muap_shape(0.002, tau, 1), ts::muap_shape(-0.002, tau, 1), 1e-12);
    // Duration above 10 % of the peak: 8-20 ms for tau 2.5-4 ms (surface 15-20 ms, needle
    // 12.6 +- 4.4 ms; docs/simulator.md).
    for (double t : {0.0025, 0.004}) {
        double first = 1, last = -1;
        for (int i = -400; i <= 400; ++i) {
            if (std::abs(ts::muap_shape(i * 1e-4, t, 0.5)) >= 0.1) {
                first = std::min(first, i * 1e-4);
                last = std::max(last, i * 1e-4);
            }
        }
        EXPECT_GT(last - first, 0.008);
        EXPECT_LT(last - first, 0.022);
    }
}

TEST(SignalSimulate, AMechanicalTwitchLeavesTheSkinAtRest) {
    // The acceleration integrated once (velocity) and twice (displacement) over the twitch: both
    // back at 0 after it, the displacement largest at the contraction time. The second derivative
    // of the force (t/T) e^(1 - t/T), used until stop 16, left a velocity of 1/(2e) of its peak
    // x T: a slow step the accelerometer's high-pass rang on.
    constexpr double kStep = 1e-4;
    double velocity = 0, displacement = 0, largest_displacement = 0, at = 0, peak = 0;
    for (int i = 0; i < 120000; ++i) {  // 0 to 12 T
        const double a = ts::twitch_acceleration((i + 0.5) * kStep);
        peak = std::max(peak, std::abs(a));
        velocity += a * kStep;
        displacement += velocity * kStep;
        if (displacement > largest_displacement)
            largest_displacement = displacement, at = i * kStep;
    }
    EXPECT_NEAR(peak, 1.0, 1e-6);
    EXPECT_NEAR(velocity, 0.0, 1e-4);
    EXPECT_NEAR(displacement, 0.0, 1e-3 * largest_displacement);
    EXPECT_NEAR(at, 1.0, 0.01);
    EXPECT_EQ(ts::twitch_acceleration(-0.5), 0.0);  // nothing before the onset
}

TEST(SignalSimulate, StretchesHoldNoTruthAndAreLoud) {
    auto o = small();
    o.duration_s = 120;
    o.bursts_per_min = 3;
    o.artefacts_per_min = 3;
    ts::Simulator sim(o);
    const auto x = generate_all(sim, 2048);
    ASSERT_FALSE(sim.truth().stretches.empty());
    for (const auto& e : sim.truth().events) {
        for (const auto& s : sim.truth().stretches) {
            EXPECT_FALSE(e.peak_s > s.start_s + 0.01 && e.peak_s < s.end_s - 0.01);
        }
    }
    for (const auto& s : sim.truth().stretches) {
        // The middle of a burst is far above the noise (RMS ratio 6 by default).
        const auto mid = static_cast<std::size_t>((s.start_s + s.end_s) / 2 * o.sample_rate_hz);
        double sum = 0;
        const std::size_t n = 100;
        for (std::size_t f = mid; f < std::min(mid + n, sim.frame_count()); ++f) {
            sum += x[f * 4 + 1] * x[f * 4 + 1];
        }
        EXPECT_GT(std::sqrt(sum / n), 2 * o.noise_rms_uv) << s.reason << " at " << s.start_s;
    }
}

TEST(SignalSimulate, RejectsNonsense) {
    auto o = small();
    o.sample_rate_hz = 10;
    EXPECT_THROW(ts::Simulator{o}, twitchwatch::InputError);
    o = small();
    o.twitch_channels = {9};
    EXPECT_THROW(ts::Simulator{o}, twitchwatch::InputError);
    o = small();
    o.mains_hz = 55;
    EXPECT_THROW(ts::Simulator{o}, twitchwatch::InputError);

    // Every number out of range (NaN included) is refused with its name: before, a rate of 1e9
    // ran until memory ran out and NaN rates wrote a recording without twitches.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct Case {
        void (*set)(ts::SimulationOptions&, double);
        double value;
        const char* named;
    };
    const Case cases[] = {
        {[](auto& x, double v) { x.rate_per_min = v; }, 1e9, "rate"},
        {[](auto& x, double v) { x.rate_per_min = v; }, nan, "rate"},
        {[](auto& x, double v) { x.snr = v; }, nan, "snr"},
        {[](auto& x, double v) { x.noise_rms_uv = v; }, -1, "noise"},
        {[](auto& x, double v) { x.units_per_channel = static_cast<std::size_t>(v); }, 100000,
         "units per channel"},
        {[](auto& x, double v) { x.neighbour_amplitude = v; }, nan, "neighbour amplitude"},
        {[](auto& x, double v) { x.burst_duration_s = v; }, -1, "burst duration"},
        {[](auto& x, double v) { x.bursts_per_min = v; }, 1000, "bursts"},
        {[](auto& x, double v) { x.mains_amplitude_uv = v; }, nan, "mains"},
        {[](auto& x, double v) { x.ecg_amplitude_uv = v; }, -1, "ECG amplitude"},
        {[](auto& x, double v) { x.heart_rate_per_min = v; }, 500, "heart rate"},
        {[](auto& x, double v) { x.heart_rate_per_min = v; }, nan, "heart rate"},
        {[](auto& x, double v) { x.burst_rms_ratio = v; }, 0, "burst RMS ratio"},
    };
    for (const auto& c : cases) {
        o = small();
        c.set(o, c.value);
        try {
            ts::Simulator simulator{o};
            ADD_FAILURE() << c.named << " = " << c.value << " was accepted";
        } catch (const twitchwatch::InputError& e) {
            EXPECT_NE(std::string(e.what()).find(c.named), std::string::npos) << e.what();
        }
    }
    // Within range but too many twitches to hold: refused before any is drawn.
    o = small();
    o.rate_per_min = 6000;
    o.duration_s = 7 * 24 * 3600;
    EXPECT_THROW(ts::Simulator{o}, twitchwatch::InputError);
    // The rate counts every channel's twitches together: 12,000 twitches on 1024 channels are
    // 12,000, not the 12 million the bound once counted.
    o = small();
    o.rate_per_min = 6000;
    o.duration_s = 120;
    o.emg_channels = 1024;
    o.sample_rate_hz = 200;
    EXPECT_NO_THROW(ts::Simulator{o});
}

TEST(SignalSimulate, TheHeartAddsItsBeatsAndChangesNothingElse) {
    auto o = small();
    ts::Simulator plain(o);
    const auto without = generate_all(plain, 1000);
    o.ecg_amplitude_uv = 50;
    o.heart_rate_per_min = 66;
    ts::Simulator with_heart(o);
    const auto with = generate_all(with_heart, 1000);
    // The twitches are drawn as before; the heart was drawn after them.
    ASSERT_EQ(with_heart.truth().events.size(), plain.truth().events.size());
    for (std::size_t i = 0; i < plain.truth().events.size(); ++i) {
        EXPECT_EQ(with_heart.truth().events[i].onset_s, plain.truth().events[i].onset_s);
    }
    // Beats at the rate asked, moved by breathing by a few per cent.
    const auto& beats = with_heart.truth().heartbeats_s;
    ASSERT_GE(beats.size(), 30u);
    std::vector<double> intervals;
    for (std::size_t i = 1; i < beats.size(); ++i) intervals.push_back(beats[i] - beats[i - 1]);
    std::sort(intervals.begin(), intervals.end());
    EXPECT_NEAR(intervals[intervals.size() / 2], 60.0 / 66, 0.02);
    EXPECT_GT(intervals.front(), 0.85 * 60 / 66);
    EXPECT_LT(intervals.back(), 1.15 * 60 / 66);
    // The difference is the heart alone: its R peak, of the size asked on the most exposed
    // channel, at every beat.
    const std::size_t channels = with_heart.channel_count();
    double largest = 0;
    for (std::size_t i = 0; i < with.size(); ++i) {
        largest = std::max(largest, static_cast<double>(std::abs(with[i] - without[i])));
    }
    EXPECT_NEAR(largest, 50, 0.5);
    for (double beat : beats) {
        const auto frame = static_cast<std::size_t>(std::llround(beat * o.sample_rate_hz));
        if (frame >= with_heart.frame_count()) continue;
        double at_beat = 0;
        for (std::size_t c = 0; c < channels; ++c) {
            at_beat =
                std::max(at_beat, static_cast<double>(std::abs(with[frame * channels + c] -
                                                               without[frame * channels + c])));
        }
        EXPECT_GT(at_beat, 45) << beat;
    }
}

TEST(SignalSimulate, ScoringMatchesOneToOneWithinTolerance) {
    std::vector<ts::TruthEvent> truth(3);
    truth[0].onset_s = 1.0;
    truth[1].onset_s = 1.03;
    truth[2].onset_s = 5.0;
    truth[2].channel = 2;
    const std::vector<ts::ScoredEvent> found = {{1.01, 0}, {1.012, 0}, {5.0, 1}, {9, 0}};
    const auto score = ts::score_events(truth, found, 0.02);
    EXPECT_EQ(score.true_positives, 2u);   // 1.0 and 1.03 each take one of the two near 1.01
    EXPECT_EQ(score.false_negatives, 1u);  // 5.0 on channel 2: found on channel 1 only
    EXPECT_EQ(score.false_positives, 2u);
    EXPECT_NEAR(score.sensitivity(), 2.0 / 3, 1e-12);
    EXPECT_NEAR(score.precision(), 0.5, 1e-12);
}
