// `twitchwatch explain [TOPIC]`: what the knowledge base says about a topic, a cause or a rule;
// without TOPIC, the list of what can be explained.

#include <algorithm>
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

using assess::KnowledgeBase;
using nlohmann::json;

struct Explanation {
    std::string group;  // Topics | Causes | Rules
    std::string id;
    std::string title;
    std::string text;
    std::string sources;
};

// The first sentence of a text: the rules have no title of their own, and their level alone
// ("Rule (urgent)") named five rules alike.
std::string first_sentence(const std::string& text) {
    std::size_t end = text.size();
    for (const char* stop : {". ", "? ", "! "}) end = std::min(end, text.find(stop));
    return text.substr(0, end == text.size() ? end : end + 1);
}

// Topics first, then causes and rules, so `explain` can answer "what is behind it?" and "why
// did this rule fire?" as well as the common questions.
std::vector<Explanation> explanations(const KnowledgeBase& knowledge) {
    const auto& data = knowledge.data();
    std::vector<Explanation> all;
    for (const auto& topic : data.topics) {
        all.push_back(
            {"Topics", topic.id, topic.title, topic.text, data.source_labels(topic.sources)});
    }
    for (const auto& cause : data.causes) {
        all.push_back({"Causes", cause.id, "Cause: " + cause.label,
                       cause.description + "\n\n" + cause.advice,
                       data.source_labels(cause.sources)});
    }
    for (const auto& rule : data.rules) {
        all.push_back({"Rules", rule.id,
                       "Rule (" + std::string(assess::to_string(rule.level)) +
                           "): " + first_sentence(rule.text),
                       rule.text, data.source_labels(rule.sources)});
    }
    return all;
}

json to_json(const Explanation& e) {
    return {{"id", e.id}, {"title", e.title}, {"text", e.text}, {"source", e.sources}};
}

}  // namespace

Command add_explain_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "explain", "Explain a topic of the knowledge base (without TOPIC: list the topics)");
    auto topic = std::make_shared<std::string>();
    auto json_output = std::make_shared<bool>(false);
    auto dir = std::make_shared<std::string>();
    sub->add_option("TOPIC", *topic, "A topic, cause or rule id, for example how_long");
    sub->add_flag("--json", *json_output, "Print as JSON");
    add_knowledge_option(sub, *dir);
    return {sub, [topic, json_output, dir] {
                const KnowledgeBase knowledge = load_knowledge(*dir);
                const auto all = explanations(knowledge);
                if (topic->empty()) {
                    if (*json_output) {
                        json list = json::array();
                        for (const auto& e : all)
                            list.push_back({{"group", e.group}, {"id", e.id}, {"title", e.title}});
                        std::cout << list.dump(2) << "\n";
                        return kExitOk;
                    }
                    std::cout << "What `twitchwatch explain TOPIC` can explain:\n";
                    std::string group;
                    for (const auto& e : all) {
                        if (e.group != group) std::cout << "\n" << (group = e.group) << ":\n";
                        std::cout << "  " << e.id << " - " << e.title << "\n";
                    }
                    return kExitOk;
                }
                for (const auto& e : all) {
                    if (e.id != *topic) continue;
                    if (*json_output) {
                        std::cout << to_json(e).dump(2) << "\n";
                    } else {
                        std::cout << e.title << "\n\n";
                        print_wrapped(std::cout, e.text, "");
                        std::cout << "\n";
                        print_wrapped(std::cout, "Source: " + e.sources, "");
                    }
                    return kExitOk;
                }
                throw InputError("explain: unknown topic '" + *topic +
                                 "'; run `twitchwatch explain` for the list");
            }};
}

}  // namespace twitchwatch::cli
