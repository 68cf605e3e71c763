// twitchwatch: one executable, one subcommand per job. The work is done by the domain library;
// this file only parses the command line and maps errors to exit codes.

#include <exception>
#include <iostream>

#include "commands.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/version.hpp"

int main(int argc, char** argv) {
    CLI::App app{
        "twitchwatch: muscle twitching after a massage - assessment, aftercare and signals.\n"
        "Run `twitchwatch COMMAND --help` for the options of a command."};
    app.set_version_flag("--version", std::string("twitchwatch ") + twitchwatch::kVersion);
    app.require_subcommand(1);
    const auto commands = twitchwatch::cli::add_all_commands(app);
    try {
        app.parse(argc, argv);
        for (const auto& command : commands) {
            if (command.app->parsed()) return command.run();
        }
        return twitchwatch::kExitBadInput;
    } catch (const CLI::ParseError& e) {
        // CLI11 uses exit code 0 for --help/--version; any real parse error is a usage error, as
        // is a command's own UsageError: both are printed with CLI11's pointer to --help.
        const int code = app.exit(e);
        return code == 0 ? twitchwatch::kExitOk : twitchwatch::kExitBadInput;
    } catch (const twitchwatch::InputError& e) {
        std::cerr << "twitchwatch: " << e.what() << "\n";
        return twitchwatch::kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "twitchwatch: internal error: " << e.what() << "\n";
        return twitchwatch::kExitFailure;
    }
}
