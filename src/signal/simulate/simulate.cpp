// Simulated resting surface EMG with known twitches. The model is described in docs/simulator.md;
// its numbers, with their sources, are data (knowledge/simulation.toml, read by model.hpp).
#include "twitchwatch/signal/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "../detect/filters.hpp"
#include "model.hpp"
#include "random.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal {
namespace {

constexpr double kPi = std::numbers::pi;
// Hermite-Rodriguez functions are negligible (< 1e-5 of the peak) beyond 3.5 tau.
constexpr double kSupportInTau = 3.5;
// The burst-shaping band-pass stays well below the Nyquist frequency at low sample rates.
constexpr double kHighestColourFraction = 0.2;
// That band-pass keeps about 0.6 of white noise's RMS; bursts are scaled back up by it.
constexpr double kColourRmsKept = 0.6;
// The twitch's displacement x^3 e^{3(1-x)} and its derivatives are negligible after 6 T.
constexpr double kTwitchSpanInT = 6.0;

double draw(detail::Random& random, const detail::Range& range) {
    return random.uniform(range.low, range.high);
}

double hermite_rodriguez(double u, double triphasic_weight) {
    const double gauss = std::exp(-u * u);
    // Peak magnitudes: |u e^{-u^2}| peaks at 1/sqrt(2e); (1 - 2u^2) e^{-u^2} peaks at 1 (u = 0).
    const double biphasic = u * gauss * std::sqrt(2 * std::numbers::e);
    const double triphasic = (1 - 2 * u * u) * gauss;
    return (1 - triphasic_weight) * biphasic + triphasic_weight * triphasic;
}

// A motor unit: its shape, sampled once, and where it shows.
struct Unit {
    std::size_t home_channel = 0;
    std::vector<float> waveform;  // peak |value| = 1, centre at index half_length
    std::size_t half_length = 0;
    double amplitude_uv = 0;  // peak on the home channel
    double polarity = 1;
    double onset_offset_s = 0;  // first 10 % crossing relative to the centre
    double peak_offset_s = 0;
    double neighbour_delay_s = 0;
};

struct Discharge {
    double centre_s;
    std::size_t unit;
    bool second_of_doublet;
};

struct Stretch {
    double start_s, duration_s;
    bool voluntary;
    std::vector<double> channel_gain;  // per channel amplitude factor
};

}  // namespace

namespace {
// The peak of the mixture depends on the weight; found numerically.
double shape_peak(double triphasic_weight) {
    double peak = 0;
    for (int i = -4000; i <= 4000; ++i) {
        peak = std::max(peak, std::abs(hermite_rodriguez(i / 1000.0, triphasic_weight)));
    }
    return peak;
}
}  // namespace

double muap_shape(double t_s, double tau_s, double triphasic_weight) {
    return hermite_rodriguez(t_s / tau_s, triphasic_weight) / shape_peak(triphasic_weight);
}

// d2/dx2 [x^3 e^{3(1-x)}] = (9x^3 - 18x^2 + 6x) e^{3(1-x)}; its largest size found numerically
// (at x = 0.14, as the skin starts to move; the pull back, from x = 0.42, reaches 0.57 of it).
double twitch_acceleration(double x) {
    const auto second_derivative = [](double at) {
        return (9 * at * at * at - 18 * at * at + 6 * at) * std::exp(3 * (1 - at));
    };
    static const double largest = [&] {
        double found = 0;
        for (int i = 0; i <= 120000; ++i)
            found = std::max(found, std::abs(second_derivative(i * 1e-4)));
        return found;
    }();
    return x < 0 ? 0 : second_derivative(x) / largest;
}

struct Simulator::State {
    SimulationOptions options;
    std::size_t frames = 0;
    std::size_t position = 0;  // next frame to generate
    std::vector<Unit> units;
    std::vector<Discharge> discharges;  // sorted by centre
    std::size_t first_live_discharge = 0;
    std::vector<Stretch> stretches;
    SimulationTruth truth;
    detail::Random noise, burst_random;
    std::vector<double> mains_phase, mains_gain, drift_frequency, drift_phase;
    std::vector<double> ecg_gain;  // per EMG channel, the most exposed +-1
    std::size_t first_live_beat = 0;
    detail::BiquadCascade burst_colour;  // shapes white noise like voluntary sEMG
    std::vector<float> burst_noise;
    std::size_t max_half_length = 0;

    explicit State(SimulationOptions o)
        : options(std::move(o)), noise(options.seed ^ 0x5eed), burst_random(options.seed ^ 0xb0b) {}
};

Simulator::Simulator(SimulationOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
    auto& s = *state_;
    const auto& o = s.options;
    if (!(o.sample_rate_hz >= 200 && o.sample_rate_hz <= 100000)) {
        throw InputError("simulate: sample rate must be 200 to 100000 Hz");
    }
    if (!(o.duration_s > 0 && o.duration_s <= 7 * 24 * 3600)) {
        throw InputError("simulate: duration must be above 0 and at most a week");
    }
    if (o.emg_channels == 0 || o.emg_channels > 1024 || o.accelerometer_channels > 64) {
        throw InputError("simulate: 1 to 1024 EMG channels and at most 64 accelerometers");
    }
    // Each number within what the model means; written as "!(in range)" so NaN fails too.
    const auto require = [](bool in_range, const char* what) {
        if (!in_range) throw InputError(std::string("simulate: ") + what);
    };
    require(o.rate_per_min >= 0 && o.rate_per_min <= 6000, "rate must be 0 to 6000 per minute");
    // Amplitudes within what surface EMG can be (and an EDF header can describe: its range is
    // 8 characters; --noise-uv 1e8 wrote a corrupt header): noise up to 1 mV RMS, twitch peaks
    // up to 100 mV (a nearly noise-free test recording may take a huge snr), mains and drift up
    // to 100 mV, artefacts up to 1 V.
    require(o.snr > 0 && std::isfinite(o.snr), "snr must be a number above 0");
    require(o.noise_rms_uv > 0 && o.noise_rms_uv <= 1000,
            "noise must be above 0 and at most 1000 uV");
    require(o.amplitude_spread >= 1 && o.amplitude_spread <= 100,
            "amplitude spread must be 1 to 100");
    require(o.snr * o.noise_rms_uv * o.amplitude_spread <= 1e5,
            "twitch peaks (snr x noise x amplitude spread) must be at most 100000 uV");
    require(o.doublet_probability >= 0 && o.doublet_probability <= 1,
            "doublet probability must be 0 to 1");
    require(o.units_per_channel >= 1 && o.units_per_channel <= 100,
            "units per channel must be 1 to 100");
    require(o.neighbour_amplitude >= 0 && o.neighbour_amplitude <= 1,
            "neighbour amplitude must be 0 to 1");
    const auto amplitude = [](double uv, double most) { return uv >= 0 && uv <= most; };
    require(amplitude(o.mains_amplitude_uv, 1e5) && amplitude(o.drift_amplitude_uv, 1e5),
            "mains and drift amplitudes must be 0 to 100000 uV");
    require(amplitude(o.artefact_amplitude_uv, 1e6), "artefact amplitude must be 0 to 1000000 uV");
    require(o.bursts_per_min >= 0 && o.bursts_per_min <= 60 && o.artefacts_per_min >= 0 &&
                o.artefacts_per_min <= 60,
            "bursts and artefacts must be 0 to 60 per minute");
    require(amplitude(o.ecg_amplitude_uv, 1e5), "ECG amplitude must be 0 to 100000 uV");
    require(o.heart_rate_per_min >= 30 && o.heart_rate_per_min <= 220,
            "heart rate must be 30 to 220 per minute");
    require(o.burst_duration_s > 0 && o.burst_duration_s <= 600,
            "burst duration must be above 0 and at most 600 s");
    require(o.burst_rms_ratio > 0 && o.burst_rms_ratio <= 100,
            "burst RMS ratio must be above 0 and at most 100");
    if (o.mains_hz != 0 && o.mains_hz != 50 && o.mains_hz != 60) {
        throw InputError("simulate: mains must be 0, 50 or 60 Hz");
    }
    std::vector<std::size_t> twitching = o.twitch_channels;
    if (twitching.empty()) {
        for (std::size_t c = 0; c < o.emg_channels; ++c) twitching.push_back(c);
    }
    for (auto c : twitching) {
        if (c >= o.emg_channels) throw InputError("simulate: twitch channel out of range");
    }
    // The truth is held in memory: bound the twitches it may have to hold. The rate counts the
    // twitches of all channels together, so the channels do not multiply it (the bound once
    // multiplied by them refused 6000 a minute for 10 hours on 3 channels: 3.6 million).
    require(o.rate_per_min * o.duration_s / 60 <= 1e7,
            "at most 10 million twitches (rate x minutes; the rate counts all channels together)");
    s.frames = static_cast<std::size_t>(std::llround(o.duration_s * o.sample_rate_hz));
    detail::Random random(o.seed);
    const auto& model = detail::simulation_model();

    // Units, each with its own shape width tau.
    for (auto channel : twitching) {
        for (std::size_t k = 0; k < o.units_per_channel; ++k) {
            Unit unit;
            unit.home_channel = channel;
            const double tau = draw(random, model.muap_tau_s);
            const double weight = random.uniform(0.0, 1.0);
            unit.polarity = random.uniform() < 0.5 ? -1 : 1;
            unit.amplitude_uv = o.snr * o.noise_rms_uv * random.uniform(1.0, o.amplitude_spread);
            unit.neighbour_delay_s = draw(random, model.neighbour_delay_s);
            unit.half_length =
                static_cast<std::size_t>(std::ceil(kSupportInTau * tau * o.sample_rate_hz));
            bool onset_found = false;
            double peak = 0;
            const double normaliser = shape_peak(weight);
            for (std::size_t i = 0; i <= 2 * unit.half_length; ++i) {
                const double t = (static_cast<double>(i) - static_cast<double>(unit.half_length)) /
                                 o.sample_rate_hz;
                const double value = hermite_rodriguez(t / tau, weight) / normaliser;
                unit.waveform.push_back(static_cast<float>(value));
                if (!onset_found && std::abs(value) >= model.onset_fraction) {
                    unit.onset_offset_s = t;
                    onset_found = true;
                }
                if (std::abs(value) > peak) {
                    peak = std::abs(value);
                    unit.peak_offset_s = t;
                }
            }
            s.max_half_length = std::max(s.max_half_length, unit.half_length);
            s.units.push_back(std::move(unit));
        }
    }

    // Discharges: Poisson in time; doublets add a second discharge of the same unit. The primary
    // rate is lowered so that all discharges together come to rate_per_min.
    if (o.rate_per_min > 0 && !s.units.empty()) {
        const double primary_rate_per_s = o.rate_per_min / 60.0 / (1 + o.doublet_probability);
        double t = random.exponential(1 / primary_rate_per_s);
        while (t < o.duration_s) {
            const auto unit = std::min(s.units.size() - 1,
                                       static_cast<std::size_t>(random.uniform() * s.units.size()));
            s.discharges.push_back({t, unit, false});
            if (random.uniform() < o.doublet_probability) {
                // F-wave-like repeats: most at the common interval, the others anywhere in the
                // range.
                const double gap = random.uniform() < model.doublet_common_share
                                       ? draw(random, model.doublet_common_gap_s)
                                       : draw(random, model.doublet_gap_s);
                if (t + gap < o.duration_s) s.discharges.push_back({t + gap, unit, true});
            }
            t += random.exponential(1 / primary_rate_per_s);
        }
        std::sort(s.discharges.begin(), s.discharges.end(),
                  [](const Discharge& a, const Discharge& b) { return a.centre_s < b.centre_s; });
    }

    // Voluntary bursts and movement artefacts, each on all channels with its own gain.
    auto schedule = [&](double per_min, bool voluntary) {
        if (per_min <= 0) return;
        double t = random.exponential(60.0 / per_min);
        while (t < o.duration_s) {
            Stretch stretch;
            stretch.start_s = t;
            stretch.duration_s =
                voluntary ? o.burst_duration_s * draw(random, model.burst_duration_factor)
                          : draw(random, model.artefact_duration_s);
            stretch.voluntary = voluntary;
            const double sign = random.uniform() < 0.5 ? -1 : 1;
            for (std::size_t c = 0; c < o.emg_channels + o.accelerometer_channels; ++c) {
                stretch.channel_gain.push_back(sign * draw(random, model.stretch_channel_gain));
            }
            t += stretch.duration_s + random.exponential(60.0 / per_min);
            s.stretches.push_back(std::move(stretch));
        }
    };
    schedule(o.bursts_per_min, true);
    schedule(o.artefacts_per_min, false);
    std::sort(s.stretches.begin(), s.stretches.end(),
              [](const Stretch& a, const Stretch& b) { return a.start_s < b.start_s; });

    for (std::size_t c = 0; c < o.emg_channels; ++c) {
        s.mains_phase.push_back(random.uniform(0, 2 * kPi));
        s.mains_gain.push_back(draw(random, model.mains_channel_gain));
        for (int k = 0; k < 2; ++k) {
            s.drift_frequency.push_back(draw(random, model.drift_frequency_hz));
            s.drift_phase.push_back(random.uniform(0, 2 * kPi));
        }
    }
    // The heart: drawn last, so recordings without it are what they were before it existed.
    if (o.ecg_amplitude_uv > 0) {
        double largest = 0;
        for (std::size_t c = 0; c < o.emg_channels; ++c) {
            const double sign = random.uniform() < 0.5 ? -1 : 1;
            s.ecg_gain.push_back(sign * draw(random, model.ecg_channel_gain));
            largest = std::max(largest, std::abs(s.ecg_gain.back()));
        }
        for (auto& gain : s.ecg_gain) gain /= largest;
        const double interval = 60.0 / o.heart_rate_per_min;
        const double breathing_phase = random.uniform(0, 2 * kPi);
        for (double t = random.uniform(0.2, interval); t < o.duration_s;) {
            s.truth.heartbeats_s.push_back(t);
            t +=
                interval * (1 +
                            model.heart_breathing_swing *
                                std::sin(2 * kPi * model.heart_breathing_hz * t + breathing_phase) +
                            model.heart_jitter * random.normal());
        }
    }
    // Voluntary interference pattern: the sum of many asynchronous units is close to Gaussian
    // noise with the sEMG spectrum.
    const std::size_t all_channels = o.emg_channels + o.accelerometer_channels;
    s.burst_colour = detail::BiquadCascade(
        {detail::bandpass(
            std::min(model.burst_colour_centre_hz, kHighestColourFraction * o.sample_rate_hz),
            model.burst_colour_q, o.sample_rate_hz)},
        all_channels);
    s.burst_noise.resize(all_channels);

    // Truth: discharges outside the excluded stretches.
    for (const auto& d : s.discharges) {
        const auto& unit = s.units[d.unit];
        const bool excluded = std::any_of(s.stretches.begin(), s.stretches.end(), [&](auto& st) {
            return d.centre_s >= st.start_s && d.centre_s <= st.start_s + st.duration_s;
        });
        if (excluded) continue;
        s.truth.events.push_back({d.centre_s + unit.onset_offset_s, d.centre_s + unit.peak_offset_s,
                                  unit.home_channel, unit.amplitude_uv, d.unit,
                                  d.second_of_doublet});
    }
    std::sort(s.truth.events.begin(), s.truth.events.end(),
              [](const auto& a, const auto& b) { return a.onset_s < b.onset_s; });
    for (const auto& st : s.stretches) {
        s.truth.stretches.push_back({st.start_s, std::min(o.duration_s, st.start_s + st.duration_s),
                                     st.voluntary ? "voluntary" : "artefact"});
    }
}

Simulator::~Simulator() = default;
Simulator::Simulator(Simulator&&) noexcept = default;
Simulator& Simulator::operator=(Simulator&&) noexcept = default;

const SimulationOptions& Simulator::options() const { return state_->options; }
std::size_t Simulator::channel_count() const {
    return state_->options.emg_channels + state_->options.accelerometer_channels;
}
std::size_t Simulator::frame_count() const { return state_->frames; }
const SimulationTruth& Simulator::truth() const { return state_->truth; }

std::vector<std::string> Simulator::channel_labels() const {
    std::vector<std::string> labels;
    for (std::size_t c = 0; c < state_->options.emg_channels; ++c) {
        labels.push_back("EMG" + std::to_string(c + 1));
    }
    for (std::size_t c = 0; c < state_->options.accelerometer_channels; ++c) {
        labels.push_back("ACC" + std::to_string(c + 1));
    }
    return labels;
}

std::vector<std::string> Simulator::channel_units() const {
    std::vector<std::string> units(state_->options.emg_channels, "uV");
    units.resize(channel_count(), "g");
    return units;
}

std::size_t Simulator::generate(std::span<float> out, std::size_t max_frames) {
    auto& s = *state_;
    const auto& o = s.options;
    const std::size_t channels = channel_count();
    const std::size_t emg = o.emg_channels;
    const std::size_t count = std::min(max_frames, s.frames - s.position);
    if (count == 0) return 0;
    if (out.size() < count * channels) throw std::invalid_argument("simulate: buffer too small");
    const double fs = o.sample_rate_hz;
    const auto& model = detail::simulation_model();
    const auto first = static_cast<std::int64_t>(s.position);
    const auto end = first + static_cast<std::int64_t>(count);

    // Background: amplifier and tissue noise, white and Gaussian.
    for (std::size_t i = 0; i < count; ++i) {
        float* frame = out.data() + i * channels;
        for (std::size_t c = 0; c < emg; ++c) {
            frame[c] = static_cast<float>(o.noise_rms_uv * s.noise.normal());
        }
        for (std::size_t c = emg; c < channels; ++c) {
            frame[c] = static_cast<float>(model.accelerometer_noise_g * s.noise.normal());
        }
    }
    // Mains (fundamental with odd harmonics) and slow baseline drift.
    if (o.mains_hz > 0 || o.drift_amplitude_uv > 0) {
        for (std::size_t i = 0; i < count; ++i) {
            const double t = static_cast<double>(first + static_cast<std::int64_t>(i)) / fs;
            float* frame = out.data() + i * channels;
            for (std::size_t c = 0; c < emg; ++c) {
                double value = 0;
                if (o.mains_hz > 0) {
                    const double phase = 2 * kPi * o.mains_hz * t + s.mains_phase[c];
                    value += o.mains_amplitude_uv * s.mains_gain[c] *
                             (std::sin(phase) + std::sin(3 * phase) / 3 + std::sin(5 * phase) / 5);
                }
                if (o.drift_amplitude_uv > 0) {
                    for (int k = 0; k < 2; ++k) {
                        value += o.drift_amplitude_uv / 2 *
                                 std::sin(2 * kPi * s.drift_frequency[2 * c + k] * t +
                                          s.drift_phase[2 * c + k]);
                    }
                }
                frame[c] += static_cast<float>(value);
            }
        }
    }
    // Bursts and artefacts overlapping this block. The burst noise has its own random stream and
    // is drawn only for frames inside bursts, so the samples do not depend on the block size.
    for (const auto& st : s.stretches) {
        const auto st_first = static_cast<std::int64_t>(std::floor(st.start_s * fs));
        const auto st_end = static_cast<std::int64_t>(std::ceil((st.start_s + st.duration_s) * fs));
        if (st_end <= first || st_first >= end) continue;
        for (auto f = std::max(first, st_first); f < std::min(end, st_end); ++f) {
            const double u = (static_cast<double>(f) / fs - st.start_s) / st.duration_s;
            if (u < 0 || u > 1) continue;
            float* frame = out.data() + static_cast<std::size_t>(f - first) * channels;
            if (st.voluntary) {
                for (auto& v : s.burst_noise) v = static_cast<float>(s.burst_random.normal());
                s.burst_colour.execute(s.burst_noise, 1);
                // Raised-cosine ramps at each end.
                const double ramp =
                    std::min({1.0, u / model.burst_ramp_share, (1 - u) / model.burst_ramp_share});
                const double envelope = 0.5 - 0.5 * std::cos(kPi * ramp);
                const double emg_scale =
                    o.burst_rms_ratio * o.noise_rms_uv * envelope / kColourRmsKept;
                for (std::size_t c = 0; c < channels; ++c) {
                    const double scale =
                        c < emg ? emg_scale : model.accelerometer_twitch_g * envelope;
                    frame[c] +=
                        static_cast<float>(std::abs(st.channel_gain[c]) * scale * s.burst_noise[c]);
                }
            } else {
                const double bump = std::pow(std::sin(kPi * u), 2);
                for (std::size_t c = 0; c < channels; ++c) {
                    const double amplitude =
                        c < emg ? o.artefact_amplitude_uv : model.accelerometer_artefact_g;
                    frame[c] += static_cast<float>(st.channel_gain[c] * amplitude * bump);
                }
            }
        }
    }
    // The heart: per beat a QRS complex (a Ricker wavelet: Q and S dips either side of R) and a
    // T wave, on every EMG channel with its own gain.
    if (!s.ecg_gain.empty()) {
        const auto& beats = s.truth.heartbeats_s;
        const double before_s = 5 * model.qrs_sigma_s;
        const double after_s = model.t_wave_delay_s + 5 * model.t_wave_sigma_s;
        while (s.first_live_beat < beats.size() &&
               beats[s.first_live_beat] + after_s < static_cast<double>(first) / fs) {
            ++s.first_live_beat;
        }
        for (std::size_t b = s.first_live_beat; b < beats.size(); ++b) {
            if (beats[b] - before_s > static_cast<double>(end) / fs) break;
            const auto from =
                std::max(first, static_cast<std::int64_t>(std::floor((beats[b] - before_s) * fs)));
            const auto to =
                std::min(end, static_cast<std::int64_t>(std::ceil((beats[b] + after_s) * fs)));
            for (auto f = from; f < to; ++f) {
                const double x = static_cast<double>(f) / fs - beats[b];
                const double q = x / model.qrs_sigma_s;
                const double tw = (x - model.t_wave_delay_s) / model.t_wave_sigma_s;
                const double wave =
                    (1 - q * q) * std::exp(-q * q / 2) + model.t_wave_size * std::exp(-tw * tw / 2);
                float* frame = out.data() + static_cast<std::size_t>(f - first) * channels;
                for (std::size_t c = 0; c < emg; ++c) {
                    frame[c] += static_cast<float>(o.ecg_amplitude_uv * s.ecg_gain[c] * wave);
                }
            }
        }
    }
    // Twitches: the unit's waveform on its home channel, weaker and slightly later beside it.
    const double half_s = static_cast<double>(s.max_half_length + 2) / fs;
    while (s.first_live_discharge < s.discharges.size() &&
           s.discharges[s.first_live_discharge].centre_s + half_s + 0.2 <
               static_cast<double>(first) / fs) {
        ++s.first_live_discharge;
    }
    for (std::size_t d = s.first_live_discharge; d < s.discharges.size(); ++d) {
        const auto& discharge = s.discharges[d];
        if (discharge.centre_s - half_s - 0.2 > static_cast<double>(end) / fs) break;
        const auto& unit = s.units[discharge.unit];
        auto add = [&](std::size_t channel, double delay_s, double amplitude) {
            const double centre = (discharge.centre_s + delay_s) * fs;
            const auto start = static_cast<std::int64_t>(std::llround(centre)) -
                               static_cast<std::int64_t>(unit.half_length);
            for (std::size_t i = 0; i < unit.waveform.size(); ++i) {
                const auto f = start + static_cast<std::int64_t>(i);
                if (f < first || f >= end) continue;
                out[static_cast<std::size_t>(f - first) * channels + channel] +=
                    static_cast<float>(amplitude * unit.waveform[i]);
            }
        };
        const double amplitude = unit.polarity * unit.amplitude_uv;
        add(unit.home_channel, 0, amplitude);
        if (unit.home_channel > 0) {
            add(unit.home_channel - 1, unit.neighbour_delay_s, amplitude * o.neighbour_amplitude);
        }
        if (unit.home_channel + 1 < emg) {
            add(unit.home_channel + 1, unit.neighbour_delay_s, amplitude * o.neighbour_amplitude);
        }
        // Accelerometers: the skin's acceleration (twitch_acceleration), times the unit's relative
        // size. Its displacement x^3 e^{3(1-x)} moves off smoothly and ends at rest; the force
        // (t/T) e^{1-t/T} itself as the displacement, as before stop 16, starts with a jump in
        // velocity, and its second derivative without that jump's impulse left a velocity over:
        // a slow step that the detector's 2 Hz high-pass turned into a long hump.
        for (std::size_t a = emg; a < channels; ++a) {
            const double relative = unit.amplitude_uv / (o.snr * o.noise_rms_uv);
            const double t0 = discharge.centre_s + model.accelerometer_delay_s;
            const auto f_begin = std::max(first, static_cast<std::int64_t>(std::ceil(t0 * fs)));
            const auto f_end = std::min(
                end,
                static_cast<std::int64_t>((t0 + kTwitchSpanInT * model.twitch_contraction_s) * fs));
            for (auto f = f_begin; f < f_end; ++f) {
                const double x = (static_cast<double>(f) / fs - t0) / model.twitch_contraction_s;
                const double acceleration = twitch_acceleration(x);
                out[static_cast<std::size_t>(f - first) * channels + a] +=
                    static_cast<float>(-model.accelerometer_twitch_g * relative * acceleration);
            }
        }
    }
    s.position += count;
    return count;
}

double EventScore::sensitivity() const {
    const auto truth = true_positives + false_negatives;
    return truth == 0 ? 1.0 : static_cast<double>(true_positives) / static_cast<double>(truth);
}
double EventScore::precision() const {
    const auto found = true_positives + false_positives;
    return found == 0 ? 1.0 : static_cast<double>(true_positives) / static_cast<double>(found);
}
double EventScore::f1() const {
    const double p = precision(), r = sensitivity();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

EventScore score_events(std::span<const TruthEvent> truth, std::span<const ScoredEvent> detected,
                        double tolerance_s) {
    // Greedy one-to-one matching in time order: each truth event takes the nearest unused
    // detection on its channel within the tolerance.
    std::vector<ScoredEvent> sorted(detected.begin(), detected.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.onset_s < b.onset_s; });
    std::vector<bool> used(sorted.size(), false);
    EventScore score;
    for (const auto& t : truth) {
        const auto low =
            std::lower_bound(sorted.begin(), sorted.end(), t.onset_s - tolerance_s,
                             [](const ScoredEvent& e, double value) { return e.onset_s < value; });
        std::size_t best = sorted.size();
        double best_distance = tolerance_s;
        for (auto it = low; it != sorted.end() && it->onset_s <= t.onset_s + tolerance_s; ++it) {
            const auto index = static_cast<std::size_t>(it - sorted.begin());
            const double distance = std::abs(it->onset_s - t.onset_s);
            if (!used[index] && it->channel == t.channel && distance <= best_distance) {
                best = index;
                best_distance = distance;
            }
        }
        if (best < sorted.size()) {
            used[best] = true;
            ++score.true_positives;
        } else {
            ++score.false_negatives;
        }
    }
    score.false_positives = static_cast<std::size_t>(std::count(used.begin(), used.end(), false));
    return score;
}

}  // namespace twitchwatch::signal
