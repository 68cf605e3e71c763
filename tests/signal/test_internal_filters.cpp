// The DSP blocks against independent references: the closed-form Butterworth response and
// SciPy (tests/signal/compare_filters_with_scipy.py) as the oracle for design and filtering.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>

#include "detect/filters.hpp"
#include "twitchwatch/errors.hpp"

namespace tw = twitchwatch::signal::detail;

namespace {

// Bilinear-transformed Butterworth low-pass: |H| = 1 / sqrt(1 + (tan(pi f/fs) / tan(pi fc/fs))^2N).
double butterworth_lowpass_gain(int order, double f, double fc, double fs) {
    const double ratio = std::tan(std::numbers::pi * f / fs) / std::tan(std::numbers::pi * fc / fs);
    return 1 / std::sqrt(1 + std::pow(ratio, 2 * order));
}

}  // namespace

TEST(SignalFilters, ButterworthMatchesClosedForm) {
    const double fs = 2048;
    for (int order : {2, 4, 6}) {
        const auto low = tw::butterworth_lowpass(order, 450, fs);
        const auto high = tw::butterworth_highpass(order, 20, fs);
        ASSERT_EQ(low.size(), static_cast<std::size_t>(order / 2));
        for (double f : {1.0, 10.0, 20.0, 50.0, 200.0, 450.0, 600.0, 1000.0}) {
            EXPECT_NEAR(tw::magnitude_response(low, f, fs),
                        butterworth_lowpass_gain(order, f, 450, fs), 1e-9)
                << "order " << order << " f " << f;
            // High-pass is the low-pass with tan ratio inverted.
            const double ratio =
                std::tan(std::numbers::pi * 20 / fs) / std::tan(std::numbers::pi * f / fs);
            EXPECT_NEAR(tw::magnitude_response(high, f, fs),
                        1 / std::sqrt(1 + std::pow(ratio, 2 * order)), 1e-9);
        }
    }
}

TEST(SignalFilters, NotchRemovesItsFrequencyOnly) {
    const auto n = tw::notch(50, 10, 2048);
    const std::vector<tw::Biquad> sections{n};
    EXPECT_LT(tw::magnitude_response(sections, 50, 2048), 1e-9);
    EXPECT_NEAR(tw::magnitude_response(sections, 100, 2048), 1, 0.02);
    EXPECT_NEAR(tw::magnitude_response(sections, 25, 2048), 1, 0.05);
    // -3 dB at f0 +- bandwidth / 2, bandwidth = f0 / Q.
    EXPECT_NEAR(tw::magnitude_response(sections, 52.5, 2048), std::sqrt(0.5), 0.03);
}

TEST(SignalFilters, BadDesignsAreInputErrors) {
    EXPECT_THROW(tw::butterworth_lowpass(3, 100, 1000), twitchwatch::InputError);
    EXPECT_THROW(tw::butterworth_lowpass(4, 600, 1000), twitchwatch::InputError);
    EXPECT_THROW(tw::butterworth_highpass(4, 0, 1000), twitchwatch::InputError);
}

TEST(SignalFilters, CascadeIsTheSameForEveryChannelAndBlockSize) {
    const std::size_t C = 5, F = 3000;
    std::mt19937 random(3);
    std::normal_distribution<float> normal;
    std::vector<float> data(F * C);
    for (auto& v : data) v = normal(random);
    auto sections = tw::butterworth_highpass(4, 20, 2048);
    auto low = tw::butterworth_lowpass(4, 450, 2048);
    sections.insert(sections.end(), low.begin(), low.end());
    tw::BiquadCascade whole(sections, C), pieces(sections, C), single(sections, 1);
    auto a = data, b = data;
    whole.execute(a, F);
    for (std::size_t start = 0; start < F;) {
        const std::size_t n = std::min<std::size_t>(F - start, 1 + start % 97);
        pieces.execute(std::span<float>(b).subspan(start * C), n);
        start += n;
    }
    EXPECT_EQ(a, b);
    std::vector<float> column(F);
    for (std::size_t f = 0; f < F; ++f) column[f] = data[f * C + 3];
    single.execute(column, F);
    for (std::size_t f = 0; f < F; ++f) ASSERT_FLOAT_EQ(column[f], a[f * C + 3]);
}

TEST(SignalFilters, DesignAndFilteringAgreeWithScipy) {
    // Debian's python3 has SciPy; a python3 earlier on PATH may not.
    std::string python = "python3";
    if (std::system("/usr/bin/python3 -c 'import scipy' > /dev/null 2>&1") == 0) {
        python = "/usr/bin/python3";
    } else if (std::system("python3 -c 'import scipy' > /dev/null 2>&1") != 0) {
        GTEST_SKIP() << "python3 with scipy not available";
    }
    const auto dir =
        std::filesystem::temp_directory_path() / ("tw_filters_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const double fs = 2048;
    const std::size_t C = 3, F = 4096;
    std::mt19937 random(11);
    std::normal_distribution<float> normal;
    std::vector<float> data(F * C);
    for (std::size_t f = 0; f < F; ++f) {
        for (std::size_t c = 0; c < C; ++c) {
            // Noise, a 50 Hz tone and a DC offset that differs per channel.
            data[f * C + c] =
                normal(random) * 10 +
                20 * static_cast<float>(std::sin(2 * std::numbers::pi * 50 * f / fs)) +
                100 * static_cast<float>(c);
        }
    }
    struct Case {
        std::string type;
        std::vector<tw::Biquad> sections;
        int order;
        double cutoff;
    };
    std::vector<Case> cases = {{"highpass", tw::butterworth_highpass(4, 20, fs), 4, 20},
                               {"lowpass", tw::butterworth_lowpass(4, 450, fs), 4, 450},
                               {"lowpass", tw::butterworth_lowpass(8, 300, fs), 8, 300},
                               {"notch", {tw::notch(50, 10, fs), tw::notch(150, 10, fs)}, 0, 50}};
    for (const auto& test_case : cases) {
        nlohmann::json in;
        in["fs"] = fs;
        in["design"] = {
            {"type", test_case.type}, {"order", test_case.order}, {"cutoff", test_case.cutoff}};
        for (const auto& s : test_case.sections) {
            in["sections"].push_back({s.b0, s.b1, s.b2, s.a1, s.a2});
        }
        for (std::size_t c = 0; c < C; ++c) {
            std::vector<double> column;
            for (std::size_t f = 0; f < F; ++f) column.push_back(data[f * C + c]);
            in["signal"].push_back(column);
        }
        std::ofstream(dir / "in.json") << in.dump();
        const std::string command =
            python + " " TW_SOURCE_DIR "/tests/signal/compare_filters_with_scipy.py " +
            (dir / "in.json").string() + " " + (dir / "out.json").string();
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        nlohmann::json out;
        std::ifstream(dir / "out.json") >> out;
        if (test_case.type != "notch") {
            // Our design equals scipy.signal.butter(..., output="sos") in response.
            EXPECT_LT(out.at("design_max_response_difference").get<double>(), 1e-9)
                << test_case.type << " order " << test_case.order;
        }
        tw::BiquadCascade cascade(test_case.sections, C);
        auto ours = data;
        cascade.execute(ours, F);
        for (std::size_t c = 0; c < C; ++c) {
            const auto& reference = out.at("filtered").at(c);
            double scale = 0;
            for (std::size_t f = 0; f < F; ++f) {
                scale = std::max(scale, std::abs(reference.at(f).get<double>()));
            }
            for (std::size_t f = 0; f < F; ++f) {
                ASSERT_NEAR(ours[f * C + c], reference.at(f).get<double>(), 2e-4 * scale + 1e-4)
                    << test_case.type << " channel " << c << " frame " << f;
            }
        }
    }
    std::filesystem::remove_all(dir);
}

TEST(SignalFilters, GoertzelFindsATone) {
    const double fs = 1000;
    const std::size_t F = 1000;
    std::vector<float> data(F * 2);
    for (std::size_t f = 0; f < F; ++f) {
        data[f * 2] = static_cast<float>(std::sin(2 * std::numbers::pi * 60 * f / fs));
        data[f * 2 + 1] = 5;  // DC only
    }
    const std::vector<double> tones = {60, 66};
    const auto power = tw::goertzel_power(data, F, 2, tones, fs);
    const auto& on = power[0];
    const auto& beside = power[1];
    EXPECT_GT(on[0], 1000 * beside[0]);
    EXPECT_LT(on[1], 1e-6 * on[0]);  // DC only: nothing at 60 Hz
}
