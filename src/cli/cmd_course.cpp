// `twitchwatch course`: the twitch rate over the days after a massage, its decay and half-life.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "charts.hpp"
#include "commands.hpp"
#include "output_file.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/json_input.hpp"
#include "twitchwatch/signal/course.hpp"
#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::cli {
namespace {

struct CourseArgs {
    std::vector<std::string> inputs;  // FILE or FILE@TIME
    std::vector<std::string> points;  // HOURS:RATE
    std::string massage;
    std::string svg;
    bool json = false;
    signal::CourseOptions options = signal::recording_course_options();
};

struct Source {
    std::string name;
    signal::CoursePoint point;
};

// The sources of a course, and the inputs left out of it with why.
struct Sources {
    std::vector<Source> sources;
    std::vector<std::string> warnings;
};

// The whole text as a finite number, or nothing ("2:3", "26hx", "nan" and "" are not numbers).
std::optional<double> number_in(const std::string& text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

// Hours from `from` to `to`, with the message naming where a bad date-time came from.
double hours_between(const std::string& from, const std::string& to, const std::string& where) {
    try {
        return signal::hours_between(from, to);
    } catch (const InputError& e) {
        throw InputError(where + ": " + e.what());
    }
}

// What a recording or a `detect --json` result says: its rate, analysed minutes and start.
struct Measurement {
    double rate_per_min = 0;
    double analysed_min = 0;
    std::string start;
};

Measurement measure(const std::string& file) {
    Measurement m;
    if (file.size() > 5 && file.substr(file.size() - 5) == ".json") {
        std::ifstream in(file);
        if (!in) throw InputError(file + ": cannot open");
        const std::string text{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
        try {
            const nlohmann::json report = parse_json_input(text);
            m.rate_per_min = report.at("rate_per_min").get<double>();
            const double analysed_s = report.at("analysed_s").get<double>();
            // A result edited by hand (or another program's) is held to what a recording can be.
            if (report.contains("duration_s") &&
                !(analysed_s <= report.at("duration_s").get<double>())) {
                throw InputError("analysed_s (" + number_text(analysed_s) +
                                 ") is more than the recording's duration_s (" +
                                 number_text(report.at("duration_s").get<double>()) + ")");
            }
            m.analysed_min = analysed_s / 60;
            m.start = report.value("start", "");
        } catch (const InputError& e) {
            throw InputError(file + ": " + e.what());
        } catch (const nlohmann::json::exception& e) {
            throw InputError(file + ": not a `twitchwatch detect --json` result (" +
                             std::string(e.what()) + ")");
        }
    } else {
        const auto report = signal::detect_recording(file, {});
        m.rate_per_min = report.rate_per_min;
        m.analysed_min = report.analysed_s / 60;
        m.start = report.start;
    }
    return m;
}

// EDF+ writes 01.01.85 for a start it does not know (`twitchwatch simulate` too): no date.
constexpr std::string_view kAnonymisedDate = "1985-01-01";

// Hours since the massage of FILE, FILE@TIME or FILE@HOURSh, from the time after the '@' or the
// file's start.
double hours_since_massage(const std::string& input, const std::optional<std::string>& when,
                           const std::string& file_start, const std::string& file,
                           const std::string& massage) {
    const std::string give_time = "give it as " + file + "@2026-11-21T09:00 or " + file + "@26h";
    if (when && when->empty()) throw UsageError(input + ": no time after the '@'; " + give_time);
    if (when && when->back() == 'h') {
        const auto hours = number_in(when->substr(0, when->size() - 1));
        if (!hours) throw UsageError(input + ": '" + *when + "' is not a number of hours like 26h");
        return *hours;
    }
    if (!when && file_start.empty()) {
        throw InputError(input + ": no start time in the file; " + give_time);
    }
    if (!when && file_start.starts_with(kAnonymisedDate)) {
        throw InputError(input +
                         ": the file's start date is 1985-01-01, EDF+'s date for an "
                         "unknown one; " +
                         give_time);
    }
    const std::string& time = when ? *when : file_start;
    const std::string where = when ? input : file + ": its start";
    (void)hours_between(time, time, where);  // a bad time is named before a missing --massage
    if (massage.empty()) throw UsageError("--massage TIME is needed to place " + input);
    return hours_between(massage, time, where);
}

// FILE, FILE@TIME or FILE@HOURSh as the file and the text after the '@'.
struct Input {
    std::string text;  // as given
    std::string file;
    std::optional<std::string> when;
};

Input split_input(const std::string& text) {
    // A whole argument that names a file is that file, '@' and all ("we@ird.json").
    const auto at = text.rfind('@');
    std::error_code no_file;
    if (at == std::string::npos || std::filesystem::exists(text, no_file)) {
        return {text, text, std::nullopt};
    }
    return {text, text.substr(0, at), text.substr(at + 1)};
}

// A recording or a `detect --json` result as a point; nothing (and a warning) when nothing of it
// was analysed.
std::optional<Source> read_input(const Input& in, const std::string& massage,
                                 std::vector<std::string>& warnings) {
    const std::string& input = in.text;
    const auto measured = measure(in.file);
    const double hours = hours_since_massage(input, in.when, measured.start, in.file, massage);
    // Nothing analysed (every channel skipped, or all of it excluded) is no rate at all, not a
    // rate of 0, which would read as "back at baseline". It is left out with a warning rather
    // than refused: the other recordings of the course still say something, as `detect` goes on
    // past a channel it skips. A rate without analysed time, though, is a contradiction.
    if (measured.analysed_min == 0) {
        if (measured.rate_per_min != 0) {
            throw InputError(input + ": a rate of " + number_text(measured.rate_per_min) +
                             " per minute with nothing analysed (analysed_s is 0)");
        }
        warnings.push_back(input + ": left out, nothing of it was analysed (analysed_s is 0), " +
                           "so it has no rate");
        return std::nullopt;
    }
    Source source{in.file, {hours, measured.rate_per_min, measured.analysed_min}};
    if (const auto problem = signal::course_point_problem(source.point); !problem.empty()) {
        throw InputError(input + ": " + problem);
    }
    return source;
}

// A --point HOURS:RATE.
Source read_point(const std::string& text) {
    const auto colon = text.find(':');
    const auto hours = number_in(text.substr(0, colon));
    const auto rate = colon == std::string::npos ? std::nullopt : number_in(text.substr(colon + 1));
    if (!hours || !rate) {
        throw UsageError("--point expects HOURS:RATE like 24:12.5, got '" + text + "'");
    }
    Source s{"point " + text, {*hours, *rate, 0}};
    if (const auto problem = signal::course_point_problem(s.point); !problem.empty()) {
        throw InputError("--point " + text + ": " + problem);
    }
    return s;
}

Sources read_sources(const CourseArgs& args) {
    // Checked even when no input needs it: a mistyped time is not silently ignored.
    if (!args.massage.empty()) (void)hours_between(args.massage, args.massage, "--massage");
    Sources out;
    // One recording given twice would count as two independent measurements and narrow the
    // interval for nothing. --point duplicates stay: they are the user's numbers.
    std::set<std::filesystem::path> files;
    for (const auto& text : args.inputs) {
        const auto input = split_input(text);
        std::error_code error;
        auto canonical = std::filesystem::weakly_canonical(input.file, error);
        if (error) canonical = input.file;  // the file's own error is said when it is read
        if (!files.insert(canonical).second) {
            throw InputError(text + ": " + input.file +
                             " is given twice; each recording is one point of the course");
        }
        if (auto source = read_input(input, args.massage, out.warnings)) {
            out.sources.push_back(std::move(*source));
        }
    }
    for (const auto& text : args.points) out.sources.push_back(read_point(text));
    return out;
}

std::string format_one_decimal(double h) {
    char buffer[32];
    if (std::isinf(h)) return "inf";
    std::snprintf(buffer, sizeof buffer, "%.1f", h);
    return buffer;
}

int run_course(const CourseArgs& args) {
    if (args.inputs.empty() && args.points.empty()) {
        throw UsageError("course: give recordings, detect results or --point");
    }
    for (const auto& text : args.inputs) {
        refuse_same_files({{text, split_input(text).file}, {"--svg", args.svg}});
    }
    OutputFile chart("--svg", args.svg);
    const auto [sources, warnings] = read_sources(args);
    for (const auto& w : warnings) std::cerr << "twitchwatch course: warning: " << w << "\n";
    std::vector<signal::CoursePoint> points;
    for (const auto& s : sources) points.push_back(s.point);
    const auto fit = signal::fit_course(points, args.options);
    if (chart.wanted()) {
        std::vector<std::string> names;
        for (const auto& s : sources) names.push_back(s.name);
        chart.write(course_chart(points, names, fit));
    }

    // The answer is rendered before the chart is put in place, and printed after.
    std::ostringstream answer;
    if (args.json) {
        auto out = signal::to_json(fit);
        out["warnings"] = warnings;
        out["points"] = nlohmann::json::array();
        for (std::size_t i = 0; i < sources.size(); ++i) {
            nlohmann::json p = {{"source", sources[i].name},
                                {"hours_since_massage", points[i].hours_since_massage},
                                {"rate_per_min", points[i].rate},
                                {"analysed_min", points[i].exposure}};
            if (fit.fitted) p["fitted_rate_per_min"] = fit.fitted_rate[i];
            out["points"].push_back(p);
        }
        answer << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        char line[128];
        std::snprintf(line, sizeof line, "%-40s %10s %10s %10s\n", "recording", "hours", "per min",
                      "fitted");
        answer << line;
        for (std::size_t i = 0; i < sources.size(); ++i) {
            const auto& name = sources[i].name;  // padded to 40 bytes, as printf's %-40s did
            answer << name << std::string(name.size() < 40 ? 40 - name.size() : 0, ' ');
            std::snprintf(line, sizeof line, " %10.1f %10.1f %10s\n", points[i].hours_since_massage,
                          points[i].rate,
                          fit.fitted ? format_one_decimal(fit.fitted_rate[i]).c_str() : "-");
            answer << line;
        }
        answer << fit.verdict << "\n";
    }
    chart.commit();
    std::cout << answer.str();
    return kExitOk;
}

}  // namespace

Command add_course_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "course",
        "Twitch rate over the days after a massage: decay, half-life and when it is "
        "expected back at baseline");
    auto args = std::make_shared<CourseArgs>();
    sub->add_option("INPUTS", args->inputs,
                    "recordings or `detect --json` results, each given once, optionally "
                    "FILE@TIME (2026-11-21T09:00, a real date, no time-zone offset) or "
                    "FILE@HOURSh (hours since the massage); without it the recording's start "
                    "time is used, which must be there and not EDF+'s 1985-01-01 for an unknown "
                    "date. Times are from the massage to a year (8760 h) after it. A recording "
                    "with nothing analysed is left out with a warning");
    sub->add_option("--massage", args->massage,
                    "time of the massage, e.g. 2026-11-20T18:00 (the same local time as the "
                    "recordings, no offset)");
    sub->add_option("--point", args->points,
                    "a known rate as HOURS:RATE, hours since the massage (0 to 8760) and twitches "
                    "per minute (0 to 1e6) (repeatable)");
    const auto at_least_zero = [](const std::string& text) -> std::string {
        const auto value = number_in(text);
        return value && *value >= 0 && *value <= signal::kCourseMaxRate
                   ? ""
                   : "must be a number from 0 to 1e6 (the most a rate can be)";
    };
    const auto above_zero = [](const std::string& text) -> std::string {
        const auto value = number_in(text);
        return value && *value > 0 && *value <= signal::kCourseMaxRate
                   ? ""
                   : "must be a number above 0, at most 1e6 (the most a rate can be)";
    };
    sub->add_option(
           "--baseline", args->options.baseline_rate,
           "baseline rate per minute (default: estimated when there are enough points, else 0)")
        ->check(at_least_zero);
    sub->add_option("--margin", args->options.back_at_baseline_margin,
                    "back at baseline once within this many per minute of it")
        ->capture_default_str()
        ->check(above_zero);
    sub->add_flag("--json", args->json, "print as JSON");
    sub->add_option("--svg", args->svg,
                    "also draw the course as an SVG chart to this file (the report is printed "
                    "as before)")
        ->check(kNotEmpty);
    return {sub, [args] { return run_course(*args); }};
}

}  // namespace twitchwatch::cli
