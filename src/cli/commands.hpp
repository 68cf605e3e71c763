#pragma once
// Every subcommand of the `twitchwatch` executable lives in its own cmd_<name>.cpp and is added
// here. A command registers its options on the parent app and returns the function that runs it,
// which returns the process exit code (see twitchwatch/errors.hpp).

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace twitchwatch::cli {

struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

// For options naming an output file: an empty name (a variable left empty in a script) is a
// mistake, not "no file".
inline const CLI::Validator kNotEmpty(
    [](const std::string& value) { return value.empty() ? std::string("must not be empty") : ""; },
    "", "not empty");

// One line per subcommand; each is defined in its cmd_<name>.cpp.
std::vector<Command> add_all_commands(CLI::App& app);

}  // namespace twitchwatch::cli
