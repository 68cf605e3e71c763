// Finding the mains frequency and which of its harmonics are present, in the first second
// (the probe), and notching them (docs/detection.md, step 1).
#include <algorithm>
#include <array>

#include "detector_state.hpp"

namespace twitchwatch::signal::detail {
namespace {

// The band's upper edge: no notch is needed above it.
double band_top_hz(const DetectorState& s) {
    return std::min(s.o.band_high_hz > 0 ? s.o.band_high_hz : s.fs / 2, kBandTopFraction * s.fs);
}

// Notches at the harmonics of base_hz below the band's upper edge (all of them, or those with
// power standing out when `present` is given).
void add_notches(DetectorState& s, double base_hz, const std::vector<bool>& present) {
    const double top = band_top_hz(s);
    for (int k = 1; k <= s.o.mains_harmonics; ++k) {
        const double f = k * base_hz;
        if (f >= top) break;
        if (!present.empty() && !present[static_cast<std::size_t>(k - 1)]) continue;
        s.band.add_section(notch(f, f / s.o.mains_notch_bandwidth_hz, s.fs));
        s.notches_hz.push_back(f);
    }
    if (!s.notches_hz.empty()) s.mains_hz = base_hz;
}

// How far from 50 or 60 Hz the mains may lie (refine_mains).
constexpr double kMainsWindowHz = 0.5;

// Power at each harmonic against the power a few hertz beside it, summed over channels.
std::vector<double> harmonic_ratios(const DetectorState& s, std::size_t frames, double base) {
    const double top = band_top_hz(s);
    constexpr std::array<double, 4> kOffsets = {-7.0, -4.0, 4.0, 7.0};
    std::vector<double> tones;  // per harmonic: itself, then the offsets beside it
    for (int k = 1; k <= s.o.mains_harmonics && k * base + 8 < top; ++k) {
        tones.push_back(k * base);
        for (double offset : kOffsets) tones.push_back(k * base + offset);
    }
    const auto power = goertzel_power(s.probe, frames, s.channels, tones, s.fs);
    std::vector<double> ratios;
    for (std::size_t first = 0; first < tones.size(); first += 1 + kOffsets.size()) {
        double on = 0, beside = 0;
        for (double p : power[first]) on += p;
        for (std::size_t o = 1; o <= kOffsets.size(); ++o) {
            for (double p : power[first + o]) beside += p / 4;
        }
        ratios.push_back(beside > 0 ? on / beside : 0);
    }
    return ratios;
}

// Mains is rarely exactly 50 or 60 Hz (grid and sample clock both drift), and a narrow notch
// 0.1 Hz off leaves a tenth of it. The strongest harmonic's frequency is found to 0.005 x k Hz
// within +-0.5 Hz of the nominal (coarse then fine search of the summed power) and the base
// follows from it.
double refine_mains(const DetectorState& s, std::size_t frames, double base,
                    const std::vector<double>& ratios) {
    const auto strongest =
        static_cast<std::size_t>(std::max_element(ratios.begin(), ratios.end()) - ratios.begin());
    const double k = static_cast<double>(strongest + 1);
    double best = k * base, best_power = 0;
    bool have_best = false;
    // The fine search stays inside the window too (a coarse best at its edge once led to a
    // base of 49.45 Hz).
    const double lowest = k * (base - kMainsWindowHz), highest = k * (base + kMainsWindowHz);
    for (double step : {0.05, 0.005}) {
        const double centre = best;
        const double span = step == 0.05 ? kMainsWindowHz * k : 0.05 * k;
        std::vector<double> tones;
        if (!have_best) tones.push_back(best);  // the nominal harmonic is the first candidate
        for (double f = centre - span; f <= centre + span + 1e-9; f += step * k) {
            if (f >= lowest - 1e-9 && f <= highest + 1e-9) tones.push_back(f);
        }
        const auto power = goertzel_power(s.probe, frames, s.channels, tones, s.fs);
        for (std::size_t t = 0; t < tones.size(); ++t) {
            double sum = 0;
            for (double p : power[t]) sum += p;
            if (!have_best || sum > best_power) {
                best_power = sum;
                best = tones[t];
                have_best = true;
            }
        }
    }
    return best / k;
}

}  // namespace

void decide_mains(DetectorState& s, std::size_t frames) {
    s.mains_decided = true;
    if (s.o.mains == "off") return;
    if (s.o.mains == "50" || s.o.mains == "60") {
        add_notches(s, s.o.mains == "50" ? 50.0 : 60.0, {});
        return;
    }
    // Needs at least a quarter second for 1 Hz-ish resolution next to 4 Hz offsets.
    if (frames < static_cast<std::size_t>(0.25 * s.fs)) return;
    double best_score = 0, best_base = 0;
    std::vector<double> best_ratios;
    for (double base : {50.0, 60.0}) {
        auto ratios = harmonic_ratios(s, frames, base);
        // The first three harmonics of 50 and 60 Hz never coincide, so they decide the base.
        double score = 0;
        for (std::size_t k = 0; k < std::min<std::size_t>(3, ratios.size()); ++k) {
            score = std::max(score, ratios[k]);
        }
        if (score > best_score) {
            best_score = score;
            best_base = base;
            best_ratios = std::move(ratios);
        }
    }
    // Whether mains is there at all is judged more strictly than which harmonics are: white
    // noise alone reached mains_detect_ratio at one of the six candidates in about 1 file in 20.
    if (best_score < s.o.mains_presence_ratio) return;
    std::vector<bool> present(static_cast<std::size_t>(s.o.mains_harmonics), false);
    for (std::size_t k = 0; k < best_ratios.size(); ++k) {
        present[k] = best_ratios[k] >= s.o.mains_detect_ratio;
    }
    add_notches(s, refine_mains(s, frames, best_base, best_ratios), present);
}

}  // namespace twitchwatch::signal::detail
