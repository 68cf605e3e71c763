#pragma once
// Helpers of the tests of the data files compiled into the signal library (knowledge/*.toml).

#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::test {

// The repository's knowledge/NAME, as text.
inline std::string knowledge_file(const std::string& name) {
    std::ifstream in(std::string(TW_SOURCE_DIR) + "/knowledge/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// `text` with the value line of `entry` replaced by `value_line`; "" when there is no such entry.
inline std::string with_value(const std::string& text, const std::string& entry,
                              const std::string& value_line) {
    const auto table = text.find("[" + entry + "]\n");
    if (table == std::string::npos) return "";
    const auto start = text.find("value = ", table);
    const auto end = text.find('\n', start);
    return text.substr(0, start) + value_line + text.substr(end);
}

// The message of the InputError that parse(text, "test.toml") throws ("" when it does not).
template <class Parse>
std::string error_of(Parse parse, const std::string& text) {
    try {
        parse(text, "test.toml");
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

// One broken value of a knowledge file and (part of) the message it must be refused with.
struct BrokenValue {
    const char* entry;
    const char* value_line;
    const char* message;
};

// Every case, written into `text`, is refused by `parse` with its message.
template <class Parse>
void expect_refused(Parse parse, const std::string& text,
                    std::initializer_list<BrokenValue> cases) {
    for (const auto& c : cases) {
        const auto changed = with_value(text, c.entry, c.value_line);
        ASSERT_NE(changed, "") << "no entry " << c.entry;
        const auto message = error_of(parse, changed);
        EXPECT_NE(message.find(c.message), std::string::npos) << c.value_line << ": " << message;
    }
}

}  // namespace twitchwatch::signal::test
