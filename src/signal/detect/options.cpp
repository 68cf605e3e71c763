// DetectOptions: defaults per kind of channel, their descriptions, setting them by name; and the
// classification and quality checks of channels.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>

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

// One entry per option: its name, a description, and access to the field.
struct OptionField {
    const char* name;
    const char* description;
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
OptionField number(const char* name, const char* description, Field DetectOptions::*field) {
    return {
        name, description,
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
        number("band_low_hz", "high-pass edge of the band-pass (0 = none)",
               &DetectOptions::band_low_hz),
        number("band_high_hz", "low-pass edge (lowered to 0.45 x sample rate)",
               &DetectOptions::band_high_hz),
        number("band_order", "Butterworth order of each edge (even)", &DetectOptions::band_order),
        {"mains", "auto | off | 50 | 60: mains notches (auto finds which harmonics are present)",
         [](const DetectOptions& o) { return o.mains; },
         [](DetectOptions& o, std::string_view text) { o.mains = std::string(text); }},
        number("mains_harmonics", "highest mains harmonic notched",
               &DetectOptions::mains_harmonics),
        number("mains_notch_bandwidth_hz", "-3 dB width of each mains notch",
               &DetectOptions::mains_notch_bandwidth_hz),
        number("mains_detect_ratio", "power at a harmonic / power beside it to notch it",
               &DetectOptions::mains_detect_ratio),
        number("mains_probe_s", "seconds at the start used to find the mains",
               &DetectOptions::mains_probe_s),
        number("envelope_time_constant_s", "smoothing of the squared signal",
               &DetectOptions::envelope_time_constant_s),
        number("segment_s", "segment over which noise and activity are judged",
               &DetectOptions::segment_s),
        number("noise_history_s", "history of segment noise for the floor",
               &DetectOptions::noise_history_s),
        number("noise_floor_quantile", "floor = this quantile of the history",
               &DetectOptions::noise_floor_quantile),
        number("threshold", "event when envelope RMS > threshold x noise floor",
               &DetectOptions::threshold),
        number("onset_lookback_s", "the reported onset is traced back at most this far",
               &DetectOptions::onset_lookback_s),
        number("onset_level", "...while the envelope RMS stays above this x noise floor",
               &DetectOptions::onset_level),
        number("onset_gap_s", "...and across dips below that level this short",
               &DetectOptions::onset_gap_s),
        number("onset_phase_level", "...to an earlier phase rising above this x noise floor",
               &DetectOptions::onset_phase_level),
        number("refractory_s", "least time between two onsets on one channel",
               &DetectOptions::refractory_s),
        number("min_event_duration_s", "shorter crossings are noise",
               &DetectOptions::min_event_duration_s),
        number("max_event_duration_s", "longer crossings are not twitches",
               &DetectOptions::max_event_duration_s),
        number("doublet_min_interval_s",
               "an event repeating itself this late or later is a doublet, two twitches (0: off)",
               &DetectOptions::doublet_min_interval_s),
        number("doublet_correlation", "...when its two parts correlate at least this well",
               &DetectOptions::doublet_correlation),
        number("echo_window_s", "after an event, smaller ones this soon may be its ringing",
               &DetectOptions::echo_window_s),
        number("echo_ratio", "...and are dropped when below this fraction of its peak",
               &DetectOptions::echo_ratio),
        number("merge_window_s", "peaks this close on several channels are one twitch",
               &DetectOptions::merge_window_s),
        number("copy_window_s",
               "weaker events starting this soon after a twitch on other channels are its copies",
               &DetectOptions::copy_window_s),
        number("voluntary_level", "activity level (x noise floor) for the voluntary gate",
               &DetectOptions::voluntary_level),
        number("voluntary_duty_cycle", "fraction of a segment above that level = voluntary",
               &DetectOptions::voluntary_duty_cycle),
        number("voluntary_crossings_per_s", "threshold crossings per second = voluntary",
               &DetectOptions::voluntary_crossings_per_s),
        number("voluntary_min_channels", "channels that must be active at once",
               &DetectOptions::voluntary_min_channels),
        number("voluntary_min_s", "activity must last this long to be voluntary",
               &DetectOptions::voluntary_min_s),
        number("start_review_s", "the start is judged again after this long",
               &DetectOptions::start_review_s),
        number("artefact_band_low_hz", "slow band for movement artefacts, low edge",
               &DetectOptions::artefact_band_low_hz),
        number("artefact_band_high_hz", "slow band, high edge",
               &DetectOptions::artefact_band_high_hz),
        number("artefact_ratio", "slow-band RMS / its floor = artefact (0 = off)",
               &DetectOptions::artefact_ratio),
        number("artefact_level", "...and above this x the EMG noise floor",
               &DetectOptions::artefact_level),
        number("exclusion_padding_s", "also excluded before and after a stretch",
               &DetectOptions::exclusion_padding_s),
        number("settling_s", "start of the recording not analysed while filters settle",
               &DetectOptions::settling_s),
    };
    return all;
}

}  // namespace

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

DetectOptions DetectOptions::for_kind(ChannelKind kind) {
    DetectOptions o;
    if (kind == ChannelKind::accelerometer) {
        // A mechanical twitch lasts 50-200 ms (contraction time 30-90 ms) and sits at 2-40 Hz;
        // the slow band is the signal itself, so the artefact test is off and large sustained
        // movement is caught by the voluntary gate.
        o.band_low_hz = 2.0;
        o.band_high_hz = 40.0;
        o.mains = "off";
        o.envelope_time_constant_s = 0.015;
        o.segment_s = 0.5;
        o.refractory_s = 0.1;
        o.min_event_duration_s = 0.01;
        o.max_event_duration_s = 0.4;
        o.merge_window_s = 0.03;
        o.artefact_ratio = 0.0;
        // A mechanical twitch fills a good part of a segment; movement lasts longer.
        o.voluntary_min_s = 1.5;
        o.echo_window_s = 0.5;
        o.echo_ratio = 0.3;
        // Two discharges this close fuse into one mechanical twitch.
        o.doublet_min_interval_s = 0.0;
        o.exclusion_padding_s = 1.0;
        o.settling_s = 0.5;
    }
    return o;
}

std::vector<std::pair<std::string, std::string>> DetectOptions::describe() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& field : fields()) {
        out.emplace_back(field.name, field.get(*this) + "  " + field.description);
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
                                               std::span<const double> physical_max) {
    // Saturated: most samples sit at one of the ends of the physical range (the amplifier
    // clipped). Flat: no variation at all.
    constexpr double kSaturatedFraction = 0.5;
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
        } else if (static_cast<double>(at_limit) >
                   kSaturatedFraction * static_cast<double>(frame_count)) {
            verdict[c] = "saturated";
        }
    }
    return verdict;
}

}  // namespace twitchwatch::signal
