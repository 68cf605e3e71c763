// The knowledge loader: every entry has a source, a broken file is named with its entry and the
// problem, and an edited threshold changes the answer without a rebuild.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "assess/knowledge_data.hpp"
#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::assess {
namespace {

namespace fs = std::filesystem;

const fs::path kKnowledge = TW_SOURCE_DIR "/knowledge";

// A private copy of knowledge/ that a test may break.
class KnowledgeCopy {
  public:
    KnowledgeCopy() {
        const auto* test = testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("twitchwatch-knowledge-" + std::string(test->name()) + "-" +
                std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
        fs::remove_all(dir_);
        fs::copy(kKnowledge, dir_, fs::copy_options::recursive);
    }
    ~KnowledgeCopy() { fs::remove_all(dir_); }
    KnowledgeCopy(const KnowledgeCopy&) = delete;
    KnowledgeCopy& operator=(const KnowledgeCopy&) = delete;

    const fs::path& dir() const { return dir_; }

    // Replaces the first occurrence of `from` in `file` by `to`; the text must be there.
    void edit(const std::string& file, const std::string& from, const std::string& to) const {
        std::ifstream in(dir_ / file);
        std::stringstream buffer;
        buffer << in.rdbuf();
        std::string text = buffer.str();
        const auto at = text.find(from);
        ASSERT_NE(at, std::string::npos) << from << " not in " << file;
        text.replace(at, from.size(), to);
        std::ofstream(dir_ / file, std::ios::trunc) << text;
    }

    // The one-line error the broken copy gives.
    std::string load_error() const {
        try {
            KnowledgeBase::load(dir_);
        } catch (const InputError& e) {
            return e.what();
        }
        ADD_FAILURE() << "the broken knowledge base loaded";
        return {};
    }

  private:
    fs::path dir_;
};

void expect_error(const std::string& message, const std::string& file, const std::string& entry,
                  const std::string& problem) {
    EXPECT_NE(message.find(file), std::string::npos) << message;
    EXPECT_NE(message.find(entry), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(assess, KnowledgeLoadsAndEveryEntryHasASource) {
    const KnowledgeBase knowledge = KnowledgeBase::load(kKnowledge);
    const auto& data = knowledge.data();
    const auto has_sources = [&](const std::vector<std::string>& ids, const std::string& what) {
        EXPECT_FALSE(ids.empty()) << what;
        for (const auto& id : ids) EXPECT_TRUE(data.sources.count(id)) << what << ": " << id;
    };
    for (const auto& [name, threshold] : data.thresholds) has_sources(threshold.sources, name);
    for (const auto& rule : data.rules) has_sources(rule.sources, rule.id);
    for (const auto& cause : data.causes) has_sources(cause.sources, cause.id);
    for (const auto& advice : data.advice) has_sources(advice.sources, advice.id);
    for (const auto& window : data.course) has_sources(window.sources, window.id);
    for (const auto& benefit : data.benefits) has_sources(benefit.sources, benefit.id);
    for (const auto& topic : data.topics) has_sources(topic.sources, topic.id);
    for (const auto& [level, text] : data.levels) has_sources(text.sources, text.label);
    // The documents as a clinic reads them: every entry of every list names its sources.
    const auto documents = knowledge.to_json();
    for (const auto& [file, list] : {std::pair{"rules", "rule"},
                                     {"causes", "cause"},
                                     {"topics", "topic"},
                                     {"guidance", "advice"},
                                     {"guidance", "course"}}) {
        for (const auto& entry : documents[file][list]) {
            EXPECT_TRUE(entry.contains("sources")) << file << " " << entry.dump().substr(0, 80);
        }
    }
    // Seeds are named by their file name.
    for (const auto& [id, source] : data.sources) {
        if (source.kind == "seed") {
            EXPECT_EQ(source.label.substr(source.label.size() - 4), ".txt") << source.label;
        }
    }
}

TEST(assess, KnowledgeCoversEveryTopicTheIssueNames) {
    const KnowledgeBase knowledge = KnowledgeBase::load(kKnowledge);
    std::set<std::string> topics;
    for (const auto& topic : knowledge.data().topics) topics.insert(topic.id);
    for (const char* id :
         {"what_is_twitching", "causes_after_massage", "general_causes", "effects", "management",
          "benefits", "is_it_always_good", "painful_twitching", "how_long", "myofascial_release",
          "red_flags", "massage_timing", "medicines"}) {
        EXPECT_TRUE(topics.count(id)) << id;
    }
    std::set<std::string> causes;
    for (const auto& cause : knowledge.data().causes) causes.insert(cause.id);
    for (const char* id :
         {"dehydration", "lack_of_sleep", "stress", "caffeine", "mineral_deficiency",
          "muscle_fatigue", "medication", "nerve_stimulation"}) {
        EXPECT_TRUE(causes.count(id)) << id;
    }
}

TEST(assess, BrokenKnowledgeUnknownThreshold) {
    KnowledgeCopy copy;
    copy.edit("rules.toml", R"(op = "ge", threshold = "severe_pain_0_10")",
              R"(op = "ge", threshold = "severe_pain")");
    expect_error(copy.load_error(), "rules.toml", "rule 'see_doctor.severe_pain_late'",
                 "unknown threshold 'severe_pain'");
}

TEST(assess, BrokenKnowledgeUnknownLevel) {
    KnowledgeCopy copy;
    copy.edit("rules.toml", "id = \"urgent.fainted\"\nlevel = \"urgent\"",
              "id = \"urgent.fainted\"\nlevel = \"emergency\"");
    expect_error(copy.load_error(), "rules.toml", "rule 'urgent.fainted'", "not one of normal");
}

TEST(assess, BrokenKnowledgeUnknownField) {
    KnowledgeCopy copy;
    copy.edit("rules.toml", R"(when = { field = "symptoms.fainted")",
              R"(when = { field = "symptoms.faint")");
    expect_error(copy.load_error(), "rules.toml", "rule 'urgent.fainted'",
                 "unknown check-in field 'symptoms.faint'");
}

TEST(assess, BrokenKnowledgeValueOfTheWrongType) {
    KnowledgeCopy copy;
    copy.edit("rules.toml", R"(op = "eq", value = "severe")", R"(op = "eq", value = "awful")");
    expect_error(copy.load_error(), "rules.toml", "rule 'tell_therapist.severe_soreness'",
                 "\"awful\" is not a value of symptoms.soreness");
}

TEST(assess, BrokenKnowledgeSyntaxError) {
    KnowledgeCopy copy;
    copy.edit("thresholds.toml", "value = 72", "value = = 72");
    expect_error(copy.load_error(), "thresholds.toml", "line 7", "not valid TOML");
}

TEST(assess, BrokenKnowledgeMissingSources) {
    KnowledgeCopy copy;
    copy.edit("causes.toml", R"(sources = ["seed_000", "seed_001"]
  [[cause.sign]]
  when = { field = "context.water_liters_24h")",
              R"([[cause.sign]]
  when = { field = "context.water_liters_24h")");
    expect_error(copy.load_error(), "causes.toml", "cause 'dehydration'", "missing 'sources'");
}

TEST(assess, BrokenKnowledgeUnknownSource) {
    KnowledgeCopy copy;
    copy.edit("topics.toml", R"(sources = ["seed_001"])", R"(sources = ["seed_999"])");
    expect_error(copy.load_error(), "topics.toml", "topic 'myofascial_release'",
                 "unknown source 'seed_999'");
}

TEST(assess, BrokenKnowledgeUnknownCauseInAdvice) {
    KnowledgeCopy copy;
    copy.edit("guidance.toml", R"(unless_causes = ["dehydration"])",
              R"(unless_causes = ["thirst"])");
    expect_error(copy.load_error(), "guidance.toml", "advice 'hydrate'",
                 R"(unknown cause "thirst" in 'unless_causes')");
}

TEST(assess, BrokenKnowledgeExampleThatBreaksTheContract) {
    KnowledgeCopy copy;
    copy.edit("rules.toml", "checkin = { hours_since_massage = 2, symptoms = { fainted = true } }",
              "checkin = { hours_since_massage = 2, symptoms = { fainted = 1 } }");
    expect_error(copy.load_error(), "rules.toml", "rule 'urgent.fainted', example #1",
                 "symptoms.fainted: expected a boolean");
}

TEST(assess, BrokenKnowledgeSummaryTooLong) {
    KnowledgeCopy copy;
    copy.edit("guidance.toml", "summary = \"Nothing urgent,",
              "summary = \"" + std::string(140, 'x'));
    expect_error(copy.load_error(), "guidance.toml", "level 'tell_therapist'",
                 "longer than 140 characters");
}

TEST(assess, BrokenKnowledgeMissingFile) {
    KnowledgeCopy copy;
    fs::remove(copy.dir() / "topics.toml");
    expect_error(copy.load_error(), "topics.toml", "topics.toml", "no such file");
}

TEST(assess, BrokenKnowledgeDefinitionCycle) {
    KnowledgeCopy copy;
    copy.edit("rules.toml", R"({ field = "twitching.painful", op = "eq", value = true },
  { field = "twitching.episodes_per_day")",
              R"({ ref = "twitching_reported" },
  { field = "twitching.episodes_per_day")");
    expect_error(copy.load_error(), "rules.toml", "definition 'twitching_", "cycle");
}

TEST(assess, BrokenKnowledgeUnknownKey) {
    KnowledgeCopy copy;
    copy.edit("guidance.toml", "id = \"settling\"\n", "id = \"settling\"\ncolour = \"blue\"\n");
    expect_error(copy.load_error(), "guidance.toml", "course #2", "unknown key 'colour'");
}

TEST(assess, BrokenKnowledgeEmptyText) {
    KnowledgeCopy copy;
    copy.edit("guidance.toml",
              "text = \"Most discomfort after a massage is gone within about "
              "{threshold.discomfort_resolved_hours} hours, so expect it to ease over the next "
              "day.\"",
              "text = \"\"");
    expect_error(copy.load_error(), "guidance.toml", "course 'settling'",
                 "'text' must be a non-empty text");
}

TEST(assess, BrokenKnowledgeCourseWindowsOutOfOrder) {
    KnowledgeCopy copy;
    copy.edit("guidance.toml", "until = \"expected_window_hours\"",
              "until = \"discomfort_onset_hours\"");
    expect_error(copy.load_error(), "guidance.toml", "course 'expected_window'",
                 "'until' must grow from one window to the next");
}

TEST(assess, BrokenKnowledgeUnknownDefinition) {
    KnowledgeCopy copy;
    copy.edit("rules.toml", R"(threshold = "persistent_twitching_hours" },
  { ref = "twitching_reported" },)",
              R"(threshold = "persistent_twitching_hours" },
  { ref = "twitching_seen" },)");
    expect_error(copy.load_error(), "rules.toml", "rule '", "unknown definition 'twitching_seen'");
}

TEST(assess, EditedThresholdChangesTheAnswerWithoutARebuild) {
    KnowledgeCopy copy;
    const auto checkin =
        validate_checkin({{"hours_since_massage", 50}, {"twitching", {{"painful", true}}}});
    EXPECT_EQ(Engine(KnowledgeBase::load(copy.dir())).assess(checkin).level, Level::tell_therapist);
    copy.edit("thresholds.toml", "value = 72", "value = 48");
    const Assessment answer = Engine(KnowledgeBase::load(copy.dir())).assess(checkin);
    EXPECT_EQ(answer.level, Level::see_doctor);
    EXPECT_NE(answer.reasons[0]["text"].get<std::string>().find("48 hours"), std::string::npos)
        << answer.reasons[0]["text"];
}

}  // namespace
}  // namespace twitchwatch::assess
