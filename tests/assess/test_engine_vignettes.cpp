// The one generic runner for assessment cases written as data: the vignettes of
// tests/assess/vignettes.toml and every rule's own examples in knowledge/rules.toml.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "assess/knowledge_data.hpp"
#include "assess/toml_json.hpp"
#include "default_engine.hpp"
#include "twitchwatch/assess/engine.hpp"

namespace twitchwatch::assess {
namespace {

using nlohmann::json;

const Engine& engine() { return test_support::default_engine(); }

struct Vignette {
    std::string id;
    json checkin;
    std::string level;
    std::set<std::string> causes;
    std::string first_cause;  // empty: order not checked
    bool check_rules = false;
    std::set<std::string> rules;
    bool check_findings = false;
    std::set<std::string> findings;
};

Level level_named(const std::string& name) {
    for (const Level level :
         {Level::normal, Level::tell_therapist, Level::see_doctor, Level::urgent}) {
        if (to_string(level) == name) return level;
    }
    ADD_FAILURE() << "unknown level " << name;
    return Level::normal;
}

std::vector<Vignette> load_vignettes() {
    const json document = detail::read_toml_file(TW_SOURCE_DIR "/tests/assess/vignettes.toml");
    std::vector<Vignette> vignettes;
    for (const auto& entry : document.at("vignette")) {
        Vignette v;
        v.id = entry.at("id").get<std::string>();
        v.checkin = entry.at("checkin");
        v.level = entry.at("level").get<std::string>();
        for (const auto& id : entry.at("causes")) v.causes.insert(id.get<std::string>());
        v.first_cause = entry.value("first_cause", "");
        v.check_rules = entry.contains("rules");
        if (v.check_rules) {
            for (const auto& id : entry.at("rules")) v.rules.insert(id.get<std::string>());
        }
        v.check_findings = entry.contains("findings");
        if (v.check_findings) {
            for (const auto& id : entry.at("findings")) v.findings.insert(id.get<std::string>());
        }
        vignettes.push_back(std::move(v));
    }
    return vignettes;
}

const std::vector<Vignette>& vignettes() {
    static const std::vector<Vignette> all = load_vignettes();
    return all;
}

std::set<std::string> ids_of(const json& list, const char* key) {
    std::set<std::string> ids;
    for (const auto& item : list) ids.insert(item.at(key).get<std::string>());
    return ids;
}

std::size_t utf8_length(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

class Vignettes : public testing::TestWithParam<Vignette> {};

TEST_P(Vignettes, GiveTheLevelAndCausesThePolicyRequires) {
    const Vignette& v = GetParam();
    const Assessment answer = engine().assess(validate_checkin(v.checkin));
    EXPECT_EQ(answer.level, level_named(v.level));
    EXPECT_EQ(ids_of(answer.causes, "id"), v.causes);
    if (!v.first_cause.empty()) {
        ASSERT_FALSE(answer.causes.empty());
        EXPECT_EQ(answer.causes[0]["id"], v.first_cause);
    }
    if (v.check_rules) {
        EXPECT_EQ(ids_of(answer.reasons, "rule"), v.rules);
    }
    if (v.check_findings) {
        std::set<std::string> findings;
        for (const auto& id : answer.findings) findings.insert(id.get<std::string>());
        EXPECT_EQ(findings, v.findings);
    }

    // What every answer must have, whatever the case.
    EXPECT_LE(utf8_length(answer.summary), 140u) << answer.summary;
    EXPECT_FALSE(answer.disclaimer.empty());
    EXPECT_EQ(answer.knowledge_version, engine().knowledge().version());
    EXPECT_FALSE(answer.course["text"].get<std::string>().empty());
    if (answer.level == Level::urgent) {
        EXPECT_EQ(answer.summary.rfind("Call emergency services", 0), 0u) << answer.summary;
    }
    if (answer.level != Level::normal) {
        EXPECT_TRUE(answer.benefits.empty());
    }
    for (const auto& reason : answer.reasons) {
        EXPECT_FALSE(reason["source"].get<std::string>().empty());
        EXPECT_LE(level_named(reason["level"].get<std::string>()), answer.level);
    }
    for (const auto& cause : answer.causes) {
        EXPECT_FALSE(cause["label"].get<std::string>().empty());
        EXPECT_FALSE(cause["why"].get<std::string>().empty());
    }
}

INSTANTIATE_TEST_SUITE_P(assess, Vignettes, testing::ValuesIn(vignettes()),
                         [](const testing::TestParamInfo<Vignette>& info) {
                             return info.param.id;
                         });

TEST(assess, VignettesAreEnoughAndReachEveryRuleAndCause) {
    EXPECT_GE(vignettes().size(), 40u);
    std::set<std::string> fired;
    std::set<std::string> named;
    std::set<std::string> levels;
    for (const auto& v : vignettes()) {
        const Assessment answer = engine().assess(validate_checkin(v.checkin));
        for (const auto& id : ids_of(answer.reasons, "rule")) fired.insert(id);
        for (const auto& id : ids_of(answer.causes, "id")) named.insert(id);
        levels.insert(v.level);
    }
    for (const auto& rule : engine().knowledge().data().rules) {
        EXPECT_TRUE(fired.count(rule.id)) << "no vignette fires " << rule.id;
    }
    for (const auto& cause : engine().knowledge().data().causes) {
        EXPECT_TRUE(named.count(cause.id)) << "no vignette names " << cause.id;
    }
    EXPECT_EQ(levels.size(), 4u);
}

TEST(assess, EveryRuleExampleInTheKnowledgeBaseHolds) {
    for (const auto& rule : engine().knowledge().data().rules) {
        bool fires_somewhere = false;
        for (std::size_t i = 0; i < rule.examples.size(); ++i) {
            const auto& example = rule.examples[i];
            const Assessment answer = engine().assess(validate_checkin(example.checkin));
            const bool fired = ids_of(answer.reasons, "rule").count(rule.id) != 0;
            EXPECT_EQ(fired, example.expected) << rule.id << " example #" << i + 1;
            fires_somewhere = fires_somewhere || (fired && example.expected);
            if (fired) {
                EXPECT_GE(answer.level, rule.level) << rule.id;
            }
        }
        EXPECT_TRUE(fires_somewhere) << rule.id << " has no example on which it fires";
    }
}

// A definition's examples hold or not as written; a finding's are also checked through the answer,
// and show it both holding and not.
TEST(assess, EveryDefinitionExampleInTheKnowledgeBaseHolds) {
    const auto& data = engine().knowledge().data();
    for (const auto& [id, examples] : data.definition_examples) {
        const bool finding = std::any_of(data.findings.begin(), data.findings.end(),
                                         [&](const auto& f) { return f.id == id; });
        std::set<bool> seen;
        for (std::size_t i = 0; i < examples.size(); ++i) {
            const auto& example = examples[i];
            EXPECT_EQ(data.definitions.at(id).holds(example.checkin), example.expected)
                << id << " example #" << i + 1;
            seen.insert(example.expected);
            if (!finding) continue;
            const Assessment answer = engine().assess(validate_checkin(example.checkin));
            const bool named = std::find(answer.findings.begin(), answer.findings.end(), id) !=
                               answer.findings.end();
            EXPECT_EQ(named, example.expected) << id << " example #" << i + 1;
        }
        if (finding) {
            EXPECT_EQ(seen.size(), 2u) << id << " needs examples where it holds and where not";
        }
    }
    EXPECT_FALSE(data.findings.empty());
}

}  // namespace
}  // namespace twitchwatch::assess
