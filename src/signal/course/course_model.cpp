#include "course_model.hpp"

#include <algorithm>
#include <cmath>
#include <variant>
#include <vector>

#include "course_model_text.hpp"
#include "named_entries.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::detail {
namespace {

// What an entry may hold: a number at least `minimum` (above it when `exclusive`) and below
// `maximum`; a whole number for a std::size_t member.
struct CourseField {
    std::string_view name;
    std::variant<double CourseModel::*, std::size_t CourseModel::*> member;
    double minimum = 0;
    bool exclusive = false;
    double maximum = INFINITY;
};

const std::vector<CourseField>& course_fields() {
    using M = CourseModel;
    static const std::vector<CourseField> all = {
        {"recording_margin", &M::recording_margin},
        {"report_margin", &M::report_margin},
        // A decay and its scatter need a degree of freedom; the baseline is one parameter more.
        // Whole numbers are bounded too: they size loops and become std::size_t.
        {"minimum_times", &M::minimum_times, 3, false, 1000},
        {"baseline_minimum_points", &M::baseline_minimum_points, 4, false, 1000},
        {"baseline_ceiling", &M::baseline_ceiling, 0, true, 1},
        {"baseline_grid_steps", &M::baseline_grid_steps, 1, false, 100000},
        {"excess_floor_events", &M::excess_floor_events, 0, true},
        {"excess_floor_rate", &M::excess_floor_rate, 0, true},
        {"same_time_h", &M::same_time_h, 0, true, 24},
        {"log_scatter_floor", &M::log_scatter_floor, 0, true, 10},
    };
    return all;
}

}  // namespace

CourseModel parse_course_model(std::string_view toml_text, const std::string& source) {
    CourseModel model;
    for (const auto& [entry, found] :
         read_named_fields(toml_text, source, "course number", course_fields(), {"unit", "why"})) {
        const CourseField& field = *found;
        const std::string where = entry.where + " value";
        const double value = entry_number(entry.table.at("value"), where);
        const bool too_low = field.exclusive ? !(value > field.minimum) : !(value >= field.minimum);
        if (!std::isfinite(value) || too_low || value >= field.maximum) {
            throw InputError(where + " is outside what the fit can use (" +
                             (field.exclusive ? "above " : "at least ") +
                             number_text(field.minimum) +
                             (std::isfinite(field.maximum) ? ", below " + number_text(field.maximum)
                                                           : std::string()) +
                             ")");
        }
        if (const auto* whole = std::get_if<std::size_t CourseModel::*>(&field.member)) {
            if (value != std::floor(value)) throw InputError(where + " must be a whole number");
            model.*(*whole) = static_cast<std::size_t>(value);
        } else {
            model.*std::get<double CourseModel::*>(field.member) = value;
        }
    }
    return model;
}

const CourseModel& course_model() {
    static const CourseModel model = parse_course_model(kCourseModelText, "knowledge/course.toml");
    return model;
}

}  // namespace twitchwatch::signal::detail
