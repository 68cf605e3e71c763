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
        number("min_sample_rate_hz", &DetectOptions::min_sample_rate_hz),
        {"mains", [](const DetectOptions& o) { return o.mains; },
         [](DetectOptions& o, std::string_view text) { o.mains = std::string(text); }},
        number("mains_harmonics", &DetectOptions::mains_harmonics),
        number("mains_notch_bandwidth_hz", &DetectOptions::mains_notch_bandwidth_hz),
        number("mains_detect_ratio", &DetectOptions::mains_detect_ratio),
        number("mains_probe_s", &DetectOptions::mains_probe_s),
        number("mains_presence_ratio", &DetectOptions::mains_presence_ratio),
        number("envelope_time_constant_s", &DetectOptions::envelope_time_constant_s),
        number("segment_s", &DetectOptions::segment_s),
        number("noise_history_s", &DetectOptions::noise_history_s),
        number("noise_floor_quantile", &DetectOptions::noise_floor_quantile),
        number("resolution_floor", &DetectOptions::resolution_floor),
        number("threshold", &DetectOptions::threshold),
        number("onset_lookback_s", &DetectOptions::onset_lookback_s),
        number("onset_level", &DetectOptions::onset_level),
        number("onset_gap_s", &DetectOptions::onset_gap_s),
        number("onset_phase_level", &DetectOptions::onset_phase_level),
        number("refractory_s", &DetectOptions::refractory_s),
        number("min_event_duration_s", &DetectOptions::min_event_duration_s),
        number("max_event_duration_s", &DetectOptions::max_event_duration_s),
        number("min_event_samples", &DetectOptions::min_event_samples),
        number("glitch_max_s", &DetectOptions::glitch_max_s),
        number("glitch_ratio", &DetectOptions::glitch_ratio),
        number("glitch_share", &DetectOptions::glitch_share),
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
        number("heartbeat_min_beats", &DetectOptions::heartbeat_min_beats),
        number("heartbeat_max_missed", &DetectOptions::heartbeat_max_missed),
        number("heartbeat_chance_seeds", &DetectOptions::heartbeat_chance_seeds),
        number("heartbeat_seed_tolerance", &DetectOptions::heartbeat_seed_tolerance),
        number("heartbeat_tolerance", &DetectOptions::heartbeat_tolerance),
        number("heartbeat_min_rate_per_min", &DetectOptions::heartbeat_min_rate_per_min),
        number("heartbeat_max_rate_per_min", &DetectOptions::heartbeat_max_rate_per_min),
        number("heartbeat_peak_ratio", &DetectOptions::heartbeat_peak_ratio),
        number("heartbeat_before_s", &DetectOptions::heartbeat_before_s),
        number("heartbeat_after_s", &DetectOptions::heartbeat_after_s),
        number("heartbeat_irregular_min_beats", &DetectOptions::heartbeat_irregular_min_beats),
        number("heartbeat_irregular_max_centres", &DetectOptions::heartbeat_irregular_max_centres),
        number("heartbeat_irregular_min_rate_per_min",
               &DetectOptions::heartbeat_irregular_min_rate_per_min),
        number("heartbeat_irregular_duration_ratio",
               &DetectOptions::heartbeat_irregular_duration_ratio),
        number("heartbeat_irregular_spread", &DetectOptions::heartbeat_irregular_spread),
        number("heartbeat_irregular_share", &DetectOptions::heartbeat_irregular_share),
        number("heartbeat_irregular_stray_share", &DetectOptions::heartbeat_irregular_stray_share),
        number("heartbeat_ectopic_min_beats", &DetectOptions::heartbeat_ectopic_min_beats),
        number("heartbeat_ectopic_lag_tolerance", &DetectOptions::heartbeat_ectopic_lag_tolerance),
        number("heartbeat_hidden_after_s", &DetectOptions::heartbeat_hidden_after_s),
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

void DetectOptions::validate(std::string_view which) const {
    const DetectOptions& o = *this;
    // Windows in seconds are bounded above as well as below: the detector keeps that much of
    // the signal (or that many segments) per channel, and holds results back that long, so an
    // hour of padding or a day of probe would take gigabytes or hours. A minute is far beyond
    // any sensible value of each; the noise history may reach an hour (one number per segment).
    constexpr double kMaxWindowS = 60, kMaxHistoryS = 3600;
    constexpr int kMaxMainsHarmonics = 32;  // each harmonic is a filter section of its own
    const auto window = [&](double value) { return value >= 0 && value <= kMaxWindowS; };
    // Each rule names its option (and the one it depends on); written as "holds" so that NaN
    // fails every one. Checked in order, the first broken one is reported.
    const struct {
        bool holds;
        const char* rule;
    } rules[] = {
        {o.band_low_hz >= 0 && o.band_high_hz >= 0, "band_low_hz and band_high_hz must be >= 0"},
        // (A low edge too high for a channel's sample rate is skipped, not refused: a file may
        // hold a slow channel beside the EMG.)
        {o.band_high_hz == 0 || o.band_low_hz < o.band_high_hz,
         "band_low_hz must be below band_high_hz"},
        {o.band_order >= 2 && o.band_order <= 16 && o.band_order % 2 == 0,
         "band_order must be even, 2 to 16"},
        {o.min_sample_rate_hz >= 0 && o.min_sample_rate_hz <= kMaxDetectSampleRateHz,
         "min_sample_rate_hz must be 0 to 100000"},
        {o.mains == "auto" || o.mains == "off" || o.mains == "50" || o.mains == "60",
         "mains must be auto, off, 50 or 60"},
        {o.mains_harmonics >= 1 && o.mains_harmonics <= kMaxMainsHarmonics,
         "mains_harmonics must be 1 to 32"},
        {o.mains_detect_ratio > 0, "mains_detect_ratio must be above 0"},
        {o.mains_presence_ratio >= o.mains_detect_ratio,
         "mains_presence_ratio must be at least mains_detect_ratio"},
        {o.mains_probe_s > 0 && window(o.mains_probe_s),
         "mains_probe_s must be above 0, at most 60"},
        {o.segment_s > 0 && o.segment_s <= 10, "segment_s must be above 0, at most 10"},
        {o.noise_history_s >= o.segment_s && o.noise_history_s <= kMaxHistoryS,
         "noise_history_s must be segment_s to 3600"},
        {o.noise_floor_quantile > 0 && o.noise_floor_quantile < 1,
         "noise_floor_quantile must be between 0 and 1"},
        {o.threshold > 0, "threshold must be above 0"},
        {o.resolution_floor >= 0 && o.resolution_floor <= 100, "resolution_floor must be 0 to 100"},
        {o.glitch_max_s >= 0 && o.glitch_max_s <= 0.01, "glitch_max_s must be 0 to 0.01"},
        {o.glitch_ratio >= 1, "glitch_ratio must be at least 1"},
        {o.glitch_share > 0 && o.glitch_share <= 1, "glitch_share must be above 0 and at most 1"},
        {o.envelope_time_constant_s > 0 && window(o.envelope_time_constant_s),
         "envelope_time_constant_s must be above 0, at most 60"},
        {window(o.refractory_s), "refractory_s must be 0 to 60"},
        {window(o.onset_lookback_s), "onset_lookback_s must be 0 to 60"},
        {o.onset_level >= 0, "onset_level must be >= 0"},
        {window(o.onset_gap_s), "onset_gap_s must be 0 to 60"},
        {o.onset_phase_level >= o.onset_level, "onset_phase_level must be at least onset_level"},
        {window(o.merge_window_s), "merge_window_s must be 0 to 60"},
        {window(o.copy_window_s), "copy_window_s must be 0 to 60"},
        {window(o.doublet_min_interval_s), "doublet_min_interval_s must be 0 to 60"},
        {o.doublet_correlation > 0 && o.doublet_correlation <= 1,
         "doublet_correlation must be above 0 and at most 1"},
        {o.min_event_duration_s >= 0 && o.max_event_duration_s > o.min_event_duration_s &&
             window(o.max_event_duration_s),
         "max_event_duration_s must be above min_event_duration_s (>= 0), at most 60"},
        {o.min_event_samples >= 1 && o.min_event_samples <= 1000,
         "min_event_samples must be 1 to 1000"},
        {window(o.exclusion_padding_s), "exclusion_padding_s must be 0 to 60"},
        {o.voluntary_duty_cycle > 0, "voluntary_duty_cycle must be above 0"},
        {window(o.voluntary_min_s), "voluntary_min_s must be 0 to 60"},
        {o.mains_notch_bandwidth_hz > 0, "mains_notch_bandwidth_hz must be above 0"},
        {o.echo_ratio >= 0, "echo_ratio must be >= 0"},
        {window(o.echo_window_s), "echo_window_s must be 0 to 60"},
        {o.start_review_s >= 0 && o.start_review_s <= o.noise_history_s,
         "start_review_s must be 0 to noise_history_s"},
        {o.artefact_ratio >= 0, "artefact_ratio must be >= 0"},
        {o.artefact_ratio == 0 ||
             (o.artefact_band_low_hz > 0 && o.artefact_band_low_hz < o.artefact_band_high_hz),
         "artefact_band_low_hz must be above 0 and below artefact_band_high_hz"},
        {window(o.settling_s), "settling_s must be 0 to 60"},
        {o.heartbeat_min_beats != 1, "heartbeat_min_beats must be 0 (off) or at least 2"},
        {o.heartbeat_max_missed <= 16, "heartbeat_max_missed must be 0 to 16"},
        {o.heartbeat_chance_seeds > 0 && o.heartbeat_chance_seeds < 1,
         "heartbeat_chance_seeds must be above 0 and below 1"},
        {o.heartbeat_seed_tolerance > 0 && o.heartbeat_seed_tolerance < 0.5 &&
             o.heartbeat_tolerance > 0 && o.heartbeat_tolerance < 0.5,
         "heartbeat_seed_tolerance and heartbeat_tolerance must be above 0 and below 0.5"},
        {o.heartbeat_min_rate_per_min > 0 &&
             o.heartbeat_min_rate_per_min < o.heartbeat_max_rate_per_min &&
             o.heartbeat_max_rate_per_min <= 600,
         "heartbeat_min_rate_per_min must be above 0 and below heartbeat_max_rate_per_min, at most "
         "600"},
        {o.heartbeat_peak_ratio >= 1, "heartbeat_peak_ratio must be at least 1"},
        {o.heartbeat_before_s >= 0 && o.heartbeat_after_s >= 0 &&
             o.heartbeat_before_s + o.heartbeat_after_s < 60 / o.heartbeat_max_rate_per_min,
         "heartbeat_before_s + heartbeat_after_s must be >= 0 and below the shortest beat "
         "interval"},
        {o.heartbeat_irregular_min_beats != 1,
         "heartbeat_irregular_min_beats must be 0 (off) or at least 2"},
        {o.heartbeat_irregular_max_centres >= 1,
         "heartbeat_irregular_max_centres must be at least 1"},
        {o.heartbeat_irregular_min_rate_per_min > 0 &&
             o.heartbeat_irregular_min_rate_per_min < o.heartbeat_max_rate_per_min,
         "heartbeat_irregular_min_rate_per_min must be above 0 and below "
         "heartbeat_max_rate_per_min"},
        {o.heartbeat_irregular_duration_ratio >= 1,
         "heartbeat_irregular_duration_ratio must be at least 1"},
        {o.heartbeat_irregular_spread > 0 && o.heartbeat_irregular_spread < 1 &&
             o.heartbeat_irregular_share > 0 && o.heartbeat_irregular_share <= 1 &&
             o.heartbeat_irregular_stray_share >= 0 && o.heartbeat_irregular_stray_share < 1,
         "heartbeat_irregular_spread must be above 0 and below 1, heartbeat_irregular_share "
         "above 0 and at most 1, heartbeat_irregular_stray_share 0 to below 1"},
        {o.heartbeat_ectopic_min_beats != 1,
         "heartbeat_ectopic_min_beats must be 0 (off) or at least 2"},
        {o.heartbeat_ectopic_lag_tolerance > 0 && o.heartbeat_ectopic_lag_tolerance < 1,
         "heartbeat_ectopic_lag_tolerance must be above 0 and below 1"},
        {o.heartbeat_hidden_after_s >= 0 &&
             o.heartbeat_hidden_after_s < 60 / o.heartbeat_max_rate_per_min,
         "heartbeat_hidden_after_s must be >= 0 and below the shortest beat interval"},
        {o.quality_probe_s > 0 && window(o.quality_probe_s),
         "quality_probe_s must be above 0, at most 60"},
        {o.saturated_fraction > 0 && o.saturated_fraction <= 1,
         "saturated_fraction must be above 0 and at most 1"},
    };
    for (const auto& check : rules) {
        if (!check.holds) {
            throw InputError("detect: " + std::string(which) + check.rule);
        }
    }
}

ChannelQualityProbe::ChannelQualityProbe(std::span<const ChannelInfo> channels,
                                         double saturated_fraction)
    : saturated_fraction_(saturated_fraction) {
    // Without a digital range (CSV) the ends are the data's own extremes, met exactly: a
    // millionth of each end's own size absorbs the float rounding of the samples (a share of
    // the span made every noise sample "at the end" once one cell of 1e8 widened the span).
    constexpr double kExactEnd = 1e-6;
    for (const auto& info : channels) {
        Channel channel;
        channel.low = std::min(info.physical_min, info.physical_max);
        channel.high = std::max(info.physical_min, info.physical_max);
        const int steps = info.digital_max - info.digital_min;
        if (steps > 0) {
            channel.low_tolerance = channel.high_tolerance =
                0.5 * (channel.high - channel.low) / steps;
        } else {
            channel.low_tolerance = kExactEnd * std::abs(channel.low);
            channel.high_tolerance = kExactEnd * std::abs(channel.high);
        }
        channels_.push_back(channel);
    }
}

void ChannelQualityProbe::add(std::span<const float> frames, std::size_t frame_count) {
    const std::size_t C = channels_.size();
    for (std::size_t c = 0; c < C; ++c) {
        Channel& channel = channels_[c];
        const bool ranged = channel.high > channel.low;
        for (std::size_t f = 0; f < frame_count; ++f) {
            const float v = frames[f * C + c];
            if (frames_ == 0 && f == 0) channel.smallest = channel.largest = v;
            channel.smallest = std::min(channel.smallest, v);
            channel.largest = std::max(channel.largest, v);
            if (ranged && (v <= channel.low + channel.low_tolerance ||
                           v >= channel.high - channel.high_tolerance)) {
                ++channel.at_ends;
            }
        }
    }
    frames_ += frame_count;
}

std::vector<std::string> ChannelQualityProbe::verdict() const {
    // A range taken from the data itself (CSV) always has a sample at each end, which in a
    // probe of two or three samples is "most of them": such a probe tells nothing about
    // clipping, so saturation needs this many samples at the ends.
    constexpr std::size_t kMinSamplesAtEnds = 8;
    std::vector<std::string> verdict(channels_.size());
    if (frames_ == 0) return verdict;
    for (std::size_t c = 0; c < channels_.size(); ++c) {
        const Channel& channel = channels_[c];
        if (channel.largest == channel.smallest) {
            verdict[c] = "flat";
        } else if (channel.at_ends >= kMinSamplesAtEnds &&
                   static_cast<double>(channel.at_ends) >
                       saturated_fraction_ * static_cast<double>(frames_)) {
            verdict[c] = "saturated";
        }
    }
    return verdict;
}

}  // namespace twitchwatch::signal
