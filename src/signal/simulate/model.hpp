#pragma once
// The simulator's model numbers as data: knowledge/simulation.toml, compiled into the library
// (docs/simulator.md describes the model).

#include <string>
#include <string_view>

namespace twitchwatch::signal::detail {

struct Range {
    double low = 0, high = 0;  // drawn uniformly
    friend bool operator==(const Range&, const Range&) = default;
};

// One member per entry of knowledge/simulation.toml, of the same name.
struct SimulationModel {
    Range muap_tau_s;
    double onset_fraction = 0;
    Range neighbour_delay_s;
    Range doublet_common_gap_s;
    double doublet_common_share = 0;
    Range doublet_gap_s;
    Range burst_duration_factor;
    double burst_colour_centre_hz = 0, burst_colour_q = 0, burst_ramp_share = 0;
    Range artefact_duration_s, stretch_channel_gain, mains_channel_gain, drift_frequency_hz;
    double accelerometer_delay_s = 0, twitch_contraction_s = 0, accelerometer_twitch_g = 0;
    double accelerometer_noise_g = 0, accelerometer_artefact_g = 0;
    double qrs_sigma_s = 0, t_wave_delay_s = 0, t_wave_sigma_s = 0, t_wave_size = 0;
    double heart_breathing_swing = 0, heart_breathing_hz = 0, heart_jitter = 0;
    Range ecg_channel_gain;
    friend bool operator==(const SimulationModel&, const SimulationModel&) = default;
};

// Reads a model file's text: every member needs its entry ([low, high] with low <= high for a
// range, a number otherwise); throws InputError naming `source`, the entry and the problem.
SimulationModel parse_simulation_model(std::string_view toml_text, const std::string& source);

// The file compiled into the library, read at first use.
const SimulationModel& simulation_model();

}  // namespace twitchwatch::signal::detail
