#include "commands.hpp"

namespace twitchwatch::cli {

// Defined in the cmd_<name>.cpp files.
Command add_info_command(CLI::App& app);
Command add_assess_command(CLI::App& app);
Command add_simulate_command(CLI::App& app);
Command add_detect_command(CLI::App& app);
Command add_course_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_explain_command(CLI::App& app);
Command add_knowledge_command(CLI::App& app);
Command add_therapist_command(CLI::App& app);

std::vector<Command> add_all_commands(CLI::App& app) {
    std::vector<Command> commands;
    commands.push_back(add_info_command(app));
    commands.push_back(add_assess_command(app));
    commands.push_back(add_simulate_command(app));
    commands.push_back(add_detect_command(app));
    commands.push_back(add_course_command(app));
    commands.push_back(add_serve_command(app));
    commands.push_back(add_explain_command(app));
    commands.push_back(add_knowledge_command(app));
    commands.push_back(add_therapist_command(app));
    return commands;
}

}  // namespace twitchwatch::cli
