// `twitchwatch assess FILE|-`: one check-in in, a calm plain answer out (or --json).
// `--interactive` asks the check-in questions one at a time instead of reading a file.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "assess/checkin_schema.hpp"
#include "assess/knowledge_data.hpp"
#include "assess_cli_common.hpp"
#include "commands.hpp"
#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::cli {
namespace {

using assess::Assessment;
using assess::KnowledgeBase;
using nlohmann::json;

// Reads at most one byte more than a check-in may have, so a huge file is refused without
// reading it all. Its size is said when it is a regular file; the bytes read (the limit plus one)
// are not its size.
std::string read_checkin_text(const std::string& file) {
    const auto limit = static_cast<std::streamsize>(assess::detail::kMaxCheckinBytes + 1);
    auto read_from = [&](std::istream& in, std::optional<std::uintmax_t> size) {
        std::string text(static_cast<std::size_t>(limit), '\0');
        in.read(text.data(), limit);
        text.resize(static_cast<std::size_t>(in.gcount()));
        if (text.size() > assess::detail::kMaxCheckinBytes) {
            assess::detail::refuse_oversized_checkin(size);
        }
        return text;
    };
    if (file == "-") return read_from(std::cin, std::nullopt);
    std::error_code error;
    const auto status = std::filesystem::status(file, error);
    if (std::filesystem::is_directory(status)) {
        throw InputError(file + ": is a directory, not a check-in file");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file + ": cannot open the check-in file");
    std::optional<std::uintmax_t> size;
    if (std::filesystem::is_regular_file(status)) {
        if (const auto bytes = std::filesystem::file_size(file, error); !error) size = bytes;
    }
    return read_from(in, size);
}

// Turns one typed answer into the JSON value the schema wants, or explains why it cannot.
std::optional<json> answer_value(const assess::detail::SchemaNode& node, const std::string& answer,
                                 std::string& problem) {
    const auto has = [&](const char* type) {
        return std::find(node.types.begin(), node.types.end(), type) != node.types.end();
    };
    if (!node.enum_values.empty()) {
        for (std::size_t i = 0; i < node.enum_values.size(); ++i) {
            if (answer == node.enum_values[i].get<std::string>() ||
                answer == std::to_string(i + 1)) {
                return node.enum_values[i];
            }
        }
        problem = "please answer with one of the choices";
        return std::nullopt;
    }
    if (has("boolean")) {
        const std::string lower = to_lower(answer);
        if (lower == "y" || lower == "yes") return json(true);
        if (lower == "n" || lower == "no") return json(false);
        problem = "please answer yes or no";
        return std::nullopt;
    }
    if (has("number")) {
        try {
            std::size_t used = 0;
            const double number = std::stod(answer, &used);
            if (used == answer.size() && std::isfinite(number)) {
                // Whole numbers stay whole (80, not 80.0) in the check-in and in messages.
                constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53
                if (std::trunc(number) == number && std::fabs(number) < kLargestExactInteger) {
                    return json(static_cast<std::int64_t>(number));
                }
                return json(number);
            }
        } catch (const std::exception&) {
        }
        problem = "please answer with a number";
        return std::nullopt;
    }
    if (has("array")) {
        json items = json::array();
        std::stringstream parts(answer);
        std::string part;
        while (std::getline(parts, part, ',')) {
            part = trim(part);
            if (!part.empty()) items.push_back(part);
        }
        return items;
    }
    return json(answer);
}

void set_field(json& document, const std::string& dotted, json value) {
    json* node = &document;
    std::size_t start = 0;
    for (auto dot = dotted.find('.'); dot != std::string::npos; dot = dotted.find('.', start)) {
        node = &(*node)[dotted.substr(start, dot - start)];
        start = dot + 1;
    }
    (*node)[dotted.substr(start)] = std::move(value);
}

// Asks each question of knowledge/questions.toml; Enter skips (not reported). A field the schema
// requires (hours since the massage) cannot be skipped and is asked again until answered.
json ask_questions(const KnowledgeBase& knowledge, std::istream& in, std::ostream& out) {
    const auto& schema = assess::detail::checkin_schema();
    json document = json::object();
    out << "Answer each question and press Enter. Press Enter alone to skip a question.\n";
    for (const auto& question : knowledge.data().questions) {
        const auto* node = assess::detail::find_field(schema, question.field);
        const bool required = std::find(schema.required.begin(), schema.required.end(),
                                        question.field) != schema.required.end();
        std::string choices;
        for (std::size_t i = 0; i < node->enum_values.size(); ++i) {
            choices += (i == 0 ? " [" : ", ") + std::to_string(i + 1) + " " +
                       node->enum_values[i].get<std::string>();
        }
        if (!choices.empty()) choices += "]";
        while (true) {
            out << question.text << choices << (required ? "" : " (Enter to skip)") << " > "
                << std::flush;
            std::string line;
            if (!std::getline(in, line)) {
                // End of input: stop asking; validate_checkin names a required field still missing.
                out << "\n";
                return document;
            }
            line = trim(line);
            if (line.empty() && !required) break;
            std::string problem = "this question needs an answer";
            if (!line.empty()) {
                if (auto value = answer_value(*node, line, problem)) {
                    try {
                        assess::detail::validate_against(*node, *value);
                        set_field(document, question.field, std::move(*value));
                        break;
                    } catch (const InputError& e) {
                        // "check-in: 11 is above the maximum 10" -> the part after the field.
                        problem = e.what();
                        problem = problem.substr(problem.find(": ") + 2);
                    }
                }
            }
            out << "  " << problem << "\n";
        }
    }
    return document;
}

void print_answer(const Assessment& answer, const KnowledgeBase& knowledge, bool show_reasons,
                  std::ostream& out) {
    const auto& data = knowledge.data();
    out << to_upper(data.levels.at(answer.level).label) << "\n";
    print_wrapped(out, answer.summary, "");
    if (!answer.causes.empty()) {
        out << "\nLikely causes, most likely first:\n";
        for (const auto& cause : answer.causes) {
            print_wrapped(
                out, cause["label"].get<std::string>() + ": " + cause["why"].get<std::string>(),
                "  - ");
        }
    }
    out << "\nWhat to do now:\n";
    for (const auto& advice : answer.advice) {
        print_wrapped(out, advice["text"].get<std::string>(), "  - ");
    }
    out << "\nWhat to expect:\n";
    print_wrapped(out, answer.course["text"].get<std::string>(), "  ");
    if (!answer.benefits.empty()) {
        out << "\n" << data.benefits_intro << "\n";
        for (const auto& benefit : answer.benefits) {
            print_wrapped(out, benefit["text"].get<std::string>(), "  - ");
        }
    }
    if (show_reasons) {
        out << "\nWhy (rules that fired):\n";
        if (answer.reasons.empty()) out << "  none: nothing of concern was reported\n";
        for (const auto& reason : answer.reasons) {
            print_wrapped(out,
                          reason["rule"].get<std::string>() + " (" +
                              reason["level"].get<std::string>() +
                              "): " + reason["text"].get<std::string>() +
                              " Source: " + reason["source"].get<std::string>(),
                          "  - ");
        }
    }
    out << "\n";
    print_wrapped(out, answer.disclaimer, "");
    out << "(knowledge " << answer.knowledge_version << ")\n";
}

struct AssessOptions {
    std::string file;
    bool json = false;
    bool reasons = false;
    bool interactive = false;
    std::string knowledge_dir;
};

}  // namespace

Command add_assess_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "assess", "Assess one post-massage check-in: is it normal, what is behind it, what to do");
    auto options = std::make_shared<AssessOptions>();
    sub->add_option("FILE", options->file,
                    "Check-in JSON file (contracts/checkin.schema.json), - for standard input");
    sub->add_flag("--json", options->json, "Print the answer as JSON (docs/assess-output.md)");
    sub->add_flag("--reasons", options->reasons, "Also print every rule that fired and its source");
    sub->add_flag("-i,--interactive", options->interactive,
                  "Ask the check-in questions one at a time instead of reading FILE");
    add_knowledge_option(sub, options->knowledge_dir);
    return {sub, [options] {
                if (options->interactive == !options->file.empty()) {
                    throw UsageError("assess: give either FILE (or -) or --interactive");
                }
                // A bad check-in is refused before the knowledge base is read.
                std::optional<assess::CheckIn> checkin;
                if (!options->interactive) {
                    try {
                        checkin = assess::parse_checkin(read_checkin_text(options->file));
                    } catch (const InputError& e) {
                        // A file's problems name the file ("x.json: check-in: invalid JSON...");
                        // the file's own errors (cannot open, a directory) already do.
                        const std::string message = e.what();
                        if (options->file == "-" || message.rfind(options->file + ": ", 0) == 0) {
                            throw;
                        }
                        throw InputError(options->file + ": " + message);
                    }
                }
                const assess::Engine engine{load_knowledge(options->knowledge_dir)};
                if (options->interactive) {
                    // Prompts go to stderr under --json so stdout stays one JSON document.
                    checkin = assess::validate_checkin(ask_questions(
                        engine.knowledge(), std::cin, options->json ? std::cerr : std::cout));
                }
                const Assessment answer = engine.assess(*checkin);
                if (options->json) {
                    std::cout << answer.to_json().dump(2) << "\n";
                } else {
                    print_answer(answer, engine.knowledge(), options->reasons, std::cout);
                }
                return kExitOk;
            }};
}

}  // namespace twitchwatch::cli
