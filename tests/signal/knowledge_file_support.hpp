#pragma once
// Helpers of the tests of the data files compiled into the signal library (knowledge/*.toml).

#include <fstream>
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

}  // namespace twitchwatch::signal::test
