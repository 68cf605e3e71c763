// The simulator's model as data (simulate/model.hpp): knowledge/simulation.toml is what the
// library carries, and a broken file is refused with the entry and the problem named.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "simulate/model.hpp"
#include "twitchwatch/errors.hpp"

namespace {

using twitchwatch::signal::detail::parse_simulation_model;
using twitchwatch::signal::detail::simulation_model;

std::string repository_file() {
    std::ifstream in(std::string(TW_SOURCE_DIR) + "/knowledge/simulation.toml");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The file with the value line of `entry` replaced by `value_line`.
std::string with_value(const std::string& text, const std::string& entry,
                       const std::string& value_line) {
    const auto table = text.find("[" + entry + "]\n");
    EXPECT_NE(table, std::string::npos) << entry;
    const auto start = text.find("value = ", table);
    const auto end = text.find('\n', start);
    return text.substr(0, start) + value_line + text.substr(end);
}

std::string error_of(const std::string& text) {
    try {
        parse_simulation_model(text, "test.toml");
    } catch (const twitchwatch::InputError& e) {
        return e.what();
    }
    return "";
}

TEST(SignalSimulationModel, TheRepositoryFileIsTheOneTheLibraryCarries) {
    const auto parsed = parse_simulation_model(repository_file(), "simulation.toml");
    EXPECT_TRUE(parsed == simulation_model());
    // Ranges are read as [low, high] and numbers as numbers.
    EXPECT_LT(parsed.muap_tau_s.low, parsed.muap_tau_s.high);
    EXPECT_GT(parsed.twitch_contraction_s, 0);
}

TEST(SignalSimulationModel, AChangedValueIsRead) {
    const auto parsed = parse_simulation_model(
        with_value(repository_file(), "doublet_gap_s", "value = [0.012, 0.09]"), "t");
    EXPECT_EQ(parsed.doublet_gap_s.low, 0.012);
    EXPECT_EQ(parsed.doublet_gap_s.high, 0.09);
    EXPECT_FALSE(parsed == simulation_model());
}

TEST(SignalSimulationModel, ABrokenFileIsRefusedWithTheEntryNamed) {
    const std::string text = repository_file();
    EXPECT_EQ(error_of(text), "");
    EXPECT_NE(error_of(with_value(text, "muap_tau_s", "value = [0.004, 0.0025]"))
                  .find("[muap_tau_s] value: low is above high"),
              std::string::npos);
    EXPECT_NE(error_of(with_value(text, "muap_tau_s", "value = 0.003"))
                  .find("[muap_tau_s] value must be a range [low, high]"),
              std::string::npos);
    EXPECT_NE(error_of(with_value(text, "onset_fraction", "value = [0.1, 0.2]"))
                  .find("[onset_fraction] value must be a number"),
              std::string::npos);
    EXPECT_NE(error_of(with_value(text, "muap_tau_s", "value = [0.002, \"wide\"]"))
                  .find("[muap_tau_s] value must be a number"),
              std::string::npos);
    EXPECT_NE(error_of(text + "\n[tau]\nvalue = 1\ndescription = \"d\"\n")
                  .find("[tau]: not a model number"),
              std::string::npos);
    const auto without = text.substr(0, text.find("[accelerometer_artefact_g]"));
    EXPECT_NE(error_of(without).find(
                  "[accelerometer_artefact_g] is missing (every model number needs one)"),
              std::string::npos);
}

}  // namespace
