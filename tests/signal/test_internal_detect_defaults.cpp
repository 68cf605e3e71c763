// The detector's defaults as data (detect/defaults.hpp): knowledge/detection.toml is what the
// library carries, every option has exactly one table, and a broken file is refused with the
// option and the problem named.
#include <gtest/gtest.h>

#include <string>

#include "detect/defaults.hpp"
#include "knowledge_file_support.hpp"

namespace {

namespace ts = twitchwatch::signal;
using ts::detail::parse_detect_defaults;

std::string repository_file() {
    return twitchwatch::signal::test::knowledge_file("detection.toml");
}

// The file with the table of `option` replaced by `body` (lines after the header; empty body
// and header: the table removed).
std::string with_table(const std::string& text, const std::string& option, const std::string& body,
                       bool keep_header = true) {
    const std::string header = "[" + option + "]\n";
    const auto start = text.find(header);
    EXPECT_NE(start, std::string::npos) << option;
    auto end = text.find("\n[", start + header.size());
    end = end == std::string::npos ? text.size() : end + 1;
    return text.substr(0, start) + (keep_header ? header + body : "") + text.substr(end);
}

std::string error_of(const std::string& text) {
    return twitchwatch::signal::test::error_of(parse_detect_defaults, text);
}

TEST(SignalDetectDefaults, TheRepositoryFileIsTheOneTheLibraryCarries) {
    const auto parsed = parse_detect_defaults(repository_file(), "detection.toml");
    EXPECT_EQ(parsed.emg.describe(), ts::DetectOptions().describe());
    EXPECT_EQ(parsed.accelerometer.describe(),
              ts::DetectOptions::for_kind(ts::ChannelKind::accelerometer).describe());
    EXPECT_EQ(ts::DetectOptions::for_kind(ts::ChannelKind::other).describe(),
              ts::DetectOptions().describe());
    // The kinds really differ where the file says so (the accelerometer's band).
    EXPECT_LT(parsed.accelerometer.band_high_hz, parsed.emg.band_high_hz);
    EXPECT_EQ(parsed.descriptions.size(), parsed.emg.describe().size());
}

TEST(SignalDetectDefaults, AnAccelerometerValueChangesOnlyThatKind) {
    const std::string text = repository_file();
    const auto before = parse_detect_defaults(text, "t");
    const auto after = parse_detect_defaults(
        with_table(text, "threshold", "value = 4.25\ndescription = \"d\"\n"), "t");
    const auto split = parse_detect_defaults(
        with_table(text, "threshold", "value = 4.25\naccelerometer = 7.25\ndescription = \"d\"\n"),
        "t");
    // Without an accelerometer value both kinds take the value; with one, only EMG does.
    EXPECT_EQ(after.emg.threshold, 4.25);
    EXPECT_EQ(after.accelerometer.threshold, 4.25);
    EXPECT_EQ(split.emg.threshold, 4.25);
    EXPECT_EQ(split.accelerometer.threshold, 7.25);
    EXPECT_EQ(split.descriptions.at("threshold"), "d");
    // The other options are untouched.
    EXPECT_EQ(split.emg.refractory_s, before.emg.refractory_s);
    EXPECT_EQ(split.accelerometer.refractory_s, before.accelerometer.refractory_s);
}

TEST(SignalDetectDefaults, ValuesAreReadExactly) {
    // Formatting the number with six digits on its way to DetectOptions::set would lose this.
    const auto parsed =
        parse_detect_defaults(with_table(repository_file(), "settling_s",
                                         "value = 0.123456789012\ndescription = \"d\"\n"),
                              "t");
    EXPECT_EQ(parsed.emg.settling_s, 0.123456789012);
    EXPECT_EQ(parsed.accelerometer.settling_s, 0.123456789012);
}

TEST(SignalDetectDefaults, ABrokenFileIsRefusedWithTheOptionNamed) {
    const std::string text = repository_file();
    EXPECT_EQ(error_of(text), "");
    EXPECT_NE(error_of(with_table(text, "threshold", "", false))
                  .find("[threshold] is missing (every detector option needs one)"),
              std::string::npos);
    EXPECT_NE(error_of(text + "\n[thresold]\nvalue = 3\ndescription = \"typo\"\n")
                  .find("[thresold]: not a detector option"),
              std::string::npos);
    EXPECT_NE(error_of(with_table(text, "threshold", "valeu = 3.5\ndescription = \"d\"\n"))
                  .find("unknown key 'valeu'"),
              std::string::npos);
    EXPECT_NE(error_of(with_table(text, "threshold", "description = \"d\"\n")).find("no value"),
              std::string::npos);
    EXPECT_NE(error_of(with_table(text, "threshold", "value = 3.5\n")).find("no description"),
              std::string::npos);
    EXPECT_NE(error_of(with_table(text, "threshold", "value = \"high\"\ndescription = \"d\"\n"))
                  .find("threshold: 'high' is not a number"),
              std::string::npos);
    EXPECT_NE(error_of(with_table(text, "threshold", "value = true\ndescription = \"d\"\n"))
                  .find("[threshold] value must be a number or a text"),
              std::string::npos);
    EXPECT_NE(error_of(with_table(text, "voluntary_min_channels",
                                  "value = 1\naccelerometer = -2\ndescription = \"d\"\n"))
                  .find("voluntary_min_channels must be a whole number"),
              std::string::npos);
    EXPECT_NE(error_of("threshold = = 3\n").find("test.toml: line 1: not valid TOML"),
              std::string::npos);
}

}  // namespace
