// `twitchwatch knowledge`: the knowledge base this build reads (version, files, counts), or the
// whole of it as JSON with --json.

#include <cctype>
#include <iostream>
#include <memory>
#include <string>

#include "assess/knowledge_data.hpp"
#include "assess_cli_common.hpp"
#include "commands.hpp"
#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::cli {
namespace {

// "7 0-10" reads as two numbers: a unit that is a scale is said as one.
std::string with_unit(double value, const std::string& unit) {
    const auto number = assess::detail::format_number(value);
    const bool scale = !unit.empty() && std::isdigit(static_cast<unsigned char>(unit.front())) &&
                       unit.find('-') != std::string::npos;
    return scale ? number + " on a " + unit + " scale" : number + " " + unit;
}

}  // namespace

Command add_knowledge_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "knowledge", "Print the knowledge base: version and contents (--json: all of it)");
    auto json_output = std::make_shared<bool>(false);
    auto dir = std::make_shared<std::string>();
    sub->add_flag("--json", *json_output, "Print the whole knowledge base as JSON");
    add_knowledge_option(sub, *dir);
    return {sub, [json_output, dir] {
                const auto knowledge = load_knowledge(*dir);
                if (*json_output) {
                    std::cout << knowledge.to_json().dump(2) << "\n";
                    return kExitOk;
                }
                const auto& data = knowledge.data();
                std::cout << "knowledge " << data.version << " (" << knowledge.origin() << ")\n"
                          << "  " << data.rules.size() << " rules, " << data.causes.size()
                          << " causes, " << data.thresholds.size() << " thresholds, "
                          << data.topics.size() << " topics, " << data.sources.size()
                          << " sources\n\nThresholds (thresholds.toml):\n";
                for (const auto& [name, threshold] : data.thresholds) {
                    std::cout << "  " << name << " = " << with_unit(threshold.value, threshold.unit)
                              << "\n";
                }
                return kExitOk;
            }};
}

}  // namespace twitchwatch::cli
