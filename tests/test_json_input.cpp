// include/twitchwatch/json_input.hpp: the nesting scan agrees with nlohmann's own depth, and
// parse_json_input refuses deep documents before anything recurses over them.
#include "twitchwatch/json_input.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

// nlohmann's depth of a document: the deepest `depth` its parser callback reports, plus one for
// the brackets' contents (the callback counts an opened container at its parent's depth).
int reference_depth(const std::string& text) {
    int deepest = 0;
    [[maybe_unused]] const auto document = nlohmann::json::parse(
        text, [&](int depth, nlohmann::json::parse_event_t event, const nlohmann::json&) {
            if (event == nlohmann::json::parse_event_t::object_start ||
                event == nlohmann::json::parse_event_t::array_start) {
                deepest = std::max(deepest, depth + 1);
            }
            return true;
        });
    return deepest;
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
        return R"({"k[": )" + random_document(random, depth_left - 1) + R"(, "x": )" +
               random_document(random, depth_left - 1) + "}";
    }
    return tricky[random() % std::size(tricky)];
}

TEST(JsonInput, TheScanAgreesWithTheParser) {
    std::mt19937 random(7);
    for (int i = 0; i < 500; ++i) {
        const auto text = random_document(random, 12);
        ASSERT_EQ(twitchwatch::json_nesting_depth(text), reference_depth(text)) << text;
    }
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

}  // namespace
