#pragma once
// Filter design and the frame-major biquad cascade. Channels are the innermost loop, so the
// compiler vectorises each section across channels (one SIMD lane per channel) while the
// recursion runs along time; this layout is what makes the detector fast.

#include <cstddef>
#include <span>
#include <vector>

#include "simd_clones.hpp"

namespace twitchwatch::signal::detail {

// One second-order section, normalised so that a0 = 1 (SciPy's sos row is b0 b1 b2 1 a1 a2).
struct Biquad {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
};

// Butterworth high-pass / low-pass of even order as order/2 sections (bilinear transform with the
// cutoff pre-warped, the same design as scipy.signal.butter(..., output="sos")).
std::vector<Biquad> butterworth_highpass(int order, double cutoff_hz, double sample_rate_hz);
std::vector<Biquad> butterworth_lowpass(int order, double cutoff_hz, double sample_rate_hz);
// Second-order notch at frequency_hz with bandwidth frequency_hz / q.
Biquad notch(double frequency_hz, double q, double sample_rate_hz);
// Second-order band-pass (constant 0 dB peak gain) centred on centre_hz.
Biquad bandpass(double centre_hz, double q, double sample_rate_hz);

// Gain |H(f)| of a cascade (for tests and documentation).
double magnitude_response(std::span<const Biquad> sections, double frequency_hz,
                          double sample_rate_hz);

// Cascade applied in place to frame-major float data with `channels` interleaved channels
// (transposed direct form II, float state per channel and section).
class BiquadCascade {
  public:
    // The state of each section is padded to a multiple of this many channels, so that a kernel
    // working on blocks of kStateLanes channels (segment_pass.hpp) can load whole vectors.
    static constexpr std::size_t kStateLanes = 16;

    BiquadCascade() = default;
    BiquadCascade(std::vector<Biquad> sections, std::size_t channels);
    void add_section(const Biquad& section);
    void reset();
    void execute(std::span<float> frames, std::size_t frame_count);
    std::span<const Biquad> sections() const { return sections_; }

    struct Coefficients {
        float b0, b1, b2, a1, a2;
    };
    std::span<const Coefficients> coefficients() const { return coefficients_; }
    // State of one section: s1 of every channel at [0, state_stride()), s2 after it.
    float* section_state(std::size_t section) { return state_.data() + section * 2 * stride_; }
    std::size_t state_stride() const { return stride_; }

  private:
    std::vector<Biquad> sections_;
    std::vector<Coefficients> coefficients_;
    std::size_t channels_ = 0;
    std::size_t stride_ = 0;    // channels_ rounded up to a multiple of kStateLanes
    std::vector<float> state_;  // per section: s1[stride_], s2[stride_]
};

// Power of each frequency (outer index) in every channel (inner index) of frame-major data
// (Goertzel on the Hann-windowed, mean-removed signal; channels in the inner loop). All
// frequencies are computed in one pass, so the frames are read and windowed once.
std::vector<std::vector<double>> goertzel_power(std::span<const float> frames,
                                                std::size_t frame_count, std::size_t channels,
                                                std::span<const double> frequencies_hz,
                                                double sample_rate_hz);

}  // namespace twitchwatch::signal::detail
