// `twitchwatch course`: the twitch rate over the days after a massage, its decay and half-life.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.hpp"
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
    bool json = false;
    signal::CourseOptions options = signal::recording_course_options();
};

struct Source {
    std::string name;
    signal::CoursePoint point;
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

// A recording or a `detect --json` result: its rate, analysed minutes and start time.
Source read_input(const std::string& input, const std::string& massage) {
    const auto at = input.rfind('@');
    const std::string file = at == std::string::npos ? input : input.substr(0, at);
    const std::string when = at == std::string::npos ? "" : input.substr(at + 1);
    Source source;
    source.name = file;
    std::string start;
    if (file.size() > 5 && file.substr(file.size() - 5) == ".json") {
        std::ifstream in(file);
        if (!in) throw InputError(file + ": cannot open");
        const std::string text{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
        nlohmann::json report;
        try {
            report = parse_json_input(text);
            source.point.rate = report.at("rate_per_min").get<double>();
            source.point.exposure = report.at("analysed_s").get<double>() / 60;
            start = report.value("start", "");
        } catch (const InputError& e) {
            throw InputError(file + ": " + e.what());
        } catch (const nlohmann::json::exception& e) {
            throw InputError(file + ": not a `twitchwatch detect --json` result (" +
                             std::string(e.what()) + ")");
        }
    } else {
        const auto report = signal::detect_recording(file, {});
        source.point.rate = report.rate_per_min;
        source.point.exposure = report.analysed_s / 60;
        start = report.start;
    }
    if (!when.empty() && when.back() == 'h') {
        const auto hours = number_in(when.substr(0, when.size() - 1));
        if (!hours) throw InputError(input + ": '" + when + "' is not a number of hours like 26h");
        source.point.hours_since_massage = *hours;
        return source;
    }
    if (!when.empty()) {
        (void)signal::hours_between(when, when);  // names the text when it is not a date-time
        start = when;
    }
    if (start.empty()) {
        throw InputError(input +
                         ": no start time in the file; give it as FILE@2026-11-21T09:00 "
                         "or FILE@26h");
    }
    if (massage.empty()) throw InputError("--massage TIME is needed to place " + input);
    source.point.hours_since_massage = signal::hours_between(massage, start);
    return source;
}

std::string format_one_decimal(double h) {
    char buffer[32];
    if (std::isinf(h)) return "inf";
    std::snprintf(buffer, sizeof buffer, "%.1f", h);
    return buffer;
}

int run_course(const CourseArgs& args) {
    // Checked even when no input needs it: a mistyped time is not silently ignored.
    if (!args.massage.empty()) (void)signal::hours_between(args.massage, args.massage);
    std::vector<Source> sources;
    for (const auto& input : args.inputs) sources.push_back(read_input(input, args.massage));
    for (const auto& text : args.points) {
        const auto colon = text.find(':');
        const auto hours = number_in(text.substr(0, colon));
        const auto rate =
            colon == std::string::npos ? std::nullopt : number_in(text.substr(colon + 1));
        if (!hours || !rate) {
            throw InputError("--point expects HOURS:RATE like 24:12.5, got '" + text + "'");
        }
        Source s;
        s.name = "point " + text;
        s.point.hours_since_massage = *hours;
        s.point.rate = *rate;
        sources.push_back(s);
    }
    if (sources.empty()) throw InputError("course: give recordings, detect results or --point");
    std::vector<signal::CoursePoint> points;
    for (const auto& s : sources) points.push_back(s.point);
    const auto fit = signal::fit_course(points, args.options);

    if (args.json) {
        auto out = signal::to_json(fit);
        out["points"] = nlohmann::json::array();
        for (std::size_t i = 0; i < sources.size(); ++i) {
            nlohmann::json p = {{"source", sources[i].name},
                                {"hours_since_massage", points[i].hours_since_massage},
                                {"rate_per_min", points[i].rate},
                                {"analysed_min", points[i].exposure}};
            if (fit.fitted) p["fitted_rate_per_min"] = fit.fitted_rate[i];
            out["points"].push_back(p);
        }
        std::cout << out.dump(2) << "\n";
        return kExitOk;
    }
    std::printf("%-40s %10s %10s %10s\n", "recording", "hours", "per min", "fitted");
    for (std::size_t i = 0; i < sources.size(); ++i) {
        std::printf("%-40s %10.1f %10.1f %10s\n", sources[i].name.c_str(),
                    points[i].hours_since_massage, points[i].rate,
                    fit.fitted ? format_one_decimal(fit.fitted_rate[i]).c_str() : "-");
    }
    std::printf("%s\n", fit.verdict.c_str());
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
                    "recordings or `detect --json` results, each optionally FILE@TIME "
                    "(2026-11-21T09:00) or FILE@HOURSh (hours since the massage); without it the "
                    "recording's start time is used");
    sub->add_option("--massage", args->massage, "time of the massage, e.g. 2026-11-20T18:00");
    sub->add_option("--point", args->points, "a known rate as HOURS:RATE (repeatable)");
    const auto at_least_zero = [](const std::string& text) -> std::string {
        const auto value = number_in(text);
        return value && *value >= 0 ? "" : "must be a number >= 0";
    };
    const auto above_zero = [](const std::string& text) -> std::string {
        const auto value = number_in(text);
        return value && *value > 0 ? "" : "must be a number above 0";
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
    return {sub, [args] { return run_course(*args); }};
}

}  // namespace twitchwatch::cli
