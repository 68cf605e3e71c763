// KnowledgeBase::load: reads knowledge/*.toml, checks every entry and compiles the conditions.
// Every problem becomes one InputError line: "<file>: <entry>: <problem>".

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <utility>

#include "knowledge_data.hpp"
#include "knowledge_files_text.hpp"
#include "toml_json.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/version.hpp"

namespace twitchwatch::assess {
namespace {

using nlohmann::json;
using Data = KnowledgeBase::Data;

constexpr std::size_t kMaxSummaryChars = 140;

// The place an entry comes from, for messages.
struct Where {
    std::string file;
    std::string entry;

    [[noreturn]] void fail(const std::string& problem) const {
        throw InputError(file + ": " + entry + ": " + problem);
    }
    Where at(const std::string& sub_entry) const { return {file, entry + ", " + sub_entry}; }
};

void check_keys(const json& entry, const std::set<std::string>& allowed, const Where& where) {
    if (!entry.is_object()) where.fail("must be a table");
    for (const auto& [key, value] : entry.items()) {
        if (allowed.count(key) == 0) where.fail("unknown key '" + key + "'");
    }
}

const json& require(const json& entry, const std::string& key, const Where& where) {
    const auto found = entry.find(key);
    if (found == entry.end()) where.fail("missing '" + key + "'");
    return *found;
}

std::string text_of(const json& entry, const std::string& key, const Where& where,
                    bool required = true) {
    if (!entry.contains(key)) {
        if (required) where.fail("missing '" + key + "'");
        return {};
    }
    const json& value = entry[key];
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        where.fail("'" + key + "' must be a non-empty text");
    }
    return value.get<std::string>();
}

double number_of(const json& entry, const std::string& key, const Where& where) {
    const json& value = require(entry, key, where);
    if (!value.is_number()) where.fail("'" + key + "' must be a number");
    return value.get<double>();
}

Level level_of(const json& entry, const std::string& key, const Where& where) {
    const std::string name = text_of(entry, key, where);
    for (const Level level :
         {Level::normal, Level::tell_therapist, Level::see_doctor, Level::urgent}) {
        if (to_string(level) == name) return level;
    }
    where.fail("'" + key + "' is '" + name +
               "', not one of normal, tell_therapist, see_doctor, urgent");
}

std::vector<std::string> sources_of(const json& entry, const Data& data, const Where& where,
                                    const std::string& key = "sources") {
    const json& list = require(entry, key, where);
    if (!list.is_array() || list.empty()) where.fail("'" + key + "' must list at least one source");
    std::vector<std::string> ids;
    for (const auto& id : list) {
        if (!id.is_string()) where.fail("'" + key + "' must list source ids (text)");
        if (data.sources.count(id.get<std::string>()) == 0) {
            where.fail("unknown source '" + id.get<std::string>() + "' (not in sources.toml)");
        }
        ids.push_back(id.get<std::string>());
    }
    return ids;
}

const json& array_of(const json& document, const std::string& key, const Where& where) {
    const json& list = require(document, key, where);
    if (!list.is_array() || list.empty()) where.fail("'" + key + "' must hold at least one entry");
    return list;
}

std::size_t utf8_length(const std::string& text) {
    std::size_t count = 0;
    for (const unsigned char byte : text) count += (byte & 0xC0U) != 0x80U ? 1 : 0;
    return count;
}

// Replaces {threshold.NAME} with the threshold's value so texts follow an edited threshold;
// {threshold.NAME:days} gives a threshold in hours as days ("3 days"), which reads better to a
// client than "72 hours".
std::string with_thresholds(std::string text, const Data& data, const Where& where) {
    static const std::string kPrefix = "{threshold.";
    static const std::string kDays = ":days";
    std::size_t start = 0;
    while ((start = text.find(kPrefix, start)) != std::string::npos) {
        const auto end = text.find('}', start);
        if (end == std::string::npos) where.fail("unclosed {threshold.NAME} in a text");
        std::string name = text.substr(start + kPrefix.size(), end - start - kPrefix.size());
        const bool in_days = name.size() > kDays.size() &&
                             name.compare(name.size() - kDays.size(), kDays.size(), kDays) == 0;
        if (in_days) name.resize(name.size() - kDays.size());
        const auto threshold = data.thresholds.find(name);
        if (threshold == data.thresholds.end()) {
            where.fail("unknown threshold '" + name + "' in a text");
        }
        std::string value;
        if (in_days) {
            if (threshold->second.unit != "h") {
                where.fail("threshold '" + name + "' is not in hours (its unit is '" +
                           threshold->second.unit + "'), so it cannot be said in days");
            }
            const double days = threshold->second.value / 24.0;
            value = detail::format_number(days) + (days == 1.0 ? " day" : " days");
        } else {
            value = detail::format_number(threshold->second.value);
        }
        text.replace(start, end - start + 1, value);
        start += value.size();
    }
    return text;
}

detail::Condition condition_of(const json& source, const Data& data, const Where& where) {
    try {
        return detail::compile_condition(
            source, {detail::checkin_schema(), data.thresholds, data.definitions});
    } catch (const std::invalid_argument& e) {
        where.fail(std::string("condition: ") + e.what());
    }
}

void collect_refs(const json& condition, std::set<std::string>& refs) {
    if (condition.is_object()) {
        if (condition.contains("ref") && condition["ref"].is_string()) {
            refs.insert(condition["ref"].get<std::string>());
        }
        for (const auto& [key, child] : condition.items()) collect_refs(child, refs);
    } else if (condition.is_array()) {
        for (const auto& child : condition) collect_refs(child, refs);
    }
}

void load_manifest(const json& document, const std::string& file, Data& data) {
    const Where where{file, "manifest"};
    check_keys(document, {"version", "title", "language", "status", "note"}, where);
    data.version = text_of(document, "version", where);
}

void load_sources(const json& document, const std::string& file, Data& data) {
    if (document.empty()) Where{file, "sources"}.fail("no source defined");
    for (const auto& [id, entry] : document.items()) {
        const Where where{file, "source '" + id + "'"};
        check_keys(entry, {"kind", "file", "title", "url"}, where);
        Data::Source source;
        source.kind = text_of(entry, "kind", where);
        if (source.kind == "seed") {
            source.label = text_of(entry, "file", where);
        } else if (source.kind == "public") {
            source.label = text_of(entry, "title", where);
        } else {
            where.fail("'kind' must be seed or public");
        }
        text_of(entry, "title", where);
        data.sources.emplace(id, std::move(source));
    }
}

void load_thresholds(const json& document, const std::string& file, Data& data) {
    for (const auto& [name, entry] : document.items()) {
        const Where where{file, "threshold '" + name + "'"};
        check_keys(entry, {"value", "unit", "description", "sources"}, where);
        detail::Threshold threshold;
        threshold.value = number_of(entry, "value", where);
        threshold.unit = text_of(entry, "unit", where);
        threshold.description = text_of(entry, "description", where);
        threshold.sources = sources_of(entry, data, where);
        data.thresholds.emplace(name, std::move(threshold));
    }
}

// The check-ins an entry carries in `example`, each with the boolean `expected_key` (`fires` for a
// rule, `holds` for a definition) that the test suite checks.
std::vector<Data::Example> examples_of(const json& entry, const std::string& expected_key,
                                       const Where& where) {
    std::vector<Data::Example> examples;
    const json& list = array_of(entry, "example", where);
    for (std::size_t e = 0; e < list.size(); ++e) {
        const Where example_where = where.at("example #" + std::to_string(e + 1));
        check_keys(list[e], {"checkin", expected_key}, example_where);
        Data::Example example;
        try {
            example.checkin = validate_checkin(require(list[e], "checkin", example_where)).document;
        } catch (const InputError& error) {
            example_where.fail(std::string("checkin: ") + error.what());
        }
        const json& expected = require(list[e], expected_key, example_where);
        if (!expected.is_boolean())
            example_where.fail("'" + expected_key + "' must be true or false");
        example.expected = expected.get<bool>();
        examples.push_back(std::move(example));
    }
    return examples;
}

void load_definitions(const json& document, const std::string& file, Data& data) {
    if (!document.contains("definition")) return;
    // Definitions may refer to each other; compile each once everything it refers to is ready.
    std::map<std::string, json> pending;
    for (const auto& [name, entry] : document["definition"].items()) {
        const Where where{file, "definition '" + name + "'"};
        check_keys(entry, {"description", "when", "sources", "finding", "example"}, where);
        text_of(entry, "description", where);
        sources_of(entry, data, where);
        pending.emplace(name, require(entry, "when", where));
        // A finding is part of every answer, so it must show on an example what it means.
        const bool finding = entry.contains("finding") && entry["finding"] == true;
        if (entry.contains("finding") && !entry["finding"].is_boolean()) {
            where.fail("'finding' must be true or false");
        }
        if (finding || entry.contains("example")) {
            data.definition_examples.emplace(name, examples_of(entry, "holds", where));
        }
        if (finding) data.findings.push_back({name, {}});
    }
    while (!pending.empty()) {
        bool progressed = false;
        for (auto it = pending.begin(); it != pending.end();) {
            std::set<std::string> refs;
            collect_refs(it->second, refs);
            bool ready = true;
            for (const auto& ref : refs) ready = ready && pending.count(ref) == 0;
            if (ready) {
                data.definitions.emplace(
                    it->first,
                    condition_of(it->second, data, Where{file, "definition '" + it->first + "'"}));
                it = pending.erase(it);
                progressed = true;
            } else {
                ++it;
            }
        }
        if (!progressed) {
            // Every definition left waits on another one left; following those references from
            // any of them comes back to one on the cycle, which is the one to name.
            std::string on_cycle = pending.begin()->first;
            for (std::set<std::string> visited; visited.insert(on_cycle).second;) {
                std::set<std::string> refs;
                collect_refs(pending.at(on_cycle), refs);
                on_cycle = *std::find_if(refs.begin(), refs.end(),
                                         [&](const auto& ref) { return pending.count(ref) != 0; });
            }
            Where{file, "definition '" + on_cycle + "'"}.fail(
                "refers to itself through a cycle of definitions");
        }
    }
    std::sort(data.findings.begin(), data.findings.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (auto& finding : data.findings) finding.when = data.definitions.at(finding.id);
}

void load_rules(const json& document, const std::string& file, Data& data) {
    check_keys(document, {"definition", "rule"}, Where{file, "top level"});
    load_definitions(document, file, data);
    std::set<std::string> ids;
    const json& rules = array_of(document, "rule", Where{file, "rules"});
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const json& entry = rules[i];
        Where where{file, "rule #" + std::to_string(i + 1)};
        if (entry.is_object() && entry.contains("id") && entry["id"].is_string()) {
            where.entry = "rule '" + entry["id"].get<std::string>() + "'";
        }
        check_keys(entry, {"id", "level", "when", "text", "summary", "sources", "example"}, where);
        Data::Rule rule;
        rule.id = text_of(entry, "id", where);
        if (!ids.insert(rule.id).second) where.fail("a second rule with this id");
        rule.level = level_of(entry, "level", where);
        rule.when = condition_of(require(entry, "when", where), data, where);
        rule.text = with_thresholds(text_of(entry, "text", where), data, where);
        rule.summary = with_thresholds(text_of(entry, "summary", where, false), data, where);
        if (utf8_length(rule.summary) > kMaxSummaryChars) {
            where.fail("'summary' is longer than 140 characters");
        }
        rule.sources = sources_of(entry, data, where);
        rule.examples = examples_of(entry, "fires", where);
        data.rules.push_back(std::move(rule));
    }
}

void load_causes(const json& document, const std::string& file, Data& data) {
    check_keys(document, {"cause"}, Where{file, "top level"});
    std::set<std::string> ids;
    const json& causes = array_of(document, "cause", Where{file, "causes"});
    for (std::size_t i = 0; i < causes.size(); ++i) {
        const json& entry = causes[i];
        Where where{file, "cause #" + std::to_string(i + 1)};
        if (entry.is_object() && entry.contains("id") && entry["id"].is_string()) {
            where.entry = "cause '" + entry["id"].get<std::string>() + "'";
        }
        check_keys(entry, {"id", "label", "description", "advice", "sources", "sign"}, where);
        Data::Cause cause;
        cause.id = text_of(entry, "id", where);
        if (!ids.insert(cause.id).second) where.fail("a second cause with this id");
        cause.label = text_of(entry, "label", where);
        cause.description = text_of(entry, "description", where);
        cause.advice = text_of(entry, "advice", where);
        cause.sources = sources_of(entry, data, where);
        const json& signs = array_of(entry, "sign", where);
        for (std::size_t s = 0; s < signs.size(); ++s) {
            const Where sign_where = where.at("sign #" + std::to_string(s + 1));
            check_keys(signs[s], {"when", "while", "weight", "why"}, sign_where);
            Data::Sign sign;
            sign.when = condition_of(require(signs[s], "when", sign_where), data, sign_where);
            if (sign.when.kind != detail::Condition::Kind::test) {
                sign_where.fail("'when' of a sign is one test (field, op, value or threshold)");
            }
            if (signs[s].contains("while")) {
                sign.while_condition =
                    condition_of(signs[s]["while"], data, sign_where.at("while"));
            }
            const json& weight = require(signs[s], "weight", sign_where);
            if (!weight.is_number_integer() || weight.get<int>() < 1) {
                sign_where.fail("'weight' must be a whole number of at least 1");
            }
            sign.weight = weight.get<int>();
            sign.why = with_thresholds(text_of(signs[s], "why", sign_where), data, sign_where);
            cause.signs.push_back(std::move(sign));
        }
        data.causes.push_back(std::move(cause));
    }
}

void load_guidance(const json& document, const std::string& file, Data& data) {
    check_keys(document,
               {"disclaimer", "disclaimer_sources", "level", "advice", "course", "benefits"},
               Where{file, "top level"});
    const Where top{file, "disclaimer"};
    data.disclaimer = text_of(document, "disclaimer", top);
    sources_of(document, data, top, "disclaimer_sources");

    const json& levels = require(document, "level", Where{file, "levels"});
    for (const Level level :
         {Level::normal, Level::tell_therapist, Level::see_doctor, Level::urgent}) {
        const std::string name{to_string(level)};
        const Where where{file, "level '" + name + "'"};
        if (!levels.contains(name)) where.fail("missing");
        const json& entry = levels[name];
        check_keys(entry, {"label", "summary", "advice", "course", "sources"}, where);
        Data::LevelText text;
        text.label = text_of(entry, "label", where);
        text.summary = with_thresholds(text_of(entry, "summary", where), data, where);
        if (utf8_length(text.summary) > kMaxSummaryChars) {
            where.fail("'summary' is longer than 140 characters");
        }
        text.advice = with_thresholds(text_of(entry, "advice", where), data, where);
        text.course = with_thresholds(text_of(entry, "course", where, false), data, where);
        text.sources = sources_of(entry, data, where);
        data.levels.emplace(level, std::move(text));
    }

    for (const auto& entry : array_of(document, "advice", Where{file, "advice"})) {
        Where where{file, "advice"};
        if (entry.is_object() && entry.contains("id") && entry["id"].is_string()) {
            where.entry = "advice '" + entry["id"].get<std::string>() + "'";
        }
        check_keys(entry, {"id", "text", "max_level", "unless_causes", "when", "unless", "sources"},
                   where);
        Data::Advice advice;
        advice.id = text_of(entry, "id", where);
        advice.text = with_thresholds(text_of(entry, "text", where), data, where);
        advice.max_level = level_of(entry, "max_level", where);
        if (entry.contains("unless_causes")) {
            const json& list = entry["unless_causes"];
            if (!list.is_array()) where.fail("'unless_causes' must list cause ids");
            for (const auto& id : list) {
                const bool known =
                    id.is_string() && std::any_of(data.causes.begin(), data.causes.end(),
                                                  [&](const auto& c) { return c.id == id; });
                if (!known) where.fail("unknown cause " + id.dump() + " in 'unless_causes'");
                advice.unless_causes.push_back(id.get<std::string>());
            }
        }
        if (entry.contains("when")) advice.when = condition_of(entry["when"], data, where);
        if (entry.contains("unless")) advice.unless = condition_of(entry["unless"], data, where);
        advice.sources = sources_of(entry, data, where);
        data.advice.push_back(std::move(advice));
    }

    const json& course = array_of(document, "course", Where{file, "course"});
    for (std::size_t i = 0; i < course.size(); ++i) {
        const json& entry = course[i];
        Where where{file, "course #" + std::to_string(i + 1)};
        check_keys(entry, {"id", "until", "text", "sources"}, where);
        Data::CourseWindow window;
        window.id = text_of(entry, "id", where);
        where.entry = "course '" + window.id + "'";
        const bool last = i + 1 == course.size();
        if (entry.contains("until")) {
            if (last) where.fail("the last window has no 'until': it covers every later hour");
            const std::string name = text_of(entry, "until", where);
            const auto threshold = data.thresholds.find(name);
            if (threshold == data.thresholds.end()) where.fail("unknown threshold '" + name + "'");
            window.until_hours = threshold->second.value;
            if (!data.course.empty() && data.course.back().until_hours &&
                *data.course.back().until_hours >= *window.until_hours) {
                where.fail("'until' must grow from one window to the next");
            }
        } else if (!last) {
            where.fail("missing 'until' (only the last window has none)");
        }
        window.text = with_thresholds(text_of(entry, "text", where), data, where);
        window.sources = sources_of(entry, data, where);
        data.course.push_back(std::move(window));
    }

    const Where benefits_where{file, "benefits"};
    const json& benefits = require(document, "benefits", benefits_where);
    check_keys(benefits, {"max_level", "when", "unless", "intro", "sources", "item"},
               benefits_where);
    data.benefits_max_level = level_of(benefits, "max_level", benefits_where);
    data.benefits_when =
        condition_of(require(benefits, "when", benefits_where), data, benefits_where);
    if (benefits.contains("unless")) {
        data.benefits_unless = condition_of(benefits["unless"], data, benefits_where);
    }
    data.benefits_intro = text_of(benefits, "intro", benefits_where);
    sources_of(benefits, data, benefits_where);
    for (const auto& entry : array_of(benefits, "item", benefits_where)) {
        const Where where = benefits_where.at("item");
        check_keys(entry, {"id", "text", "sources"}, where);
        Data::Benefit benefit;
        benefit.id = text_of(entry, "id", where);
        benefit.text = text_of(entry, "text", where);
        benefit.sources = sources_of(entry, data, where);
        data.benefits.push_back(std::move(benefit));
    }
}

void load_topics(const json& document, const std::string& file, Data& data) {
    check_keys(document, {"topic"}, Where{file, "top level"});
    std::set<std::string> ids;
    for (const auto& entry : array_of(document, "topic", Where{file, "topics"})) {
        Where where{file, "topic"};
        if (entry.is_object() && entry.contains("id") && entry["id"].is_string()) {
            where.entry = "topic '" + entry["id"].get<std::string>() + "'";
        }
        check_keys(entry, {"id", "title", "text", "sources"}, where);
        Data::Topic topic;
        topic.id = text_of(entry, "id", where);
        if (!ids.insert(topic.id).second) where.fail("a second topic with this id");
        topic.title = text_of(entry, "title", where);
        topic.text = with_thresholds(text_of(entry, "text", where), data, where);
        topic.sources = sources_of(entry, data, where);
        data.topics.push_back(std::move(topic));
    }
}

void load_questions(const json& document, const std::string& file, Data& data) {
    check_keys(document, {"question"}, Where{file, "top level"});
    for (const auto& entry : array_of(document, "question", Where{file, "questions"})) {
        Where where{file, "question"};
        check_keys(entry, {"field", "text"}, where);
        Data::Question question{text_of(entry, "field", where), text_of(entry, "text", where)};
        where.entry = "question '" + question.field + "'";
        const auto* node = detail::find_field(detail::checkin_schema(), question.field);
        if (node == nullptr || !node->properties.empty()) {
            where.fail("not a field of the check-in schema");
        }
        data.questions.push_back(std::move(question));
    }
}

}  // namespace

std::string KnowledgeBase::Data::source_labels(const std::vector<std::string>& ids) const {
    std::string out;
    for (const auto& id : ids) {
        if (!out.empty()) out += "; ";
        out += sources.at(id).label;
    }
    return out;
}

namespace {
json answer_entry(const std::string& id, const std::string& text,
                  const std::vector<std::string>& sources, const Data& data) {
    return {{"id", id}, {"text", text}, {"source", data.source_labels(sources)}};
}
}  // namespace

void KnowledgeBase::Data::prepare_answer_entries() {
    for (auto& rule : rules) {
        rule.reason = {{"rule", rule.id},
                       {"level", to_string(rule.level)},
                       {"text", rule.text},
                       {"source", source_labels(rule.sources)},
                       {"sources", rule.sources}};
    }
    for (auto& cause : causes) {
        cause.answer_item = {
            {"id", cause.id}, {"label", cause.label}, {"source", source_labels(cause.sources)}};
        cause.advice_entry = answer_entry("cause." + cause.id, cause.advice, cause.sources, *this);
    }
    for (auto& [level, text] : levels) {
        text.advice_entry = answer_entry("level." + std::string(to_string(level)), text.advice,
                                         text.sources, *this);
        if (!text.course.empty()) {
            text.course_entry = answer_entry("level." + std::string(to_string(level)), text.course,
                                             text.sources, *this);
        }
    }
    for (auto& item : advice) item.entry = answer_entry(item.id, item.text, item.sources, *this);
    for (auto& window : course) {
        window.entry = answer_entry(window.id, window.text, window.sources, *this);
    }
    for (auto& benefit : benefits) {
        benefit.entry = answer_entry(benefit.id, benefit.text, benefit.sources, *this);
    }
}

namespace {

// Reads the files in the order they depend on each other: sources and thresholds first, as every
// other file refers to them. `read(stem)` gives a file's document, `name(stem)` how errors name it.
template <class Read, class Name>
KnowledgeBase::Data read_knowledge(Read read, Name name) {
    Data data;
    const std::pair<const char*, void (*)(const json&, const std::string&, Data&)> kFiles[] = {
        {"manifest", load_manifest}, {"sources", load_sources},    {"thresholds", load_thresholds},
        {"rules", load_rules},       {"causes", load_causes},      {"guidance", load_guidance},
        {"topics", load_topics},     {"questions", load_questions}};
    for (const auto& [stem, load_file] : kFiles) {
        json document = read(stem);
        load_file(document, name(stem), data);
        data.documents[stem] = std::move(document);
    }
    data.prepare_answer_entries();
    return data;
}

}  // namespace

KnowledgeBase KnowledgeBase::load(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) {
        throw InputError(dir.string() + ": knowledge folder not found");
    }
    const auto path = [&](const std::string& stem) { return dir / (stem + ".toml"); };
    auto data = std::make_unique<Data>(
        read_knowledge([&](const std::string& stem) { return detail::read_toml_file(path(stem)); },
                       [&](const std::string& stem) { return path(stem).string(); }));
    data->origin = dir.string();
    return KnowledgeBase(std::move(data));
}

KnowledgeBase KnowledgeBase::built_in() {
    const auto name = [](const std::string& stem) {
        return "knowledge/" + stem + ".toml (built in)";
    };
    auto data = std::make_unique<Data>(read_knowledge(
        [&](const std::string& stem) {
            for (const auto& file : detail::kBuiltInKnowledge) {
                if (file.stem == stem) return detail::parse_toml_text(file.text, name(stem));
            }
            throw InputError(name(stem) + ": not in this build");
        },
        name));
    data->origin = "built in";
    return KnowledgeBase(std::move(data));
}

KnowledgeBase KnowledgeBase::load_default() {
    const char* env = std::getenv("TWITCHWATCH_KNOWLEDGE");
    return env != nullptr && *env != '\0' ? load(env) : built_in();
}

const std::string& KnowledgeBase::version() const { return data_->version; }
const std::string& KnowledgeBase::origin() const { return data_->origin; }

std::vector<KnowledgeBase::RuleText> KnowledgeBase::rule_texts() const {
    std::vector<RuleText> texts;
    for (const auto& rule : data_->rules) texts.push_back({rule.id, rule.level, rule.text});
    return texts;
}

json KnowledgeBase::to_json() const {
    json out = data_->documents;
    out["version"] = data_->version;
    return out;
}

KnowledgeBase::KnowledgeBase(std::unique_ptr<Data> data) : data_(std::move(data)) {}
KnowledgeBase::~KnowledgeBase() = default;
KnowledgeBase::KnowledgeBase(KnowledgeBase&&) noexcept = default;
KnowledgeBase& KnowledgeBase::operator=(KnowledgeBase&&) noexcept = default;

}  // namespace twitchwatch::assess
