#pragma once
// JSON from outside (a check-in, an API body, a results file) is parsed with two checks that
// nlohmann::json::parse does not make:
// - a limit on its nesting: validating, copying and printing a document recurse once per level,
//   and a text of a few hundred thousand brackets would exhaust the stack before any schema
//   could refuse it;
// - no repeated key in an object: the parser keeps the last value and drops the others, so
//   {"pain": 2, "pain": 8} would be read as a pain of 8 without a word. RFC 8259 leaves the
//   meaning of such a document open; twitchwatch refuses it rather than guess.

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "twitchwatch/errors.hpp"

namespace twitchwatch {

// Deeper than any document the project reads (the check-in contract nests 3 levels).
inline constexpr int kMaxJsonDepth = 64;

// What a scan of the bytes finds in a JSON text: the deepest nesting of arrays and objects and
// the number of object keys (strings followed by a colon), counted outside strings. Exact for
// valid JSON (invalid JSON is refused by the parser anyway). A scan rather than a parser
// callback: the callback made parsing a check-in 20 % slower, the scan costs a pass over bytes
// already in the cache. tests/test_json_input.cpp holds it equal to nlohmann's own counts.
struct JsonTextShape {
    int depth = 0;
    std::size_t keys = 0;
};

inline JsonTextShape scan_json_text(std::string_view text) {
    JsonTextShape shape;
    int depth = 0;
    bool in_string = false, escaped = false, after_string = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
                after_string = true;
            }
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c == ':' && after_string) ++shape.keys;
        after_string = false;
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            shape.depth = std::max(shape.depth, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return shape;
}

// The members of every object in a parsed document (its depth is bounded by then).
inline std::size_t count_object_members(const nlohmann::json& document) {
    std::size_t members = document.is_object() ? document.size() : 0;
    if (document.is_structured()) {
        for (const auto& value : document) members += count_object_members(value);
    }
    return members;
}

// The first key that repeats within one object of `text` (valid JSON), parsed again with a
// callback: only called once the counts show that a key repeats.
inline std::string first_repeated_key(std::string_view text) {
    std::vector<std::set<std::string>> open_objects;
    std::string repeated;
    [[maybe_unused]] const auto document = nlohmann::json::parse(
        text, [&](int, nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
            using Event = nlohmann::json::parse_event_t;
            if (event == Event::object_start) open_objects.emplace_back();
            if (event == Event::object_end) open_objects.pop_back();
            if (event == Event::key && repeated.empty() &&
                !open_objects.back().insert(parsed.get<std::string>()).second) {
                repeated = parsed.get<std::string>();
            }
            return true;
        });
    return repeated;
}

// nlohmann::json::parse with both checks: a deeper document throws InputError("JSON nested
// deeper than 64 levels"), a repeated key InputError("JSON object with the key \"pain\" twice");
// a syntax error throws nlohmann's parse_error, as parse does.
inline nlohmann::json parse_json_input(std::string_view text, int max_depth = kMaxJsonDepth) {
    const JsonTextShape shape = scan_json_text(text);
    if (shape.depth > max_depth) {
        throw InputError("JSON nested deeper than " + std::to_string(max_depth) + " levels");
    }
    nlohmann::json document = nlohmann::json::parse(text);
    if (count_object_members(document) != shape.keys) {
        constexpr std::size_t kShownKeyBytes = 64;
        std::string key = first_repeated_key(text);
        if (key.size() > kShownKeyBytes) key = key.substr(0, kShownKeyBytes) + "...";
        throw InputError("JSON object with the key \"" + key + "\" twice");
    }
    return document;
}

}  // namespace twitchwatch
