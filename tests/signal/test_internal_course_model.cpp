// The course fit's numbers as data (course/course_model.hpp): knowledge/course.toml is what the
// library carries, and a broken file is refused with the entry and the problem named.
#include <gtest/gtest.h>

#include <string>

#include "course/course_model.hpp"
#include "knowledge_file_support.hpp"

namespace {

using twitchwatch::signal::detail::course_model;
using twitchwatch::signal::detail::parse_course_model;
using twitchwatch::signal::test::with_value;

std::string repository_file() { return twitchwatch::signal::test::knowledge_file("course.toml"); }

std::string error_of(const std::string& text) {
    return twitchwatch::signal::test::error_of(parse_course_model, text);
}

TEST(SignalCourseModel, TheRepositoryFileIsTheOneTheLibraryCarries) {
    const auto parsed = parse_course_model(repository_file(), "course.toml");
    EXPECT_TRUE(parsed == course_model());
    EXPECT_GE(parsed.minimum_times, 3u);
    EXPECT_GT(parsed.baseline_minimum_points, parsed.minimum_times);
}

TEST(SignalCourseModel, AChangedValueIsRead) {
    const auto parsed =
        parse_course_model(with_value(repository_file(), "report_margin", "value = 2.5"), "t");
    EXPECT_EQ(parsed.report_margin, 2.5);
    EXPECT_FALSE(parsed == course_model());
}

TEST(SignalCourseModel, ABrokenFileIsRefusedWithTheEntryNamed) {
    const std::string text = repository_file();
    EXPECT_EQ(error_of(text), "");
    twitchwatch::signal::test::expect_refused(
        parse_course_model, text,
        {
            {"minimum_times", "value = 2", "[minimum_times] value is outside what the fit can use"},
            {"minimum_times", "value = 3.5", "[minimum_times] value must be a whole number"},
            {"baseline_ceiling", "value = 1.0", "[baseline_ceiling] value is outside"},
            {"baseline_ceiling", "value = 0", "[baseline_ceiling] value is outside"},
            {"excess_floor_rate", "value = 0", "[excess_floor_rate] value is outside"},
            {"same_time_h", "value = 0", "[same_time_h] value is outside"},
            {"log_scatter_floor", "value = -0.1", "[log_scatter_floor] value is outside"},
            {"recording_margin", "value = -0.5", "[recording_margin] value is outside"},
            {"report_margin", "value = nan", "[report_margin] value is outside"},
            {"report_margin", "value = \"one\"", "[report_margin] value must be a number"},
            {"baseline_grid_steps", "value = 1e30", "[baseline_grid_steps] value is outside"},
        });
    EXPECT_NE(error_of(text + "\n[grid]\nvalue = 1\ndescription = \"d\"\n")
                  .find("[grid]: not a course number"),
              std::string::npos);
    const auto without = text.substr(0, text.find("[excess_floor_rate]"));
    EXPECT_NE(error_of(without).find("[excess_floor_rate] is missing"), std::string::npos);
}

}  // namespace
