// The simulator's model as data (simulate/model.hpp): knowledge/simulation.toml is what the
// library carries, and a broken file is refused with the entry and the problem named.
#include <gtest/gtest.h>

#include <string>

#include "knowledge_file_support.hpp"
#include "simulate/model.hpp"

namespace {

using twitchwatch::signal::detail::parse_simulation_model;
using twitchwatch::signal::detail::simulation_model;
using twitchwatch::signal::test::with_value;

std::string repository_file() {
    return twitchwatch::signal::test::knowledge_file("simulation.toml");
}

std::string error_of(const std::string& text) {
    return twitchwatch::signal::test::error_of(parse_simulation_model, text);
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
    twitchwatch::signal::test::expect_refused(
        parse_simulation_model, text,
        {
            {"muap_tau_s", "value = [0.004, 0.0025]", "[muap_tau_s] value: low is above high"},
            {"muap_tau_s", "value = 0.003", "[muap_tau_s] value must be a range [low, high]"},
            {"muap_tau_s", "value = [0.002, \"wide\"]", "[muap_tau_s] value must be a number"},
            {"onset_fraction", "value = [0.1, 0.2]", "[onset_fraction] value must be a number"},
        });
    EXPECT_NE(error_of(text + "\n[tau]\nvalue = 1\ndescription = \"d\"\n")
                  .find("[tau]: not a model number"),
              std::string::npos);
    const auto without = text.substr(0, text.find("[accelerometer_artefact_g]"));
    EXPECT_NE(error_of(without).find(
                  "[accelerometer_artefact_g] is missing (every model number needs one)"),
              std::string::npos);
}

}  // namespace
