#include "filters.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::detail {
namespace {

constexpr double kPi = std::numbers::pi;

void check_design(int order, double cutoff_hz, double sample_rate_hz) {
    if (order < 2 || order % 2 != 0 || order > 16) {
        throw InputError("filter order must be an even number from 2 to 16, got " +
                         std::to_string(order));
    }
    if (!(cutoff_hz > 0) || !(cutoff_hz < sample_rate_hz / 2)) {
        throw InputError("filter cutoff " + number_text(cutoff_hz) +
                         " Hz must lie between 0 and half the sample rate (" +
                         number_text(sample_rate_hz / 2) + " Hz)");
    }
}

// The analog Butterworth prototype of even order is a product of second-order sections whose
// quality factors follow from the pole angles; the bilinear transform of each (pre-warped at the
// cutoff) is the RBJ low-/high-pass with that Q.
std::vector<Biquad> butterworth(int order, double cutoff_hz, double sample_rate_hz, bool highpass) {
    check_design(order, cutoff_hz, sample_rate_hz);
    std::vector<Biquad> sections;
    const double w0 = 2 * kPi * cutoff_hz / sample_rate_hz;
    const double cos_w0 = std::cos(w0);
    for (int k = 0; k < order / 2; ++k) {
        const double q = 1.0 / (2.0 * std::cos(kPi * (2 * k + 1) / (2.0 * order)));
        const double alpha = std::sin(w0) / (2 * q);
        const double a0 = 1 + alpha;
        Biquad s;
        if (highpass) {
            s.b0 = (1 + cos_w0) / 2 / a0;
            s.b1 = -(1 + cos_w0) / a0;
        } else {
            s.b0 = (1 - cos_w0) / 2 / a0;
            s.b1 = (1 - cos_w0) / a0;
        }
        s.b2 = s.b0;
        s.a1 = -2 * cos_w0 / a0;
        s.a2 = (1 - alpha) / a0;
        sections.push_back(s);
    }
    return sections;
}

}  // namespace

std::vector<Biquad> butterworth_highpass(int order, double cutoff_hz, double sample_rate_hz) {
    return butterworth(order, cutoff_hz, sample_rate_hz, true);
}

std::vector<Biquad> butterworth_lowpass(int order, double cutoff_hz, double sample_rate_hz) {
    return butterworth(order, cutoff_hz, sample_rate_hz, false);
}

Biquad notch(double frequency_hz, double q, double sample_rate_hz) {
    check_design(2, frequency_hz, sample_rate_hz);
    const double w0 = 2 * kPi * frequency_hz / sample_rate_hz;
    const double alpha = std::sin(w0) / (2 * q);
    const double a0 = 1 + alpha;
    return {1 / a0, -2 * std::cos(w0) / a0, 1 / a0, -2 * std::cos(w0) / a0, (1 - alpha) / a0};
}

Biquad bandpass(double centre_hz, double q, double sample_rate_hz) {
    check_design(2, centre_hz, sample_rate_hz);
    const double w0 = 2 * kPi * centre_hz / sample_rate_hz;
    const double alpha = std::sin(w0) / (2 * q);
    const double a0 = 1 + alpha;
    return {alpha / a0, 0, -alpha / a0, -2 * std::cos(w0) / a0, (1 - alpha) / a0};
}

double magnitude_response(std::span<const Biquad> sections, double frequency_hz,
                          double sample_rate_hz) {
    const std::complex<double> z1 = std::polar(1.0, -2 * kPi * frequency_hz / sample_rate_hz);
    const std::complex<double> z2 = z1 * z1;
    double gain = 1;
    for (const auto& s : sections) {
        gain *= std::abs((s.b0 + s.b1 * z1 + s.b2 * z2) / (1.0 + s.a1 * z1 + s.a2 * z2));
    }
    return gain;
}

BiquadCascade::BiquadCascade(std::vector<Biquad> sections, std::size_t channels)
    : channels_(channels), stride_((channels + kStateLanes - 1) / kStateLanes * kStateLanes) {
    for (const auto& s : sections) add_section(s);
}

void BiquadCascade::add_section(const Biquad& s) {
    sections_.push_back(s);
    coefficients_.push_back({static_cast<float>(s.b0), static_cast<float>(s.b1),
                             static_cast<float>(s.b2), static_cast<float>(s.a1),
                             static_cast<float>(s.a2)});
    state_.assign(sections_.size() * 2 * stride_, 0.0f);
}

void BiquadCascade::reset() { std::fill(state_.begin(), state_.end(), 0.0f); }

// One section over `frames` frames. A function of its own with restrict parameters: with the
// pointers local to execute, GCC 12 re-checked their overlap before every frame's channel loop.
inline void run_section(const BiquadCascade::Coefficients& k, float* __restrict x,
                        float* __restrict s1, float* __restrict s2, std::size_t frames,
                        std::size_t channels) {
    for (std::size_t f = 0; f < frames; ++f, x += channels) {
        for (std::size_t c = 0; c < channels; ++c) {
            const float in = x[c];
            const float out = k.b0 * in + s1[c];
            s1[c] = k.b1 * in - k.a1 * out + s2[c];
            s2[c] = k.b2 * in - k.a2 * out;
            x[c] = out;
        }
    }
}

TW_SIMD_CLONES void BiquadCascade::execute(std::span<float> frames, std::size_t frame_count) {
    // Runs every section over a few frames at a time, so the data stays in the L1 cache between
    // sections instead of streaming the whole block through once per section.
    constexpr std::size_t kChunkBytes = 8192;
    const std::size_t channels = channels_;
    const std::size_t chunk = std::max<std::size_t>(1, kChunkBytes / (sizeof(float) * channels));
    for (std::size_t first = 0; first < frame_count; first += chunk) {
        const std::size_t count = std::min(chunk, frame_count - first);
        for (std::size_t s = 0; s < coefficients_.size(); ++s) {
            float* s1 = section_state(s);
            run_section(coefficients_[s], frames.data() + first * channels, s1, s1 + stride_, count,
                        channels);
        }
    }
}

TW_SIMD_CLONES std::vector<std::vector<double>> goertzel_power(
    std::span<const float> frames, std::size_t frame_count, std::size_t channels,
    std::span<const double> frequencies_hz, double sample_rate_hz) {
    const std::size_t tones = frequencies_hz.size();
    std::vector<std::vector<double>> power(tones, std::vector<double>(channels, 0.0));
    if (frame_count < 2) return power;
    std::vector<double> mean(channels, 0.0), windowed(channels, 0.0), coefficient(tones);
    // Per tone: the last two values of its recursion for every channel.
    std::vector<double> s_prev(tones * channels, 0.0), s_prev2(tones * channels, 0.0);
    for (std::size_t f = 0; f < frame_count; ++f) {
        for (std::size_t c = 0; c < channels; ++c) mean[c] += frames[f * channels + c];
    }
    for (auto& m : mean) m /= static_cast<double>(frame_count);
    for (std::size_t t = 0; t < tones; ++t) {
        coefficient[t] = 2 * std::cos(2 * kPi * frequencies_hz[t] / sample_rate_hz);
    }
    for (std::size_t f = 0; f < frame_count; ++f) {
        const double window = 0.5 - 0.5 * std::cos(2 * kPi * static_cast<double>(f) /
                                                   static_cast<double>(frame_count - 1));
        for (std::size_t c = 0; c < channels; ++c) {
            windowed[c] = window * (frames[f * channels + c] - mean[c]);
        }
        for (std::size_t t = 0; t < tones; ++t) {
            const double k = coefficient[t];
            const double* __restrict in = windowed.data();
            double* __restrict s1 = s_prev.data() + t * channels;
            double* __restrict s2 = s_prev2.data() + t * channels;
            for (std::size_t c = 0; c < channels; ++c) {
                const double value = in[c] + k * s1[c] - s2[c];
                s2[c] = s1[c];
                s1[c] = value;
            }
        }
    }
    for (std::size_t t = 0; t < tones; ++t) {
        const double k = coefficient[t];
        for (std::size_t c = 0; c < channels; ++c) {
            const double s1 = s_prev[t * channels + c], s2 = s_prev2[t * channels + c];
            power[t][c] = s2 * s2 + s1 * s1 - k * s1 * s2;
        }
    }
    return power;
}

}  // namespace twitchwatch::signal::detail
