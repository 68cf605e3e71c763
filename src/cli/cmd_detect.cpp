// `twitchwatch detect FILE`: twitches in a recording, as a summary for a person or as JSON.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "charts.hpp"
#include "commands.hpp"
#include "output_file.hpp"
#include "progress_bar.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/detect.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::cli {
namespace {

struct DetectArgs {
    std::string file;
    bool json = false;
    bool no_progress = false;
    std::vector<std::string> channels;
    std::string events_csv;
    std::string annotate;
    std::string svg;
    std::vector<std::string> emg_settings, accelerometer_settings;
};

void apply_settings(signal::DetectOptions& options, const std::vector<std::string>& settings) {
    for (const auto& setting : settings) {
        const auto eq = setting.find('=');
        if (eq == std::string::npos) {
            throw UsageError("--set expects NAME=VALUE, got '" + setting + "'");
        }
        options.set(setting.substr(0, eq), setting.substr(eq + 1));
    }
}

std::string options_help() {
    std::ostringstream out;
    out << "Detection options (--set NAME=VALUE for EMG, --set-acc for accelerometers; "
           "docs/detection.md):\n";
    const auto emg = signal::DetectOptions::for_kind(signal::ChannelKind::emg).describe();
    const auto acc = signal::DetectOptions::for_kind(signal::ChannelKind::accelerometer).describe();
    out << "  NAME                      EMG default / accelerometer default  meaning\n";
    for (std::size_t i = 0; i < emg.size(); ++i) {
        const auto split = [](const std::string& text) {
            const auto gap = text.find("  ");
            return std::pair{text.substr(0, gap), text.substr(gap + 2)};
        };
        const auto [emg_value, meaning] = split(emg[i].second);
        const auto acc_value = split(acc[i].second).first;
        char line[256];
        std::snprintf(line, sizeof line, "  %-25s %-8s / %-8s  %s\n", emg[i].first.c_str(),
                      emg_value.c_str(), acc_value.c_str(), meaning.c_str());
        out << line;
    }
    return out.str();
}

// Three significant digits: amplitudes range from uV to g.
std::string significant(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.3g", value);
    return buffer;
}

std::string number(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

// Volts in one of the SI voltage units a channel may carry; 0 for any other unit.
double volts_per(const std::string& unit) {
    static const std::map<std::string, double> kVolts = {
        {"V", 1.0}, {"mV", 1e-3}, {"uV", 1e-6}, {"nV", 1e-9}};
    const auto found = kVolts.find(unit);
    return found == kVolts.end() ? 0.0 : found->second;
}

// "68.8 to 238 uV" for the peaks of the summary's kind: voltages in the finest voltage unit among
// them (one channel in mV and one in uV read "0.0688 to 238 uV"), other units each on their own
// ("...; 0.012 to 0.05 g").
std::string amplitude_range(const signal::DetectionReport& r, signal::ChannelKind kind) {
    std::string finest_volts;
    for (const auto& e : r.events) {
        const auto& unit = r.channels[e.channel].physical_unit;
        if (r.channels[e.channel].kind == kind && volts_per(unit) > 0 &&
            (finest_volts.empty() || volts_per(unit) < volts_per(finest_volts))) {
            finest_volts = unit;
        }
    }
    std::map<std::string, std::pair<double, double>> by_unit;  // low, high
    for (const auto& e : r.events) {
        const auto& ch = r.channels[e.channel];
        if (ch.kind != kind) continue;
        const double volts = volts_per(ch.physical_unit);
        const std::string unit = volts > 0 ? finest_volts : ch.physical_unit;
        const double peak = volts > 0 ? e.peak * volts / volts_per(finest_volts) : e.peak;
        const auto [at, added] = by_unit.try_emplace(unit, peak, peak);
        at->second = {std::min(at->second.first, peak), std::max(at->second.second, peak)};
    }
    std::string text;
    for (const auto& [unit, range] : by_unit) {
        text += (text.empty() ? "" : "; ") + significant(range.first) + " to " +
                significant(range.second) + (unit.empty() ? "" : " " + unit);
    }
    return text;
}

void write_summary(const signal::DetectionReport& r, std::ostream& out) {
    const auto by_reason = signal::excluded_by_reason(r);
    const auto primary = signal::primary_kind(r);
    out << r.file << "\n";
    out << "  recorded " << number(r.duration_s / 60, 1) << " min, analysed "
        << number(r.analysed_s / 60, 1) << " min, excluded " << number(r.excluded_s / 60, 1)
        << " min";
    if (!by_reason.empty()) {
        out << " (";
        bool first = true;
        for (const auto& [reason, seconds] : by_reason) {
            out << (first ? "" : ", ") << reason << " " << number(seconds, 1) << " s";
            first = false;
        }
        out << ")";
    }
    out << "\n";
    const auto counted = std::count_if(r.events.begin(), r.events.end(), [&](const auto& e) {
        return r.channels[e.channel].kind == primary;
    });
    out << "  twitches: " << counted << ", " << number(r.rate_per_min, 1) << " per minute";
    if (counted > 0) out << ", amplitude " << amplitude_range(r, primary);
    out << "\n";
    if (!r.mains_notches_hz.empty()) {
        out << "  mains removed at";
        for (double f : r.mains_notches_hz) out << " " << number(f, 0);
        out << " Hz\n";
    }
    char line[256];
    std::snprintf(line, sizeof line, "  %-16s %-13s %7s %8s %12s  %s\n", "channel", "kind",
                  "events", "per min", "noise RMS", "amplitude");
    out << line;
    for (const auto& c : r.channels) {
        if (!c.skipped.empty()) {
            std::snprintf(line, sizeof line, "  %-16s %-13s skipped: %s\n", c.label.c_str(),
                          std::string(signal::to_string(c.kind)).c_str(), c.skipped.c_str());
        } else {
            const std::string amplitude = c.events > 0
                                              ? significant(c.peak_min) + "-" +
                                                    significant(c.peak_max) + " " + c.physical_unit
                                              : "-";
            std::snprintf(line, sizeof line, "  %-16s %-13s %7zu %8.1f %9.3g %-3s %s\n",
                          c.label.c_str(), std::string(signal::to_string(c.kind)).c_str(), c.events,
                          c.rate_per_min, c.noise_rms, c.physical_unit.c_str(), amplitude.c_str());
        }
        out << line;
    }
    for (const auto& w : r.warnings) out << "  warning: " << w << "\n";
}

// A CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break (a
// label like `EMG,1 "x"` split its row into nine fields under a seven-field header).
std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

// The labels of one --channels value, read as the fields of a CSV row, so that a label holding a
// comma can be given in double quotes (`"EMG,1 ""x""",EMG2`), as csv_field writes it.
std::vector<std::string> channel_labels(const std::string& list) {
    std::vector<std::string> labels(1);
    bool quoted = false;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const char c = list[i];
        if (quoted && c == '"' && i + 1 < list.size() && list[i + 1] == '"') {
            labels.back() += '"';
            ++i;
        } else if (c == '"' && (quoted || labels.back().empty())) {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            labels.emplace_back();
        } else {
            labels.back() += c;
        }
    }
    if (quoted) throw UsageError("--channels '" + list + "': a quote is not closed");
    for (const auto& label : labels) {
        if (label.empty()) throw UsageError("--channels '" + list + "': a label is empty");
    }
    return labels;
}

void write_events_csv(const signal::DetectionReport& r, const OutputFile& file) {
    const std::string name = file.target().string();
    std::ofstream out(file.writing_path());
    if (!out) throw InputError(name + ": cannot write the events file");
    out.precision(10);
    out << "onset_s,duration_s,channel,peak,unit,snr,channels_seen\n";
    for (const auto& e : r.events) {
        const auto& ch = r.channels[e.channel];
        out << e.onset_s << ',' << e.duration_s << ',' << csv_field(ch.label) << ',' << e.peak
            << ',' << csv_field(ch.physical_unit) << ',' << e.snr << ',' << e.channels_seen << '\n';
    }
    out.close();  // a full disk shows only when the buffer is written
    if (!out) throw InputError(name + ": writing the events file failed");
}

int run_detect(const DetectArgs& args) {
    refuse_same_files({{"FILE", args.file},
                       {"--events-csv", args.events_csv},
                       {"--annotate", args.annotate},
                       {"--svg", args.svg}});
    OutputFile events("--events-csv", args.events_csv);
    OutputFile annotated("--annotate", args.annotate);
    OutputFile chart("--svg", args.svg);
    signal::DetectRequest request;
    for (const auto& list : args.channels) {
        for (auto& label : channel_labels(list)) request.channel_labels.push_back(std::move(label));
    }
    apply_settings(request.emg, args.emg_settings);
    apply_settings(request.accelerometer, args.accelerometer_settings);
    signal::DetectionReport report;
    {
        ProgressBar bar(!args.no_progress);
        request.progress = bar.callback();
        report = signal::detect_recording(args.file, request);
    }
    try {
        if (events.wanted()) write_events_csv(report, events);
        if (chart.wanted()) chart.write(detect_chart(report));
        if (annotated.wanted()) {
            std::vector<signal::Annotation> notes;
            for (const auto& e : report.events) {
                notes.push_back(
                    {e.onset_s, e.duration_s, "twitch " + report.channels[e.channel].label});
            }
            for (const auto& x : report.exclusions) {
                notes.push_back({x.start_s, x.end_s - x.start_s, "excluded " + x.reason});
            }
            for (const auto& warning :
                 signal::write_annotated_copy(args.file, annotated.writing_path(), notes)) {
                report.warnings.push_back("--annotate " + args.annotate + ": " + warning);
            }
        }
    } catch (const InputError& e) {
        throw InputError(
            chart.name_target_in(annotated.name_target_in(events.name_target_in(e.what()))));
    }
    // The answer, with what writing the files had to say, is rendered before any file is put in
    // place, so that nothing is left behind when it cannot be. A file name that is not UTF-8 (the
    // JSON's "file") gets U+FFFD for the bytes that are not, rather than stopping the dump.
    std::ostringstream answer;
    if (args.json) {
        answer << signal::to_json(report).dump(2, ' ', false,
                                               nlohmann::json::error_handler_t::replace)
               << "\n";
    } else {
        write_summary(report, answer);
    }
    events.commit();
    annotated.commit();
    chart.commit();
    std::cout << answer.str();
    return kExitOk;
}

}  // namespace

Command add_detect_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "detect", "Find twitches (fasciculation potentials) in an EDF, EDF+, BDF or CSV recording");
    auto args = std::make_shared<DetectArgs>();
    sub->add_option("FILE", args->file, "recording")->required();
    sub->add_flag("--json", args->json, "print the report as JSON (docs/detect-output.md)");
    sub->add_option("--channels", args->channels,
                    "channel labels to analyse (comma-separated, a label with a comma in double "
                    "quotes; each names exactly one channel, once; reported in file order)");
    sub->add_option("--events-csv", args->events_csv, "write the events to this CSV file")
        ->check(kNotEmpty);
    sub->add_option("--annotate", args->annotate,
                    "write a copy of the recording with the events as EDF+ annotations")
        ->check(kNotEmpty);
    sub->add_option("--svg", args->svg,
                    "draw a timeline of the recording as an SVG chart: the twitch rate over "
                    "time, each channel's events, the excluded stretches (docs/detect-output.md)")
        ->check(kNotEmpty);
    sub->add_option("--set", args->emg_settings, "EMG detection option NAME=VALUE (repeatable)");
    sub->add_option("--set-acc", args->accelerometer_settings,
                    "accelerometer detection option NAME=VALUE (repeatable)");
    sub->add_flag("--no-progress", args->no_progress, "no progress bar on a terminal");
    sub->footer(options_help());
    return {sub, [args] { return run_detect(*args); }};
}

}  // namespace twitchwatch::cli
