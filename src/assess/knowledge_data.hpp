#pragma once
// What KnowledgeBase::load builds from knowledge/*.toml: everything the engine needs, checked and
// compiled, plus the documents as read (for `twitchwatch knowledge --json`).

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "condition.hpp"
#include "twitchwatch/assess/engine.hpp"

namespace twitchwatch::assess {

struct KnowledgeBase::Data {
    struct Source {
        std::string kind;   // seed | public
        std::string label;  // the seed's file name, or the public source's title
    };
    // A check-in written into the knowledge base with what must follow from it: whether a rule
    // fires on it (`fires`), or whether a definition holds (`holds`). Run by the test suite.
    struct Example {
        nlohmann::json checkin;
        bool expected = true;
    };
    // A definition marked `finding`: the answer says whether it holds (`findings`), so that
    // pages choose their words from the knowledge base rather than from a copy of its logic.
    struct Finding {
        std::string id;
        detail::Condition when;
    };
    struct Rule {
        std::string id;
        Level level = Level::normal;
        detail::Condition when;
        std::string text;
        std::string summary;  // optional, at most 140 characters
        std::vector<std::string> sources;
        std::vector<Example> examples;
        nlohmann::json reason;  // the answer's `reasons` item, built once at load
    };
    struct Sign {
        detail::Condition when;  // always a single test
        // Counts only while this also holds: a sign of the session itself stops explaining
        // twitching once it has lasted longer than a massage explains.
        std::optional<detail::Condition> while_condition;
        int weight = 1;
        std::string why;  // may hold {value}
    };
    struct Cause {
        std::string id;
        std::string label;
        std::string description;
        std::string advice;
        std::vector<std::string> sources;
        std::vector<Sign> signs;
        nlohmann::json advice_entry;  // the answer's `advice` item for this cause
        nlohmann::json answer_item;   // the answer's `causes` item, without `why`
    };
    struct Advice {
        std::string id;
        std::string text;
        Level max_level = Level::urgent;
        // Left out when one of these causes is named: its own advice says the same, better.
        std::vector<std::string> unless_causes;
        // Given only where `when` holds (when set) and `unless` does not (when set).
        std::optional<detail::Condition> when, unless;
        std::vector<std::string> sources;
        nlohmann::json entry;
    };
    struct LevelText {
        std::string label;
        std::string summary;
        std::string advice;
        std::string course;  // optional: replaces the course windows at this level
        std::vector<std::string> sources;
        nlohmann::json advice_entry;
        nlohmann::json course_entry;  // null when `course` is empty
    };
    struct CourseWindow {
        std::string id;
        std::optional<double> until_hours;  // hours <= until; none for the last window
        std::string text;
        std::vector<std::string> sources;
        nlohmann::json entry;
    };
    struct Benefit {
        std::string id;
        std::string text;
        std::vector<std::string> sources;
        nlohmann::json entry;
    };
    struct Topic {
        std::string id;
        std::string title;
        std::string text;
        std::vector<std::string> sources;
    };
    struct Question {
        std::string field;
        std::string text;
    };

    std::string version;
    std::string origin;  // the folder, or "built in"
    std::map<std::string, Source, std::less<>> sources;
    detail::Thresholds thresholds;
    std::map<std::string, detail::Condition, std::less<>> definitions;
    std::map<std::string, std::vector<Example>, std::less<>> definition_examples;
    std::vector<Finding> findings;  // in the order of their ids
    std::vector<Rule> rules;
    std::vector<Cause> causes;
    std::string disclaimer;
    std::map<Level, LevelText> levels;
    std::vector<Advice> advice;
    std::vector<CourseWindow> course;
    Level benefits_max_level = Level::normal;
    detail::Condition benefits_when;
    std::optional<detail::Condition> benefits_unless;  // the picture is not the expected one
    std::string benefits_intro;
    std::vector<Benefit> benefits;
    std::vector<Topic> topics;
    std::vector<Question> questions;

    nlohmann::json documents;  // every file as read, by file stem

    // The JSON pieces of an answer that do not depend on the check-in, so that Engine::assess
    // copies them instead of building them for every check-in.
    void prepare_answer_entries();

    // "seed 000_...txt; NHS, Twitching eyes and muscles": the labels of the given source ids.
    std::string source_labels(const std::vector<std::string>& ids) const;
};

}  // namespace twitchwatch::assess
