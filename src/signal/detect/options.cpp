// DetectOptions: the defaults per kind of channel (read from knowledge/detection.toml), setting
// options by name; and the classification and quality checks of channels.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>

#include "defaults.hpp"
#include "detection_defaults_text.hpp"
#include "named_entries.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::signal {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return out;
}

std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

// One entry per option: its name and access to the field (its default and description are in
// knowledge/detection.toml).
struct OptionField {
    const char* name;
    std::function<std::string(const DetectOptions&)> get;
    std::function<void(DetectOptions&, std::string_view)> set;
};

double parse_number(std::string_view name, std::string_view text) {
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
        throw InputError("detect option " + std::string(name) + ": '" + std::string(text) +
                         "' is not a number");
    }
    return value;
}

template <typename Field>
OptionField number(const char* name, Field DetectOptions::*field) {
    return {
        name,
        [field](const DetectOptions& o) { return format_number(static_cast<double>(o.*field)); },
        [field, name](DetectOptions& o, std::string_view text) {
            const double value = parse_number(name, text);
            if constexpr (std::is_integral_v<Field>) {
                if (value < 0 || value != std::floor(value)) {
                    throw InputError(std::string("detect option ") + name +
                                     " must be a whole number >= 0");
                }
            }
            o.*field = static_cast<Field>(value);
        }};
}

const std::vector<OptionField>& fields() {
    static const std::vector<OptionField> all = {
        number("band_low_hz", &DetectOptions::band_low_hz),
        number("band_high_hz", &DetectOptions::band_high_hz),
        number("band_order", &DetectOptions::band_order),
        {"mains", [](const DetectOptions& o) { return o.mains; },
         [](DetectOptions& o, std::string_view text) { o.mains = std::string(text); }},
        number("mains_harmonics", &DetectOptions::mains_harmonics),
        number("mains_notch_bandwidth_hz", &DetectOptions::mains_notch_bandwidth_hz),
        number("mains_detect_ratio", &DetectOptions::mains_detect_ratio),
        number("mains_probe_s", &DetectOptions::mains_probe_s),
        number("envelope_time_constant_s", &DetectOptions::envelope_time_constant_s),
        number("segment_s", &DetectOptions::segment_s),
        number("noise_history_s", &DetectOptions::noise_history_s),
        number("noise_floor_quantile", &DetectOptions::noise_floor_quantile),
        number("threshold", &DetectOptions::threshold),
        number("onset_lookback_s", &DetectOptions::onset_lookback_s),
        number("onset_level", &DetectOptions::onset_level),
        number("onset_gap_s", &DetectOptions::onset_gap_s),
        number("onset_phase_level", &DetectOptions::onset_phase_level),
        number("refractory_s", &DetectOptions::refractory_s),
        number("min_event_duration_s", &DetectOptions::min_event_duration_s),
        number("max_event_duration_s", &DetectOptions::max_event_duration_s),
        number("doublet_min_interval_s", &DetectOptions::doublet_min_interval_s),
        number("doublet_correlation", &DetectOptions::doublet_correlation),
        number("echo_window_s", &DetectOptions::echo_window_s),
        number("echo_ratio", &DetectOptions::echo_ratio),
        number("merge_window_s", &DetectOptions::merge_window_s),
        number("copy_window_s", &DetectOptions::copy_window_s),
        number("voluntary_level", &DetectOptions::voluntary_level),
        number("voluntary_duty_cycle", &DetectOptions::voluntary_duty_cycle),
        number("voluntary_crossings_per_s", &DetectOptions::voluntary_crossings_per_s),
        number("voluntary_min_channels", &DetectOptions::voluntary_min_channels),
        number("voluntary_min_s", &DetectOptions::voluntary_min_s),
        number("start_review_s", &DetectOptions::start_review_s),
        number("artefact_band_low_hz", &DetectOptions::artefact_band_low_hz),
        number("artefact_band_high_hz", &DetectOptions::artefact_band_high_hz),
        number("artefact_ratio", &DetectOptions::artefact_ratio),
        number("artefact_level", &DetectOptions::artefact_level),
        number("exclusion_padding_s", &DetectOptions::exclusion_padding_s),
        number("settling_s", &DetectOptions::settling_s),
        number("quality_probe_s", &DetectOptions::quality_probe_s),
        number("saturated_fraction", &DetectOptions::saturated_fraction),
    };
    return all;
}

// A TOML number or text as the text DetectOptions::set reads (numbers in their shortest exact
// form, so the option gets the very double written in the file).
std::string option_text(const toml::value& value, const std::string& where) {
    if (value.is_string()) return value.as_string().str;
    if (value.is_integer()) return std::to_string(value.as_integer());
    if (value.is_floating()) {
        std::array<char, 32> buffer{};
        const auto result =
            std::to_chars(buffer.data(), buffer.data() + buffer.size(), value.as_floating());
        return std::string(buffer.data(), result.ptr);
    }
    throw InputError(where + " must be a number or a text");
}

}  // namespace

namespace detail {

DetectDefaults parse_detect_defaults(std::string_view toml_text, const std::string& source) {
    DetectDefaults out;
    for (const auto& [entry, field] : read_named_fields(
             toml_text, source, "detector option", fields(), {"accelerometer", "unit", "why"})) {
        const auto& table = entry.table;
        const std::string value = option_text(table.at("value"), entry.where + " value");
        const std::string accelerometer =
            table.contains("accelerometer")
                ? option_text(table.at("accelerometer"), entry.where + " accelerometer")
                : value;
        try {
            field->set(out.emg, value);
            field->set(out.accelerometer, accelerometer);
        } catch (const InputError& e) {
            throw InputError(source + ": " + e.what());
        }
        out.descriptions.emplace(entry.name, table.at("description").as_string().str);
    }
    return out;
}

const DetectDefaults& detect_defaults() {
    static const DetectDefaults defaults =
        parse_detect_defaults(kDetectionDefaultsText, "knowledge/detection.toml");
    return defaults;
}

}  // namespace detail

std::string_view to_string(ChannelKind kind) {
    switch (kind) {
        case ChannelKind::accelerometer:
            return "accelerometer";
        case ChannelKind::other:
            return "other";
        case ChannelKind::emg:
            break;
    }
    return "emg";
}

ChannelKind classify_channel(std::string_view label, std::string_view physical_unit,
                             std::string_view transducer) {
    std::string unit = lower(physical_unit);
    unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
    if (unit == "g" || unit == "mg" || unit == "m/s2" || unit == "m/s^2" || unit == "m/s**2" ||
        unit == "ms-2" || unit == "m.s-2") {
        return ChannelKind::accelerometer;
    }
    if (unit == "degc" || unit == "%" || unit == "bpm") return ChannelKind::other;
    // Whole words only: "simulated" must not read as "imu". Digits end a word, so "ECG2" gives
    // "ecg" and "SpO2" gives "spo".
    static const std::set<std::string, std::less<>> kOtherWords = {
        "ecg",   "ekg",    "eeg",     "eog",  "resp",   "temp", "spo",
        "pleth", "status", "trigger", "trig", "marker", "event"};
    for (const auto& text : {lower(label), lower(transducer)}) {
        std::string word;
        for (std::size_t i = 0; i <= text.size(); ++i) {
            if (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
                word += text[i];
                continue;
            }
            if (word.rfind("acc", 0) == 0 || word == "imu" || word == "mmg") {
                return ChannelKind::accelerometer;
            }
            if (kOtherWords.count(word) != 0) return ChannelKind::other;
            word.clear();
        }
    }
    return ChannelKind::emg;
}

DetectOptions::DetectOptions() : DetectOptions(detail::detect_defaults().emg) {}

DetectOptions DetectOptions::for_kind(ChannelKind kind) {
    const auto& defaults = detail::detect_defaults();
    return kind == ChannelKind::accelerometer ? defaults.accelerometer : defaults.emg;
}

std::vector<std::pair<std::string, std::string>> DetectOptions::describe() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& field : fields()) {
        const auto& descriptions = detail::detect_defaults().descriptions;
        out.emplace_back(field.name,
                         field.get(*this) + "  " + descriptions.find(field.name)->second);
    }
    return out;
}

void DetectOptions::set(std::string_view name, std::string_view value) {
    for (const auto& field : fields()) {
        if (name == field.name) {
            field.set(*this, value);
            return;
        }
    }
    throw InputError("unknown detect option '" + std::string(name) +
                     "' (twitchwatch detect --help lists them)");
}

std::vector<std::string> check_channel_quality(std::span<const float> frames,
                                               std::size_t frame_count, std::size_t channels,
                                               std::span<const double> physical_min,
                                               std::span<const double> physical_max,
                                               double saturated_fraction) {
    // Saturated: many samples sit at one of the ends of the physical range (the amplifier
    // clipped). Flat: no variation at all. A range taken from the data itself (CSV) always has
    // a sample at each end, which in a probe of two or three samples is "most of them": such a
    // probe tells nothing about clipping, so saturation needs this many samples at the limits.
    constexpr std::size_t kMinSamplesAtLimits = 8;
    std::vector<std::string> verdict(channels);
    if (frame_count == 0) return verdict;
    for (std::size_t c = 0; c < channels; ++c) {
        float low = frames[c], high = frames[c];
        const double lo = std::min(physical_min[c], physical_max[c]);
        const double hi = std::max(physical_min[c], physical_max[c]);
        const double tolerance = (hi - lo) * 1e-4;
        std::size_t at_limit = 0;
        for (std::size_t f = 0; f < frame_count; ++f) {
            const float v = frames[f * channels + c];
            low = std::min(low, v);
            high = std::max(high, v);
            if (hi > lo && (v <= lo + tolerance || v >= hi - tolerance)) ++at_limit;
        }
        if (high == low) {
            verdict[c] = "flat";
        } else if (at_limit >= kMinSamplesAtLimits &&
                   static_cast<double>(at_limit) >
                       saturated_fraction * static_cast<double>(frame_count)) {
            verdict[c] = "saturated";
        }
    }
    return verdict;
}

}  // namespace twitchwatch::signal
