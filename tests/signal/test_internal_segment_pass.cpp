// The detector's hand-written fast paths against the plain code they replace: the block-wise
// segment pass (segment_pass.hpp) against BiquadCascade::execute followed by scalar loops, and the
// sorting-network running quantile against std::nth_element. Both must agree bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "detect/filters.hpp"
#include "detect/running_quantile.hpp"
#include "detect/segment_pass.hpp"

namespace tw = twitchwatch::signal::detail;

namespace {

std::size_t padded(std::size_t channels) {
    constexpr std::size_t lanes = tw::BiquadCascade::kStateLanes;
    return (channels + lanes - 1) / lanes * lanes;
}

std::vector<tw::Biquad> band_with_notches(std::size_t notches) {
    auto sections = tw::butterworth_highpass(2, 20, 2048);
    const auto low = tw::butterworth_lowpass(2, 450, 2048);
    sections.insert(sections.end(), low.begin(), low.end());
    for (std::size_t k = 0; k < notches; ++k) {
        const double f = 50.0 * static_cast<double>(2 * k + 1);
        sections.push_back(tw::notch(f, f / 2, 2048));
    }
    return sections;
}

// Everything the pass accumulates per channel, computed the plain way.
struct Expected {
    std::vector<float> filtered, envelope, envelope_state, energy, slow_sum, decimated;
    std::vector<std::uint32_t> below, previous_above, active, above, crossings;
};

}  // namespace

class SegmentPass : public testing::TestWithParam<std::tuple<std::size_t, std::size_t>> {};

TEST_P(SegmentPass, EqualsTheCascadeAndScalarLoops) {
    const auto [channels, notches] = GetParam();
    const std::size_t frames = 700, decimation = 17, segments = 3;
    const std::size_t P = padded(channels);
    const auto sections = band_with_notches(notches);
    tw::BiquadCascade fast(sections, channels), plain(sections, channels);

    std::mt19937 random(static_cast<unsigned>(channels * 31 + notches));
    std::normal_distribution<float> noise(0.0f, 5.0f);
    std::uniform_real_distribution<float> level(1.0f, 20.0f);
    std::vector<float> reference(P, 0.0f), threshold(P, 0.0f), active_level(P, 0.0f);
    for (std::size_t c = 0; c < channels; ++c) {
        reference[c] = level(random);
        threshold[c] = level(random) * level(random);
        active_level[c] = level(random) * level(random);
    }
    const float alpha = 0.15f;

    // State carried from segment to segment, by both.
    std::vector<float> envelope_state(P, 0.0f), slow_sum(P, 0.0f);
    std::vector<std::uint32_t> previous_above(P, 0);
    Expected want;
    want.envelope_state.assign(P, 0.0f);
    want.slow_sum.assign(channels, 0.0f);
    want.previous_above.assign(channels, 0);
    std::size_t phase = 0;

    for (std::size_t segment = 0; segment < segments; ++segment) {
        std::vector<float> raw(frames * channels);
        for (std::size_t i = 0; i < raw.size(); ++i) {
            // Noise with a few large spikes, so that the gates and counts change.
            raw[i] = noise(random) + (i % 397 == 0 ? 200.0f : 0.0f);
        }
        // The plain way.
        want.filtered = raw;
        plain.execute(want.filtered, frames);
        want.envelope.assign(frames * channels, 0.0f);
        want.energy.assign(channels, 0.0f);
        want.below.assign(channels, 0);
        want.active.assign(channels, 0);
        want.above.assign(channels, 0);
        want.crossings.assign(channels, 0);
        want.decimated.clear();
        std::size_t summed = phase;
        for (std::size_t f = 0; f < frames; ++f) {
            for (std::size_t c = 0; c < channels; ++c) {
                want.slow_sum[c] += raw[f * channels + c];
                const float v = want.filtered[f * channels + c];
                auto& state = want.envelope_state[c];
                state += alpha * (v * v - state);
                want.envelope[f * channels + c] = state;
                want.energy[c] += v * v;
                want.below[c] += std::abs(v) < reference[c] ? 1u : 0u;
                const std::uint32_t is_above = state > threshold[c] ? 1u : 0u;
                want.active[c] += state > active_level[c] ? 1u : 0u;
                want.above[c] += is_above;
                want.crossings[c] += is_above & (want.previous_above[c] ^ 1u);
                want.previous_above[c] = is_above;
            }
            if (++summed == decimation) {
                for (std::size_t c = 0; c < channels; ++c) {
                    want.decimated.push_back(want.slow_sum[c] * (1.0f / decimation));
                    want.slow_sum[c] = 0;
                }
                summed = 0;
            }
        }

        // The pass.
        std::vector<float> filtered(frames * channels), envelope(frames * channels),
            energy(P, 0.0f), decimated((frames / decimation + 1) * channels);
        std::vector<std::uint32_t> below(P, 0), active(P, 0), above(P, 0), crossings(P, 0);
        tw::SegmentPass pass{frames,
                             channels,
                             raw.data(),
                             filtered.data(),
                             envelope.data(),
                             alpha,
                             envelope_state.data(),
                             energy.data(),
                             reference.data(),
                             below.data(),
                             threshold.data(),
                             active_level.data(),
                             previous_above.data(),
                             active.data(),
                             above.data(),
                             crossings.data(),
                             decimation,
                             phase,
                             slow_sum.data(),
                             decimated.data()};
        const std::size_t rows = tw::run_segment_pass(fast, pass);
        phase = (phase + frames) % decimation;

        ASSERT_EQ(rows * channels, want.decimated.size());
        decimated.resize(rows * channels);
        EXPECT_EQ(filtered, want.filtered) << "segment " << segment;
        EXPECT_EQ(envelope, want.envelope);
        EXPECT_EQ(decimated, want.decimated);
        for (std::size_t c = 0; c < channels; ++c) {
            EXPECT_EQ(energy[c], want.energy[c]) << "channel " << c;
            EXPECT_EQ(below[c], want.below[c]) << "channel " << c;
            EXPECT_EQ(active[c], want.active[c]) << "channel " << c;
            EXPECT_EQ(above[c], want.above[c]) << "channel " << c;
            EXPECT_EQ(crossings[c], want.crossings[c]) << "channel " << c;
            EXPECT_EQ(previous_above[c], want.previous_above[c]) << "channel " << c;
            EXPECT_EQ(envelope_state[c], want.envelope_state[c]) << "channel " << c;
            EXPECT_EQ(slow_sum[c], want.slow_sum[c]) << "channel " << c;
        }
        // The spikes must have crossed somewhere, or the gate comparison proves little.
        EXPECT_GT(std::count_if(want.crossings.begin(), want.crossings.end(),
                                [](auto n) { return n > 0; }),
                  0);

        // count_gates alone gives the same gate counts from the same start.
        std::vector<std::uint32_t> again_active(P, 0), again_above(P, 0), again_crossings(P, 0);
        std::vector<std::uint32_t> again_previous(P, 0);
        auto gates = pass;
        gates.previous_above = again_previous.data();
        gates.active_count = again_active.data();
        gates.above_count = again_above.data();
        gates.crossings = again_crossings.data();
        if (segment == 0) {
            tw::count_gates(gates);
            for (std::size_t c = 0; c < channels; ++c) {
                EXPECT_EQ(again_active[c], want.active[c]);
                EXPECT_EQ(again_above[c], want.above[c]);
                EXPECT_EQ(again_crossings[c], want.crossings[c]);
            }
        }
    }
}

// Channel counts below, at and around the block width (16); 2 to 10 sections, so a cascade longer
// than one group of 8 is covered.
INSTANTIATE_TEST_SUITE_P(ChannelsAndSections, SegmentPass,
                         testing::Combine(testing::Values(1, 5, 16, 17, 33, 64),
                                          testing::Values(0, 3, 8)));

TEST(SignalRunningQuantile, EqualsNthElementOverTheLastValues) {
    const std::size_t channels = 19, length = 37;
    for (double quantile : {0.0, 0.2, 0.5, 0.93}) {
        tw::RunningQuantile fast(channels, length, quantile, 4);
        std::mt19937 random(static_cast<unsigned>(quantile * 100));
        std::uniform_real_distribution<float> value(0.0f, 50.0f);
        std::vector<std::vector<float>> history(channels);
        std::vector<float> latest(channels, 0.0f);
        for (std::size_t push = 1; push <= 200; ++push) {
            std::vector<float> row(channels);
            for (auto& v : row) v = push % 11 == 0 ? 7.0f : value(random);  // ties too
            fast.push(row);
            for (std::size_t c = 0; c < channels; ++c) {
                history[c].push_back(row[c]);
                if (history[c].size() > length) history[c].erase(history[c].begin());
            }
            // Recomputed at every push for the first 2 x 4, then every 4th push.
            if (push > 8 && push % 4 != 0) continue;
            for (std::size_t c = 0; c < channels; ++c) {
                auto values = history[c];
                const auto rank = static_cast<std::size_t>(
                    quantile * static_cast<double>(values.size() - 1) + 0.5);
                std::nth_element(values.begin(), values.begin() + static_cast<long>(rank),
                                 values.end());
                latest[c] = values[rank];
            }
            for (std::size_t c = 0; c < channels; ++c) {
                ASSERT_EQ(fast.value(c), latest[c])
                    << "quantile " << quantile << " push " << push << " channel " << c;
            }
        }
    }
}
