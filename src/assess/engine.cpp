// Engine::assess: evaluates every rule and cause of the knowledge base on one check-in and builds
// the answer. Nothing here is mutable, so one Engine serves any number of threads.

#include <algorithm>

#include "knowledge_data.hpp"

namespace twitchwatch::assess {
namespace {

using nlohmann::json;
using Data = KnowledgeBase::Data;

// The reported value as words for a `why` text: 1.5, firm, "ibuprofen, sertraline".
std::string value_words(const json& value) {
    if (value.is_number()) return detail::format_number(value.get<double>());
    if (value.is_string()) return value.get<std::string>();
    if (value.is_array()) {
        std::string out;
        for (const auto& item : value) {
            if (!out.empty()) out += ", ";
            out += value_words(item);
        }
        return out;
    }
    return value.dump();
}

std::string with_value(const std::string& text, const json* value) {
    static const std::string kPlaceholder = "{value}";
    const auto at = text.find(kPlaceholder);
    if (at == std::string::npos || value == nullptr) return text;
    std::string out = text;
    out.replace(at, kPlaceholder.size(), value_words(*value));
    return out;
}

struct ScoredCause {
    const Data::Cause* cause;
    int score;
    std::string why;
};

std::vector<ScoredCause> likely_causes(const Data& data, const json& checkin) {
    std::vector<ScoredCause> found;
    for (const auto& cause : data.causes) {
        ScoredCause scored{&cause, 0, {}};
        for (const auto& sign : cause.signs) {
            if (!sign.when.holds(checkin)) continue;
            if (sign.while_condition && !sign.while_condition->holds(checkin)) continue;
            scored.score += sign.weight;
            if (!scored.why.empty()) scored.why += ' ';
            scored.why += with_value(sign.why, detail::lookup(checkin, sign.when.keys));
        }
        if (scored.score > 0) found.push_back(std::move(scored));
    }
    // Most likely first; equal scores keep the order of the knowledge base (deterministic).
    std::stable_sort(found.begin(), found.end(),
                     [](const ScoredCause& a, const ScoredCause& b) { return a.score > b.score; });
    return found;
}

const Data::CourseWindow& course_window(const Data& data, double hours) {
    for (const auto& window : data.course) {
        if (!window.until_hours || hours <= *window.until_hours) return window;
    }
    return data.course.back();
}

}  // namespace

std::string_view to_string(Level level) {
    switch (level) {
        case Level::normal:
            return "normal";
        case Level::tell_therapist:
            return "tell_therapist";
        case Level::see_doctor:
            return "see_doctor";
        case Level::urgent:
            return "urgent";
    }
    return "normal";
}

Engine::Engine(KnowledgeBase knowledge) : knowledge_(std::move(knowledge)) {}

Assessment Engine::assess(const CheckIn& checkin) const {
    const Data& data = knowledge_.data();
    const json& document = checkin.document;
    Assessment answer;
    answer.knowledge_version = data.version;
    answer.disclaimer = data.disclaimer;
    answer.hours_since_massage = document.at("hours_since_massage").get<double>();

    std::vector<const Data::Rule*> fired;
    for (const auto& rule : data.rules) {
        if (rule.when.holds(document)) {
            fired.push_back(&rule);
            answer.level = std::max(answer.level, rule.level);
        }
    }
    answer.reasons = json::array();
    for (const Data::Rule* rule : fired) answer.reasons.push_back(rule->reason);

    const Data::LevelText& level_text = data.levels.at(answer.level);
    answer.summary = level_text.summary;
    for (const Data::Rule* rule : fired) {
        if (rule->level == answer.level && !rule->summary.empty()) {
            answer.summary = rule->summary;
            break;
        }
    }

    auto causes = likely_causes(data, document);
    answer.causes = json::array();
    for (auto& found : causes) {
        json cause = found.cause->answer_item;  // id, label and source, prepared at load
        cause["why"] = std::move(found.why);
        answer.causes.push_back(std::move(cause));
    }

    answer.advice = json::array();
    answer.advice.push_back(level_text.advice_entry);
    for (const auto& found : causes) {
        answer.advice.push_back(found.cause->advice_entry);
    }
    for (const auto& advice : data.advice) {
        const bool said_by_a_cause = std::any_of(causes.begin(), causes.end(), [&](const auto& f) {
            return std::find(advice.unless_causes.begin(), advice.unless_causes.end(),
                             f.cause->id) != advice.unless_causes.end();
        });
        if (answer.level > advice.max_level || said_by_a_cause) continue;
        if (advice.when && !advice.when->holds(document)) continue;
        if (advice.unless && advice.unless->holds(document)) continue;
        answer.advice.push_back(advice.entry);
    }

    answer.course = level_text.course_entry.is_null()
                        ? course_window(data, answer.hours_since_massage).entry
                        : level_text.course_entry;
    answer.course["hours_since_massage"] = answer.hours_since_massage;

    answer.findings = json::array();
    for (const auto& finding : data.findings) {
        if (finding.when.holds(document)) answer.findings.push_back(finding.id);
    }

    answer.benefits = json::array();
    if (answer.level <= data.benefits_max_level && data.benefits_when.holds(document) &&
        !(data.benefits_unless && data.benefits_unless->holds(document))) {
        for (const auto& benefit : data.benefits) {
            answer.benefits.push_back(benefit.entry);
        }
    }
    return answer;
}

json Assessment::to_json() const {
    return {{"level", to_string(level)}, {"summary", summary},
            {"causes", causes},          {"advice", advice},
            {"course", course},          {"benefits", benefits},
            {"reasons", reasons},        {"findings", findings},
            {"disclaimer", disclaimer},  {"knowledge_version", knowledge_version}};
}

}  // namespace twitchwatch::assess
