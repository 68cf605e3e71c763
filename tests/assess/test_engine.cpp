// The public API of engine.hpp: parsing and validation of a check-in (each kind of bad input),
// loading the knowledge base, and the properties every assessment has.
#include "default_engine.hpp"
#include "twitchwatch/assess/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::assess {
namespace {

using nlohmann::json;

const Engine& engine() { return test_support::default_engine(); }

Assessment assess_text(const std::string& text) { return engine().assess(parse_checkin(text)); }

// The message of the InputError that parsing `text` throws, or a failure if none is thrown.
std::string rejection(const std::string& text) {
    try {
        parse_checkin(text);
    } catch (const InputError& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted: " << text.substr(0, 200);
    return {};
}

void expect_rejected(const std::string& text, const std::string& field, const std::string& words) {
    const std::string message = rejection(text);
    EXPECT_EQ(message.rfind(field + ":", 0), 0u) << message;
    EXPECT_NE(message.find(words), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
}

TEST(assess, ParseAcceptsTheSmallestCheckIn) {
    const CheckIn checkin = parse_checkin(R"({"hours_since_massage": 0})");
    EXPECT_EQ(checkin.document["hours_since_massage"], 0);
}

TEST(assess, RejectsInvalidJson) {
    expect_rejected(R"({"hours_since_massage": 3,})", "check-in", "invalid JSON");
    expect_rejected("{\"hours_since_massage\": tru}", "check-in", "invalid JSON");
    expect_rejected("[1, 2", "check-in", "invalid JSON");
    expect_rejected(R"({"hours_since_massage": 1e999})", "check-in", "invalid JSON");
}

TEST(assess, RejectsEmptyInput) {
    expect_rejected("", "check-in", "empty");
    expect_rejected(" \n\t ", "check-in", "empty");
}

TEST(assess, RejectsInputOverOneMebibyte) {
    std::string huge = R"({"hours_since_massage": 1, "twitching": {"regions": [")";
    huge += std::string(1024 * 1024, 'a');
    huge += R"("]}})";
    expect_rejected(huge, "check-in", "larger than 1 MiB");
}

TEST(assess, AcceptsExactlyOneMebibyte) {
    std::string text = R"({"hours_since_massage": 1})";
    text += std::string(1024 * 1024 - text.size(), ' ');
    ASSERT_EQ(text.size(), 1024u * 1024u);
    EXPECT_NO_THROW(parse_checkin(text));
}

TEST(assess, RejectsADocumentThatIsNotAnObject) {
    expect_rejected("[]", "check-in", "expected an object");
    expect_rejected("42", "check-in", "expected an object");
    expect_rejected("null", "check-in", "expected an object");
}

TEST(assess, RejectsAMissingHoursSinceMassage) {
    expect_rejected("{}", "hours_since_massage", "required");
    expect_rejected(R"({"twitching": {"present": true}})", "hours_since_massage", "required");
}

TEST(assess, RejectsAWrongType) {
    expect_rejected(R"({"hours_since_massage": "3"})", "hours_since_massage", "expected a number");
    expect_rejected(R"({"hours_since_massage": 3, "twitching": {"present": "yes"}})",
                    "twitching.present", "expected a boolean");
    expect_rejected(R"({"hours_since_massage": 3, "symptoms": []})", "symptoms",
                    "expected an object");
    expect_rejected(R"({"hours_since_massage": 3, "context": {"medications": "aspirin"}})",
                    "context.medications", "expected an array");
    expect_rejected(R"({"hours_since_massage": 3, "massage": {"regions": ["back", 7]}})",
                    "massage.regions[1]", "expected a string");
    expect_rejected(R"({"hours_since_massage": null})", "hours_since_massage", "expected a number");
}

TEST(assess, RejectsANumberOutOfRange) {
    expect_rejected(R"({"hours_since_massage": -1})", "hours_since_massage", "below the minimum 0");
    expect_rejected(R"({"hours_since_massage": 8760.5})", "hours_since_massage",
                    "above the maximum 8760");
    expect_rejected(R"({"hours_since_massage": 3, "symptoms": {"pain_0_10": 11}})",
                    "symptoms.pain_0_10", "11 is above the maximum 10");
    expect_rejected(R"({"hours_since_massage": 3, "context": {"water_liters_24h": 20.01}})",
                    "context.water_liters_24h", "above the maximum 20");
}

TEST(assess, ValidateRejectsNumbersJsonTextCannotHold) {
    EXPECT_THROW(validate_checkin({{"hours_since_massage", std::nan("")}}), InputError);
    EXPECT_THROW(
        validate_checkin({{"hours_since_massage", 1}, {"symptoms", {{"pain_0_10", -HUGE_VAL}}}}),
        InputError);
}

TEST(assess, AcceptsTheEndsOfEveryRange) {
    EXPECT_NO_THROW(parse_checkin(R"({"hours_since_massage": 8760,
        "symptoms": {"pain_0_10": 10}, "context": {"stress_0_10": 0, "sleep_hours": 24}})"));
}

TEST(assess, RejectsAnUnknownEnumValue) {
    expect_rejected(R"({"hours_since_massage": 3, "massage": {"pressure": "hard"}})",
                    "massage.pressure", "\"hard\" is not one of light, medium, firm, deep");
    expect_rejected(R"({"hours_since_massage": 3, "twitching": {"trend": 1}})", "twitching.trend",
                    "is not one of");
}

TEST(assess, RejectsAnUnknownField) {
    expect_rejected(R"({"hours_since_massage": 3, "mood": "ok"})", "mood", "unknown field");
    expect_rejected(R"({"hours_since_massage": 3, "symptoms": {"cramp": true}})", "symptoms.cramp",
                    "unknown field");
}

TEST(assess, RejectsStringsAndListsOutsideTheirLimits) {
    expect_rejected(R"({"hours_since_massage": 3, "massage": {"regions": [""]}})",
                    "massage.regions[0]", "shorter than 1");
    const std::string long_region(65, 'x');
    expect_rejected(
        R"({"hours_since_massage": 3, "twitching": {"regions": [")" + long_region + R"("]}})",
        "twitching.regions[0]", "longer than 64");
    std::string many = R"({"hours_since_massage": 3, "context": {"medications": [)";
    for (int i = 0; i < 65; ++i) many += (i ? ",\"m\"" : "\"m\"");
    many += "]}}";
    expect_rejected(many, "context.medications", "more than 64 items");
}

TEST(assess, CountsCharactersNotBytes) {
    // 64 characters of two bytes each: within maxLength 64.
    std::string region;
    for (int i = 0; i < 64; ++i) region += "\xC3\xA9";
    EXPECT_NO_THROW(parse_checkin(R"({"hours_since_massage": 3, "massage": {"regions": [")" +
                                  region + R"("]}})"));
}

TEST(assess, AMissingFieldIsNotReportedNeverNo) {
    // Not reporting the sleep or the water is not the same as reporting none.
    const auto silent = assess_text(R"({"hours_since_massage": 20})");
    EXPECT_TRUE(silent.causes.empty());
    const auto none = assess_text(
        R"({"hours_since_massage": 20, "context": {"sleep_hours": 0, "water_liters_24h": 0}})");
    EXPECT_EQ(none.causes.size(), 2u);
    // An explicit "no" and a missing answer both leave painful-twitching rules silent, but a
    // missing `present` with a described twitch still counts as twitching.
    EXPECT_EQ(assess_text(R"({"hours_since_massage": 200, "twitching": {"trend": "same"}})").level,
              Level::see_doctor);
    EXPECT_EQ(assess_text(R"({"hours_since_massage": 200, "twitching": {"present": false,
        "trend": "same"}})")
                  .level,
              Level::normal);
}

TEST(assess, UrgentSummaryTellsToCallEmergencyServicesFirst) {
    const auto answer = assess_text(R"({"hours_since_massage": 2, "symptoms": {"fainted": true}})");
    EXPECT_EQ(answer.level, Level::urgent);
    EXPECT_EQ(answer.summary.rfind("Call emergency services", 0), 0u) << answer.summary;
    EXPECT_EQ(answer.advice[0]["text"].get<std::string>().rfind("Call emergency services", 0), 0u);
}

TEST(assess, EveryAnswerSaysItDoesNotReplaceAProfessional) {
    for (const char* text : {R"({"hours_since_massage": 2})",
                             R"({"hours_since_massage": 2, "symptoms": {"fainted": true}})"}) {
        const json out = assess_text(text).to_json();
        EXPECT_NE(out["disclaimer"].get<std::string>().find("does not replace"), std::string::npos);
    }
}

TEST(assess, JsonOutputHasEveryDocumentedField) {
    const json out = assess_text(R"({"hours_since_massage": 30, "twitching": {"present": true},
        "massage": {"pressure": "firm"}, "symptoms": {"bruising": true}})")
                         .to_json();
    for (const char* key : {"level", "summary", "causes", "advice", "course", "benefits", "reasons",
                            "disclaimer", "knowledge_version"}) {
        EXPECT_TRUE(out.contains(key)) << key;
    }
    EXPECT_EQ(out["level"], "tell_therapist");
    EXPECT_EQ(out["causes"][0]["id"], "nerve_stimulation");
    EXPECT_EQ(out["reasons"][0]["rule"], "tell_therapist.bruising");
    EXPECT_TRUE(out["reasons"][0].contains("source"));
    EXPECT_EQ(out["course"]["hours_since_massage"], 30.0);
}

TEST(assess, CourseFollowsTheHoursSinceTheMassage) {
    const auto course_id = [](double hours) {
        return assess_text(R"({"hours_since_massage": )" + std::to_string(hours) + "}")
            .course["id"]
            .get<std::string>();
    };
    EXPECT_EQ(course_id(0), "early");
    EXPECT_EQ(course_id(12), "early");
    EXPECT_EQ(course_id(12.5), "settling");
    EXPECT_EQ(course_id(36), "settling");
    EXPECT_EQ(course_id(72), "expected_window");
    EXPECT_EQ(course_id(168), "lingering");
    EXPECT_EQ(course_id(168.5), "persistent");
    // When help is needed now, the usual course after a massage is not what to expect.
    EXPECT_EQ(
        assess_text(R"({"hours_since_massage": 5, "symptoms": {"fainted": true}})").course["id"],
        "level.urgent");
    // Nor when a doctor should look first ("expect it to ease" under "see a doctor").
    EXPECT_EQ(
        assess_text(R"({"hours_since_massage": 20, "symptoms": {"weakness": true}})").course["id"],
        "level.see_doctor");
}

TEST(assess, BenefitsOnlyForTheExpectedPicture) {
    EXPECT_FALSE(assess_text(R"({"hours_since_massage": 5, "twitching": {"present": true}})")
                     .benefits.empty());
    EXPECT_TRUE(assess_text(R"({"hours_since_massage": 5})").benefits.empty());
    EXPECT_TRUE(assess_text(R"({"hours_since_massage": 5, "twitching": {"present": true},
        "symptoms": {"bruising": true}})")
                    .benefits.empty());
}

// Twitching where the massage was not (a place not massaged, the tongue) is not called the
// massage at work: no benefits, no "do not worry", and a word on what the massage cannot explain.
// The level stays the default policy's, which does not look at where the twitching is.
TEST(assess, TwitchingBeyondTheMassageIsNotCalledTheMassageAtWork) {
    const auto advice_ids = [](const Assessment& a) {
        std::vector<std::string> list;
        for (const auto& item : a.advice) list.push_back(item["id"].get<std::string>());
        return list;
    };
    const auto has = [](const std::vector<std::string>& list, const char* id) {
        return std::find(list.begin(), list.end(), id) != list.end();
    };
    for (const char* text : {
             R"({"hours_since_massage": 10, "twitching": {"present": true, "trend": "worse",
                 "regions": ["calf", "thigh", "arm", "tongue"]}})",
             R"({"hours_since_massage": 10, "massage": {"regions": ["left_calf"]},
                 "twitching": {"present": true, "regions": ["calf", "right arm"]}})"}) {
        const auto answer = assess_text(text);
        EXPECT_EQ(answer.level, Level::normal) << text;
        EXPECT_TRUE(answer.benefits.empty()) << text;
        EXPECT_FALSE(has(advice_ids(answer), "do_not_worry")) << text;
        EXPECT_TRUE(has(advice_ids(answer), "twitching_beyond_the_massage")) << text;
    }
    for (const char* text : {
             R"({"hours_since_massage": 10, "massage": {"regions": ["left_calf", "back"]},
                 "twitching": {"present": true, "regions": ["calf"]}})",
             // Without the massage's regions, nothing is known to lie outside them.
             R"({"hours_since_massage": 10, "twitching": {"present": true, "regions": ["arm"]}})",
             // A session recorded without its regions, or a broad area, has no "outside".
             R"({"hours_since_massage": 10, "massage": {"regions": []},
                 "twitching": {"present": true, "regions": ["calf"]}})",
             R"({"hours_since_massage": 10, "massage": {"regions": ["full body"]},
                 "twitching": {"present": true, "regions": ["calf", "neck"]}})",
             R"({"hours_since_massage": 10, "massage": {"regions": ["legs"]},
                 "twitching": {"present": true, "regions": ["left calf", "thigh"]}})",
             // Twitching that has gone is nowhere.
             R"({"hours_since_massage": 10, "massage": {"regions": ["back"]},
                 "twitching": {"present": false, "regions": ["tongue"]}, "symptoms": {"relaxed": true}})"}) {
        const auto answer = assess_text(text);
        EXPECT_FALSE(answer.benefits.empty()) << text;
        EXPECT_TRUE(has(advice_ids(answer), "do_not_worry")) << text;
        EXPECT_FALSE(has(advice_ids(answer), "twitching_beyond_the_massage")) << text;
    }
}

// General aftercare does not repeat what a named cause's own advice says.
TEST(assess, GeneralAdviceGivesWayToTheCausesOwn) {
    const auto ids = [](const Assessment& a) {
        std::vector<std::string> list;
        for (const auto& item : a.advice) list.push_back(item["id"].get<std::string>());
        return list;
    };
    const auto contains = [](const std::vector<std::string>& list, const std::string& id) {
        return std::find(list.begin(), list.end(), id) != list.end();
    };
    const auto plain = ids(assess_text(R"({"hours_since_massage": 5})"));
    EXPECT_TRUE(contains(plain, "hydrate"));
    EXPECT_TRUE(contains(plain, "rest"));
    EXPECT_TRUE(contains(plain, "gentle_stretching"));

    const auto thirsty =
        ids(assess_text(R"({"hours_since_massage": 5, "context": {"water_liters_24h": 0.3}})"));
    EXPECT_TRUE(contains(thirsty, "cause.dehydration"));
    EXPECT_FALSE(contains(thirsty, "hydrate"));
    EXPECT_TRUE(contains(thirsty, "rest"));

    const auto tired = ids(assess_text(R"({"hours_since_massage": 5,
        "massage": {"technique": "deep_tissue", "minutes": 120},
        "context": {"intense_exercise_48h": true}})"));
    EXPECT_TRUE(contains(tired, "cause.muscle_fatigue"));
    EXPECT_FALSE(contains(tired, "rest"));
    EXPECT_FALSE(contains(tired, "gentle_stretching"));
    EXPECT_TRUE(contains(tired, "hydrate"));
}

TEST(assess, IsDeterministicAcrossThreads) {
    const std::string text = R"({"hours_since_massage": 80, "twitching": {"present": true,
        "painful": true, "trend": "worse"}, "context": {"stress_0_10": 8, "sleep_hours": 5}})";
    const json expected = assess_text(text).to_json();
    const CheckIn checkin = parse_checkin(text);
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                if (engine().assess(checkin).to_json() != expected) ++mismatches[t];
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (const int count : mismatches) EXPECT_EQ(count, 0);
}

TEST(assess, KnowledgeVersionIsReported) {
    EXPECT_FALSE(engine().knowledge().version().empty());
    EXPECT_EQ(assess_text(R"({"hours_since_massage": 1})").knowledge_version,
              engine().knowledge().version());
    EXPECT_EQ(engine().knowledge().to_json()["version"], engine().knowledge().version());
}

TEST(assess, LevelNames) {
    EXPECT_EQ(to_string(Level::normal), "normal");
    EXPECT_EQ(to_string(Level::tell_therapist), "tell_therapist");
    EXPECT_EQ(to_string(Level::see_doctor), "see_doctor");
    EXPECT_EQ(to_string(Level::urgent), "urgent");
}

// The build carries the knowledge base, so a copied or installed binary does not read the source
// folder; it is the folder as it was built (CMake re-embeds an edited file).
TEST(assess, TheBuiltInKnowledgeIsTheKnowledgeFolderAsBuilt) {
    const KnowledgeBase built_in = KnowledgeBase::built_in();
    const KnowledgeBase folder = KnowledgeBase::load(TW_SOURCE_DIR "/knowledge");
    EXPECT_EQ(built_in.origin(), "built in");
    EXPECT_EQ(folder.origin(), TW_SOURCE_DIR "/knowledge");
    EXPECT_EQ(built_in.version(), folder.version());
    EXPECT_EQ(built_in.to_json(), folder.to_json());
}

TEST(assess, TheDefaultKnowledgeIsTheFolderInTheEnvironmentElseTheBuiltInOne) {
    const char* before = std::getenv("TWITCHWATCH_KNOWLEDGE");
    const std::string saved = before != nullptr ? before : "";
    ::setenv("TWITCHWATCH_KNOWLEDGE", TW_SOURCE_DIR "/knowledge", 1);
    EXPECT_EQ(KnowledgeBase::load_default().origin(), TW_SOURCE_DIR "/knowledge");
    ::setenv("TWITCHWATCH_KNOWLEDGE", TW_SOURCE_DIR "/no-such-knowledge", 1);
    EXPECT_THROW(KnowledgeBase::load_default(), InputError);
    ::unsetenv("TWITCHWATCH_KNOWLEDGE");
    EXPECT_EQ(KnowledgeBase::load_default().origin(), "built in");
    if (before != nullptr) ::setenv("TWITCHWATCH_KNOWLEDGE", saved.c_str(), 1);
}

}  // namespace
}  // namespace twitchwatch::assess
