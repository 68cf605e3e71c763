// `twitchwatch info`: what this build is and where it looks for its data.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/version.hpp"

namespace twitchwatch::cli {

Command add_info_command(CLI::App& app) {
    auto* sub =
        app.add_subcommand("info", "Print the version and the data folders this build uses");
    auto json = std::make_shared<bool>(false);
    sub->add_flag("--json", *json, "Print as JSON");
    return {sub, [json] {
                const char* env = std::getenv("TWITCHWATCH_KNOWLEDGE");
                const std::string knowledge = env != nullptr ? env : kDefaultKnowledgeDir;
                if (*json) {
                    std::cout << nlohmann::json{{"version", kVersion}, {"knowledge_dir", knowledge}}
                                     .dump(2)
                              << "\n";
                } else {
                    std::cout << "twitchwatch " << kVersion << "\nknowledge: " << knowledge << "\n";
                }
                return kExitOk;
            }};
}

}  // namespace twitchwatch::cli
