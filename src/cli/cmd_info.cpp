// `twitchwatch info`: what this build is and which knowledge base it answers with.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/version.hpp"

namespace twitchwatch::cli {

Command add_info_command(CLI::App& app) {
    auto* sub =
        app.add_subcommand("info", "Print the version and the knowledge base this build uses");
    auto json = std::make_shared<bool>(false);
    sub->add_flag("--json", *json, "Print as JSON");
    return {
        sub, [json] {
            // Not loaded here: `info` answers even when an edited copy is broken.
            const char* env = std::getenv("TWITCHWATCH_KNOWLEDGE");
            const std::string knowledge = env != nullptr && *env != '\0' ? env : "built in";
            if (*json) {
                std::cout << nlohmann::json{{"version", kVersion}, {"knowledge", knowledge}}.dump(2)
                          << "\n";
            } else {
                std::cout << "twitchwatch " << kVersion << "\nknowledge: " << knowledge << "\n";
            }
            return kExitOk;
        }};
}

}  // namespace twitchwatch::cli
