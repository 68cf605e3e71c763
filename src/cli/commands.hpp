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

// A command line that cannot run as given: an argument missing, two that exclude each other, a
// value not in the form its option takes (NAME=VALUE, HOURS:RATE, a whole number). main() prints
// it as CLI11 prints its own usage errors, with the pointer to --help, and exits 2. Input that
// is well formed but wrong (a bad file, a value out of range) is an InputError.
class UsageError : public CLI::ValidationError {
  public:
    explicit UsageError(const std::string& message) : CLI::ValidationError(message) {}
};

// For options naming an output file: an empty name (a variable left empty in a script) is a
// mistake, not "no file".
inline const CLI::Validator kNotEmpty(
    [](const std::string& value) { return value.empty() ? std::string("must not be empty") : ""; },
    "", "not empty");

// One line per subcommand; each is defined in its cmd_<name>.cpp.
std::vector<Command> add_all_commands(CLI::App& app);

}  // namespace twitchwatch::cli
