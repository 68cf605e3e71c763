#include "model.hpp"

#include <algorithm>
#include <variant>
#include <vector>

#include "named_entries.hpp"
#include "simulation_model_text.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::detail {
namespace {

struct ModelField {
    std::string_view name;
    std::variant<Range SimulationModel::*, double SimulationModel::*> member;
};

const std::vector<ModelField>& model_fields() {
    using M = SimulationModel;
    static const std::vector<ModelField> all = {
        {"muap_tau_s", &M::muap_tau_s},
        {"onset_fraction", &M::onset_fraction},
        {"neighbour_delay_s", &M::neighbour_delay_s},
        {"doublet_common_gap_s", &M::doublet_common_gap_s},
        {"doublet_common_share", &M::doublet_common_share},
        {"doublet_gap_s", &M::doublet_gap_s},
        {"burst_duration_factor", &M::burst_duration_factor},
        {"burst_colour_centre_hz", &M::burst_colour_centre_hz},
        {"burst_colour_q", &M::burst_colour_q},
        {"burst_ramp_share", &M::burst_ramp_share},
        {"artefact_duration_s", &M::artefact_duration_s},
        {"stretch_channel_gain", &M::stretch_channel_gain},
        {"mains_channel_gain", &M::mains_channel_gain},
        {"drift_frequency_hz", &M::drift_frequency_hz},
        {"accelerometer_delay_s", &M::accelerometer_delay_s},
        {"twitch_contraction_s", &M::twitch_contraction_s},
        {"accelerometer_twitch_g", &M::accelerometer_twitch_g},
        {"accelerometer_noise_g", &M::accelerometer_noise_g},
        {"accelerometer_artefact_g", &M::accelerometer_artefact_g},
        {"qrs_sigma_s", &M::qrs_sigma_s},
        {"t_wave_delay_s", &M::t_wave_delay_s},
        {"t_wave_sigma_s", &M::t_wave_sigma_s},
        {"t_wave_size", &M::t_wave_size},
        {"heart_breathing_swing", &M::heart_breathing_swing},
        {"heart_breathing_hz", &M::heart_breathing_hz},
        {"heart_jitter", &M::heart_jitter},
        {"ecg_channel_gain", &M::ecg_channel_gain},
    };
    return all;
}

Range range_of(const toml::value& item, const std::string& where) {
    if (!item.is_array() || item.as_array().size() != 2) {
        throw InputError(where + " must be a range [low, high]");
    }
    const Range range{entry_number(item.as_array()[0], where),
                      entry_number(item.as_array()[1], where)};
    if (!(range.low <= range.high)) throw InputError(where + ": low is above high");
    return range;
}

}  // namespace

SimulationModel parse_simulation_model(std::string_view toml_text, const std::string& source) {
    SimulationModel model;
    for (const auto& [entry, found] : read_named_fields(
             toml_text, source, "model number", model_fields(), {"unit", "why", "source"})) {
        const ModelField& field = *found;
        const auto& value = entry.table.at("value");
        const std::string where = entry.where + " value";
        if (const auto* range = std::get_if<Range SimulationModel::*>(&field.member)) {
            model.*(*range) = range_of(value, where);
        } else {
            model.*std::get<double SimulationModel::*>(field.member) = entry_number(value, where);
        }
    }
    return model;
}

const SimulationModel& simulation_model() {
    static const SimulationModel model =
        parse_simulation_model(kSimulationModelText, "knowledge/simulation.toml");
    return model;
}

}  // namespace twitchwatch::signal::detail
