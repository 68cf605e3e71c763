#pragma once
// JSON from outside (a check-in, an API body, a results file) is parsed with a limit on its
// nesting: validating, copying and printing a document recurse once per level, and a text of a
// few hundred thousand brackets would exhaust the stack before any schema could refuse it.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "twitchwatch/errors.hpp"

namespace twitchwatch {

// Deeper than any document the project reads (the check-in contract nests 3 levels).
inline constexpr int kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in `text`, counting brackets outside strings. Exact
// for valid JSON (invalid JSON is refused by the parser anyway). A scan rather than a parser
// callback: the callback made parsing a check-in 20 % slower, the scan costs a pass over bytes
// already in the cache. tests/test_json_input.cpp holds it equal to nlohmann's own depth.
inline int json_nesting_depth(std::string_view text) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

// nlohmann::json::parse with the nesting limit: a deeper document throws InputError("JSON nested
// deeper than 64 levels"); a syntax error throws nlohmann's parse_error, as parse does.
inline nlohmann::json parse_json_input(std::string_view text, int max_depth = kMaxJsonDepth) {
    if (json_nesting_depth(text) > max_depth) {
        throw InputError("JSON nested deeper than " + std::to_string(max_depth) + " levels");
    }
    return nlohmann::json::parse(text);
}

}  // namespace twitchwatch
