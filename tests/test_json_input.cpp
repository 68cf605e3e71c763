// include/twitchwatch/json_input.hpp: the byte scan agrees with nlohmann's own depth and key
// count, parse_json_input refuses deep documents before anything recurses over them, and refuses
// an object with a repeated key instead of keeping its last value.
#include "twitchwatch/json_input.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

// nlohmann's shape of a document: the deepest `depth` its parser callback reports, plus one for
// the brackets' contents (the callback counts an opened container at its parent's depth), and
// the keys it reports.
twitchwatch::JsonTextShape reference_shape(const std::string& text) {
    twitchwatch::JsonTextShape shape;
    [[maybe_unused]] const auto document = nlohmann::json::parse(
        text, [&](int depth, nlohmann::json::parse_event_t event, const nlohmann::json&) {
            if (event == nlohmann::json::parse_event_t::object_start ||
                event == nlohmann::json::parse_event_t::array_start) {
                shape.depth = std::max(shape.depth, depth + 1);
            }
            if (event == nlohmann::json::parse_event_t::key) ++shape.keys;
            return true;
        });
    return shape;
}

// A random valid document: nested arrays and objects, with strings full of brackets, quotes
// and backslashes that the scan must not count.
std::string random_document(std::mt19937& random, int depth_left) {
    const std::string tricky[] = {R"("a[b{c")", R"("\"]}")", R"("\\")", R"("\\\"[")",
                                  "1.5",        "true",      "null"};
    std::uniform_int_distribution<int> pick(0, 9);
    const int choice = depth_left > 0 ? pick(random) : 9;
    if (choice < 3) return "[" + random_document(random, depth_left - 1) + "]";
    if (choice < 6) {
        return R"({"k[" :)" + random_document(random, depth_left - 1) + R"(, "x:"	:	)" +
               random_document(random, depth_left - 1) + "}";
    }
    return tricky[random() % std::size(tricky)];
}

TEST(JsonInput, TheScanAgreesWithTheParser) {
    std::mt19937 random(7);
    std::size_t keys = 0;
    for (int i = 0; i < 500; ++i) {
        const auto text = random_document(random, 12);
        const auto scanned = twitchwatch::scan_json_text(text);
        const auto reference = reference_shape(text);
        ASSERT_EQ(scanned.depth, reference.depth) << text;
        ASSERT_EQ(scanned.keys, reference.keys) << text;
        keys += scanned.keys;
    }
    EXPECT_GT(keys, 500u);  // the documents do have objects to count
}

TEST(JsonInput, DeepDocumentsAreRefusedAndShallowOnesParsed) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    try {
        (void)twitchwatch::parse_json_input(deep);
        FAIL() << "a document 100000 levels deep was parsed";
    } catch (const twitchwatch::InputError& e) {
        EXPECT_STREQ(e.what(), "JSON nested deeper than 64 levels");
    }
    const std::string at_limit = std::string(64, '[') + std::string(64, ']');
    EXPECT_NO_THROW((void)twitchwatch::parse_json_input(at_limit));
    EXPECT_THROW((void)twitchwatch::parse_json_input("[" + at_limit + "]"),
                 twitchwatch::InputError);
    EXPECT_EQ(twitchwatch::parse_json_input(R"({"a": [1, "]]]"]})")["a"][1], "]]]");
    EXPECT_THROW((void)twitchwatch::parse_json_input("{"), nlohmann::json::parse_error);
}

std::string refusal_of(const std::string& text) {
    try {
        (void)twitchwatch::parse_json_input(text);
    } catch (const twitchwatch::InputError& e) {
        return e.what();
    }
    return "(parsed)";
}

TEST(JsonInput, RepeatedKeysAreRefusedAndNamed) {
    EXPECT_EQ(refusal_of(R"({"pain": 2, "pain": 8})"), R"(JSON object with the key "pain" twice)");
    EXPECT_EQ(refusal_of(R"({"a": {"b": 1, "c": {"d": 1, "d": 2}}})"),
              R"(JSON object with the key "d" twice)");
    EXPECT_EQ(refusal_of(R"([{"x": 1}, {"y": 1, "y": 1}])"),
              R"(JSON object with the key "y" twice)");
    // The same key written two ways is the same key once decoded.
    EXPECT_EQ(refusal_of(R"({"a": 1, "\u0061": 2})"), R"(JSON object with the key "a" twice)");
    EXPECT_EQ(
        refusal_of("{\"" + std::string(100, 'k') + "\": 1, \"" + std::string(100, 'k') + "\": 1}"),
        "JSON object with the key \"" + std::string(64, 'k') + "...\" twice");
    // The same key in different objects, and key-like text inside strings, are fine.
    EXPECT_EQ(refusal_of(R"({"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}], "c": "\"a\": 1"})"),
              "(parsed)");
}

}  // namespace
