#pragma once
// The numbers behind the course fit as data: knowledge/course.toml, compiled into the library
// (docs/detection.md, "Course over days", describes the method).

#include <cstddef>
#include <string>
#include <string_view>

namespace twitchwatch::signal::detail {

// One member per entry of knowledge/course.toml, of the same name.
struct CourseModel {
    double recording_margin = 0;  // per minute
    double report_margin = 0;     // per day
    std::size_t minimum_times = 0;
    std::size_t baseline_minimum_points = 0;
    double baseline_ceiling = 0;
    std::size_t baseline_grid_steps = 0;
    double excess_floor_events = 0;
    double excess_floor_rate = 0;
    double same_time_h = 0;
    double log_scatter_floor = 0;
    friend bool operator==(const CourseModel&, const CourseModel&) = default;
};

// Reads a course file's text: every member needs its entry, within what the fit can use; throws
// InputError naming `source`, the entry and the problem.
CourseModel parse_course_model(std::string_view toml_text, const std::string& source);

// The file compiled into the library, read at first use.
const CourseModel& course_model();

}  // namespace twitchwatch::signal::detail
