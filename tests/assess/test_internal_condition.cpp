// The condition format of knowledge/rules.toml: each operator, missing fields, and the mistakes
// compile_condition refuses.
#include <gtest/gtest.h>

#include <stdexcept>

#include "assess/condition.hpp"

namespace twitchwatch::assess::detail {
namespace {

using nlohmann::json;

const Thresholds& thresholds() {
    static const Thresholds values = {{"window", Threshold{72, "h", "test", {"seed_000"}}}};
    return values;
}

Condition compile(const json& source) {
    static const std::map<std::string, Condition, std::less<>> no_definitions;
    return compile_condition(source, {checkin_schema(), thresholds(), no_definitions});
}

bool holds(const json& source, const json& checkin) { return compile(source).holds(checkin); }

const json kCheckin = {{"hours_since_massage", 72},
                       {"massage", {{"pressure", "firm"}, {"regions", json::array()}}},
                       {"twitching", {{"present", false}}},
                       {"context", {{"medications", {"ibuprofen"}}}}};

TEST(assess, ConditionOperators) {
    EXPECT_TRUE(
        holds({{"field", "hours_since_massage"}, {"op", "le"}, {"threshold", "window"}}, kCheckin));
    EXPECT_FALSE(
        holds({{"field", "hours_since_massage"}, {"op", "gt"}, {"threshold", "window"}}, kCheckin));
    EXPECT_TRUE(holds({{"field", "hours_since_massage"}, {"op", "ge"}, {"value", 72}}, kCheckin));
    EXPECT_FALSE(holds({{"field", "hours_since_massage"}, {"op", "lt"}, {"value", 72}}, kCheckin));
    EXPECT_TRUE(holds({{"field", "twitching.present"}, {"op", "eq"}, {"value", false}}, kCheckin));
    EXPECT_TRUE(holds({{"field", "twitching.present"}, {"op", "ne"}, {"value", true}}, kCheckin));
    EXPECT_TRUE(holds({{"field", "massage.pressure"}, {"op", "in"}, {"value", {"firm", "deep"}}},
                      kCheckin));
    EXPECT_FALSE(
        holds({{"field", "massage.pressure"}, {"op", "in"}, {"value", {"light"}}}, kCheckin));
    EXPECT_TRUE(holds({{"field", "context.medications"}, {"op", "nonempty"}}, kCheckin));
    EXPECT_FALSE(holds({{"field", "massage.regions"}, {"op", "nonempty"}}, kCheckin));
    EXPECT_TRUE(holds({{"field", "symptoms.fainted"}, {"op", "absent"}}, kCheckin));
    EXPECT_FALSE(holds({{"field", "twitching.present"}, {"op", "absent"}}, kCheckin));
}

TEST(assess, ConditionMissingFieldIsNeverNo) {
    // Not reported: neither "= true" nor "!= true" holds.
    EXPECT_FALSE(holds({{"field", "symptoms.fainted"}, {"op", "eq"}, {"value", true}}, kCheckin));
    EXPECT_FALSE(holds({{"field", "symptoms.fainted"}, {"op", "ne"}, {"value", true}}, kCheckin));
    EXPECT_FALSE(holds({{"field", "symptoms.pain_0_10"}, {"op", "lt"}, {"value", 4}}, kCheckin));
}

TEST(assess, ConditionAllAnyAndNone) {
    const json yes = {{"field", "twitching.present"}, {"op", "eq"}, {"value", false}};
    const json no = {{"field", "twitching.present"}, {"op", "eq"}, {"value", true}};
    EXPECT_TRUE(holds({{"all", {yes, yes}}}, kCheckin));
    EXPECT_TRUE(holds({{"none", {no, no}}}, kCheckin));
    EXPECT_FALSE(holds({{"none", {no, yes}}}, kCheckin));
    EXPECT_FALSE(holds({{"all", {yes, no}}}, kCheckin));
    EXPECT_TRUE(holds({{"any", {no, yes}}}, kCheckin));
    EXPECT_FALSE(holds({{"any", {no, no}}}, kCheckin));
    EXPECT_TRUE(holds({{"any", {no, {{"all", {yes}}}}}}, kCheckin));
}

// Body regions are free text: case, spaces, hyphens, underscores and a plural "s" aside, a name
// matches another whose words it has, whole and in order, or that has its words.
TEST(assess, ConditionIncludesAndOutsideMatchRegionNamesLoosely) {
    const auto checkin = [](const json& massaged, const json& twitching) {
        json c = {{"hours_since_massage", 5}, {"twitching", {{"regions", twitching}}}};
        if (!massaged.is_null()) c["massage"] = {{"regions", massaged}};
        return c;
    };
    const json outside = {
        {"field", "twitching.regions"}, {"op", "outside"}, {"other", "massage.regions"}};
    EXPECT_FALSE(holds(outside, checkin({"left_calf", "back"}, {"calf"})));
    EXPECT_FALSE(holds(outside, checkin({"Left Calf"}, {"left-calf", "LEFT_CALF"})));
    EXPECT_FALSE(holds(outside, checkin({"calf"}, {"left calf"})));
    EXPECT_TRUE(holds(outside, checkin({"left_calf"}, {"calf", "arm"})));
    // An empty list (a session recorded without its regions) names no place: nothing outside it.
    EXPECT_FALSE(holds(outside, checkin(json::array(), {"calf"})));
    // Whole words: a letter or a piece of a word matches nothing; plurals and case fold.
    EXPECT_TRUE(holds(outside, checkin({"calf"}, {"a"})));
    EXPECT_TRUE(holds(outside, checkin({"shoulder"}, {"houl"})));
    EXPECT_FALSE(holds(outside, checkin({"legs"}, {"left leg"})));
    EXPECT_FALSE(holds(outside, checkin({"calves"}, {"left calf"})));
    EXPECT_FALSE(holds(outside, checkin({"Left Calf"}, {"calves"})));
    EXPECT_FALSE(holds(outside, checkin({"Shoulders"}, {"right shoulder"})));
    EXPECT_FALSE(holds(outside, checkin({"\u00c9PAULE"}, {"\u00e9paule"})));
    EXPECT_FALSE(holds(outside, checkin({"  Left   Calf "}, {"left\u00a0calf"})));
    EXPECT_FALSE(holds(outside, checkin({"back"}, json::array())));
    EXPECT_FALSE(holds(outside, checkin({"back"}, {" ", "_"})));  // names no place
    // Not reported is not "nowhere": without the massage's regions nothing is outside them.
    EXPECT_FALSE(holds(outside, checkin(nullptr, {"calf"})));

    const json tongue = {{"field", "twitching.regions"}, {"op", "includes"}, {"value", {"tongue"}}};
    EXPECT_TRUE(holds(tongue, checkin(nullptr, {"calf", "Tongue"})));
    EXPECT_TRUE(holds(tongue, checkin(nullptr, {"left side of the tongue"})));
    EXPECT_FALSE(holds(tongue, checkin(nullptr, {"calf", "thigh"})));
    EXPECT_FALSE(holds(tongue, checkin(nullptr, json::array())));
    EXPECT_FALSE(holds(tongue, checkin(nullptr, {"tong", "on", "ue"})));
}

TEST(assess, ConditionRefusesMistakes) {
    const auto refused = [](const json& source) {
        EXPECT_THROW(compile(source), std::invalid_argument) << source.dump();
    };
    refused({{"field", "symptoms.nope"}, {"op", "eq"}, {"value", true}});
    refused({{"field", "symptoms"}, {"op", "eq"}, {"value", true}});  // not a leaf
    refused({{"field", "symptoms.fainted"}, {"op", "is"}, {"value", true}});
    refused({{"field", "symptoms.fainted"}, {"op", "eq"}, {"value", 1}});
    refused({{"field", "symptoms.fainted"}, {"op", "gt"}, {"value", 1}});
    refused({{"field", "symptoms.soreness"}, {"op", "eq"}, {"value", "awful"}});
    refused({{"field", "symptoms.soreness"}, {"op", "in"}, {"value", json::array()}});
    refused({{"field", "symptoms.pain_0_10"}, {"op", "ge"}, {"threshold", "unknown"}});
    refused({{"field", "symptoms.pain_0_10"}, {"op", "ge"}, {"value", 4}, {"threshold", "window"}});
    refused({{"field", "symptoms.pain_0_10"}, {"op", "ge"}});
    refused({{"field", "symptoms.pain_0_10"}, {"op", "nonempty"}});
    refused({{"field", "symptoms.pain_0_10"}, {"op", "ge"}, {"value", 4}, {"extra", 1}});
    refused({{"field", "symptoms.pain_0_10"}, {"op", "includes"}, {"value", {"calf"}}});
    refused({{"field", "twitching.regions"}, {"op", "includes"}, {"value", json::array()}});
    refused({{"field", "twitching.regions"}, {"op", "includes"}, {"value", {"-"}}});
    refused({{"field", "twitching.regions"}, {"op", "includes"}, {"value", {3}}});
    refused({{"field", "twitching.regions"}, {"op", "outside"}});
    refused({{"field", "twitching.regions"}, {"op", "outside"}, {"other", "massage.minutes"}});
    refused({{"field", "twitching.regions"},
             {"op", "outside"},
             {"other", "massage.regions"},
             {"value", {"calf"}}});
    refused({{"field", "twitching.regions"},
             {"op", "includes"},
             {"value", {"calf"}},
             {"other", "massage.regions"}});
    refused({{"all", json::array()}});
    refused({{"all", {json::object()}}, {"any", {json::object()}}});
    refused({{"none", json::array()}});
    refused({{"none", {json::object()}}, {"ref", "x"}});
    refused({{"ref", "unknown"}});
    refused(json::array());
}

}  // namespace
}  // namespace twitchwatch::assess::detail
