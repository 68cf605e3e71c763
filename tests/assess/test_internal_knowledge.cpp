// The knowledge loader: every entry has a source, a broken file is named with its entry and the
// problem, and an edited threshold changes the answer without a rebuild.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "assess/knowledge_data.hpp"
#include "assess/toml_json.hpp"
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
        std::string name = test->name();  // "Case/parameter" for the data-driven cases
        std::replace(name.begin(), name.end(), '/', '-');
        dir_ = fs::temp_directory_path() /
               ("twitchwatch-knowledge-" + name + "-" +
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

// A broken copy of knowledge/, as tests/assess/broken_knowledge.toml describes it.
struct BrokenCopy {
    std::string id;
    std::string file, find, replace;  // the edit
    std::string remove;               // or the file deleted
    std::string error_file, entry, problem;
};

std::vector<BrokenCopy> load_broken_copies() {
    const auto document =
        detail::read_toml_file(TW_SOURCE_DIR "/tests/assess/broken_knowledge.toml");
    std::vector<BrokenCopy> cases;
    for (const auto& entry : document.at("case")) {
        cases.push_back({entry.at("id").get<std::string>(), entry.value("file", ""),
                         entry.value("find", ""), entry.value("replace", ""),
                         entry.value("remove", ""), entry.at("error_file").get<std::string>(),
                         entry.at("entry").get<std::string>(),
                         entry.at("problem").get<std::string>()});
    }
    return cases;
}

// What GoogleTest prints of a failing case: its id, not its bytes.
void PrintTo(const BrokenCopy& broken, std::ostream* out) { *out << broken.id; }

class BrokenKnowledge : public testing::TestWithParam<BrokenCopy> {};

TEST_P(BrokenKnowledge, IsRefusedNamingTheFileTheEntryAndTheProblem) {
    const BrokenCopy& broken = GetParam();
    KnowledgeCopy copy;
    if (broken.remove.empty()) {
        copy.edit(broken.file, broken.find, broken.replace);
    } else {
        ASSERT_TRUE(fs::remove(copy.dir() / broken.remove)) << broken.remove;
    }
    expect_error(copy.load_error(), broken.error_file, broken.entry, broken.problem);
}

INSTANTIATE_TEST_SUITE_P(assess, BrokenKnowledge, testing::ValuesIn(load_broken_copies()),
                         [](const testing::TestParamInfo<BrokenCopy>& info) {
                             return info.param.id;
                         });

TEST(assess, EditedThresholdChangesTheAnswerWithoutARebuild) {
    KnowledgeCopy copy;
    const auto checkin =
        validate_checkin({{"hours_since_massage", 50}, {"twitching", {{"painful", true}}}});
    EXPECT_EQ(Engine(KnowledgeBase::load(copy.dir())).assess(checkin).level, Level::tell_therapist);
    copy.edit("thresholds.toml", "value = 72", "value = 48");
    const Assessment answer = Engine(KnowledgeBase::load(copy.dir())).assess(checkin);
    EXPECT_EQ(answer.level, Level::see_doctor);
    // The reason and the summary both follow the edit (the summary said "three days" in words).
    EXPECT_NE(answer.reasons[0]["text"].get<std::string>().find("more than 2 days"),
              std::string::npos)
        << answer.reasons[0]["text"];
    EXPECT_NE(answer.summary.find("beyond 2 days"), std::string::npos) << answer.summary;
    EXPECT_EQ(answer.summary.find("three"), std::string::npos) << answer.summary;
}

}  // namespace
}  // namespace twitchwatch::assess
