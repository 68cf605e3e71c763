#pragma once
// Helpers shared by the assessment commands (assess, explain, knowledge): where the knowledge base
// is, and plain text for a terminal.

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "twitchwatch/assess/engine.hpp"

namespace twitchwatch::cli {

// Adds --knowledge DIR; an empty option means KnowledgeBase::load_default().
void add_knowledge_option(CLI::App* command, std::string& dir);
assess::KnowledgeBase load_knowledge(const std::string& option);

// Prints text wrapped at 78 columns; the first line starts with `prefix`, the others are indented
// to line up with it. Blank lines and lines starting with "- " in the text are kept.
void print_wrapped(std::ostream& out, const std::string& text, const std::string& prefix);

std::string trim(const std::string& text);
std::string to_lower(std::string text);
std::string to_upper(std::string text);

}  // namespace twitchwatch::cli
