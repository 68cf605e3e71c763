#include "assess_cli_common.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "twitchwatch/assess/engine.hpp"

namespace twitchwatch::cli {
namespace {

constexpr std::size_t kWidth = 78;

void print_paragraph(std::ostream& out, const std::string& words, const std::string& first,
                     const std::string& rest) {
    std::istringstream in(words);
    std::string word;
    std::string line = first;
    bool line_has_word = false;
    while (in >> word) {
        if (line_has_word && line.size() + 1 + word.size() > kWidth) {
            out << line << "\n";
            line = rest;
            line_has_word = false;
        }
        line += (line_has_word ? " " : "") + word;
        line_has_word = true;
    }
    if (line_has_word) out << line << "\n";
}

}  // namespace

void add_knowledge_option(CLI::App* command, std::string& dir) {
    command->add_option(
        "--knowledge", dir,
        "Knowledge folder (default: $TWITCHWATCH_KNOWLEDGE, else the built-in one)");
}

assess::KnowledgeBase load_knowledge(const std::string& option) {
    return option.empty() ? assess::KnowledgeBase::load_default()
                          : assess::KnowledgeBase::load(option);
}

void print_wrapped(std::ostream& out, const std::string& text, const std::string& prefix) {
    const std::string indent(prefix.size(), ' ');
    // Paragraphs are separated by blank lines; a line starting with "- " is a list item.
    std::istringstream lines(text);
    std::string line;
    std::string paragraph;
    bool first = true;
    auto flush = [&] {
        if (paragraph.empty()) return;
        const bool item = paragraph.rfind("- ", 0) == 0;
        const std::string lead = (first ? prefix : indent) + (item ? "- " : "");
        print_paragraph(out, item ? paragraph.substr(2) : paragraph, lead,
                        indent + (item ? "  " : ""));
        paragraph.clear();
        first = false;
    };
    while (std::getline(lines, line)) {
        const std::string trimmed = trim(line);
        if (trimmed.empty()) {
            flush();
            if (!first) out << "\n";
        } else if (trimmed.rfind("- ", 0) == 0) {
            flush();
            paragraph = trimmed;
        } else {
            paragraph += (paragraph.empty() ? "" : " ") + trimmed;
        }
    }
    flush();
}

std::string trim(const std::string& text) {
    const auto begin = std::find_if_not(text.begin(), text.end(),
                                        [](unsigned char c) { return std::isspace(c) != 0; });
    const auto end = std::find_if_not(text.rbegin(), text.rend(), [](unsigned char c) {
                         return std::isspace(c) != 0;
                     }).base();
    return begin < end ? std::string(begin, end) : std::string();
}

std::string to_lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string to_upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

}  // namespace twitchwatch::cli
