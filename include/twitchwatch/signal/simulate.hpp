#pragma once
// Simulated surface EMG at rest with known twitches (fasciculation potentials): the ground truth
// for tests and benchmarks, since no public recording with labelled twitch times exists. The model
// and the published figures behind every default are in docs/simulator.md.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace twitchwatch::signal {

struct SimulationOptions {
    double duration_s = 300.0;
    std::size_t emg_channels = 8;
    std::size_t accelerometer_channels = 0;  // appended after the EMG channels, unit "g"
    double sample_rate_hz = 2048.0;
    // Twitches per minute over the whole recording, spread over the twitching channels.
    double rate_per_min = 40.0;
    std::vector<std::size_t> twitch_channels;  // EMG channel indices that twitch; empty = all
    std::size_t units_per_channel = 3;         // motor units with their own shape per channel
    // Peak of a twitch on its home channel divided by the RMS of the background noise.
    double snr = 8.0;
    // Each unit's peak is snr * noise * U(1, amplitude_spread); 1 makes every twitch exactly snr.
    double amplitude_spread = 2.0;
    double noise_rms_uv = 5.0;
    double doublet_probability = 0.1;  // chance that a discharge is followed by a second one
    double neighbour_amplitude = 0.4;  // amplitude on the channels next to the home channel
    double mains_hz = 0.0;             // 0 = none, else 50 or 60 (with 3rd and 5th harmonics)
    double mains_amplitude_uv = 20.0;  // amplitude of the fundamental
    double drift_amplitude_uv = 0.0;   // slow baseline wander (0.05-0.5 Hz)
    double bursts_per_min = 0.0;       // voluntary contractions (dense interference pattern)
    double burst_duration_s = 4.0;     // mean; each burst lasts 0.5x to 1.5x of it
    double burst_rms_ratio = 6.0;      // RMS of a burst divided by the noise RMS
    double artefacts_per_min = 0.0;    // movement artefacts: large slow transients
    double artefact_amplitude_uv = 1500.0;
    // The heart's signal (ECG) as electrodes on the trunk pick it up: R-wave peak on the most
    // exposed EMG channel (0 = none), at heart_rate_per_min moved by breathing.
    double ecg_amplitude_uv = 0.0;
    double heart_rate_per_min = 70.0;
    std::uint64_t seed = 1;
};

struct TruthEvent {
    double onset_s = 0;  // where the potential first reaches 10 % of its peak
    double peak_s = 0;   // time of the largest absolute value
    std::size_t channel = 0;
    double peak_uv = 0;  // largest absolute value on the home channel (without noise)
    std::size_t unit = 0;
    bool second_of_doublet = false;
};

struct TruthStretch {
    double start_s = 0;
    double end_s = 0;
    std::string reason;  // "voluntary" or "artefact"
};

struct SimulationTruth {
    std::vector<TruthEvent> events;  // sorted by onset; only twitches outside excluded stretches
    std::vector<TruthStretch> stretches;
    std::vector<double> heartbeats_s;  // R-wave peaks, when ecg_amplitude_uv > 0
};

// Generates the recording block by block, so an hour of 64 channels needs no more memory than a
// block. The schedule of events is drawn when the simulator is made; same options, same samples.
class Simulator {
  public:
    explicit Simulator(SimulationOptions options);
    ~Simulator();
    Simulator(Simulator&&) noexcept;
    Simulator& operator=(Simulator&&) noexcept;

    const SimulationOptions& options() const;
    std::size_t channel_count() const;  // EMG + accelerometer
    std::size_t frame_count() const;    // duration_s * sample_rate_hz
    const SimulationTruth& truth() const;
    // Labels ("EMG1".., "ACC1"..) and units ("uV", "g") of the channels, in order.
    std::vector<std::string> channel_labels() const;
    std::vector<std::string> channel_units() const;

    // Writes the next max_frames frames (frame-major: out[f * channel_count() + c]); returns the
    // number written, 0 at the end.
    std::size_t generate(std::span<float> out, std::size_t max_frames);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// Hermite-Rodriguez motor unit action potential: mix of the first (biphasic) and second
// (triphasic) functions with width tau_s, scaled so that its largest absolute value is 1.
double muap_shape(double t_s, double tau_s, double triphasic_weight);

// The skin's acceleration over a mechanical twitch, x = time since its onset / the contraction
// time T: the second derivative of the displacement x^3 e^{3(1-x)} (at rest before, moving off
// with no jump in velocity or acceleration, largest at T, back at rest after), scaled so that its
// largest absolute value is 1. Over the twitch it integrates to 0: no velocity is left over.
double twitch_acceleration(double x);

// Detected events matched one to one against truth (same channel, onsets within tolerance).
struct EventScore {
    std::size_t true_positives = 0, false_positives = 0, false_negatives = 0;
    double sensitivity() const;
    double precision() const;
    double f1() const;
};
struct ScoredEvent {
    double onset_s;
    std::size_t channel;
};
EventScore score_events(std::span<const TruthEvent> truth, std::span<const ScoredEvent> detected,
                        double tolerance_s = 0.020);

}  // namespace twitchwatch::signal
