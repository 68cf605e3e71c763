#pragma once
// The course of the twitch rate over the days after a massage: an exponential decay towards a
// baseline, r(t) = baseline + A * exp(-k t), fitted by weighted log-linear least squares, with the
// half-life, its 95 % confidence interval and when the rate is expected back at baseline. Plain
// inputs: `twitchwatch course` fits the rates of recordings, the service's session page the
// episodes a client reports. Method: docs/detection.md ("Course over days").

#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

namespace twitchwatch::signal {

// One observed rate: events per unit of time, per minute for recordings, per day for what a
// client reports. `exposure` is the time behind it in the same unit (rate x exposure = events);
// 0 = unknown, and then all points weigh the same.
struct CoursePoint {
    double hours_since_massage = 0;
    double rate = 0;
    double exposure = 0;
};

// The limits of a point, which keep the fit's arithmetic finite. A course starts at the massage
// and is followed for at most a year (the check-in contract's limit too).
inline constexpr double kCourseMaxHours = 8760;
// Per minute, 16 000 twitches a second: beyond any recording. Per day, ten times the check-in
// contract's most episodes a day.
inline constexpr double kCourseMaxRate = 1e6;
// A year in minutes, the unit of a recording's exposure (a year of days is far below it).
inline constexpr double kCourseMaxExposure = 525600;

// What is wrong with a point, as the end of a sentence naming it ("its time ... is before the
// massage"); empty when it is within the limits above and its numbers are finite.
std::string course_point_problem(const CoursePoint& point);

struct CourseOptions {
    // Rate the person has without the massage's effect; < 0: estimated from the data when there
    // are enough points (knowledge/course.toml), else 0.
    double baseline_rate = -1;
    // "Back at baseline" once the excess over the baseline is below this (the rate's unit).
    double back_at_baseline_margin = 0;
    std::string rate_unit;             // printed after rates in the verdict: "/min", "/day"
    std::string point_name = "point";  // what a point is, in the verdict: "point", "report"
};

// The options of the two kinds of course, with the margins of knowledge/course.toml.
CourseOptions recording_course_options();  // twitches per minute from recordings
CourseOptions report_course_options();     // episodes per day reported by the client

struct CourseFit {
    std::size_t points_used = 0;
    // false when there are too few points, or their numbers give no finite fit (see verdict)
    bool fitted = false;
    bool decline = false;  // the decay rate is above 0 with 95 % confidence
    // Every point within the margin of the baseline: nothing to fade, and no decay is judged.
    bool at_baseline = false;
    double baseline = 0;
    bool baseline_estimated = false;
    double excess_at_massage = 0;      // A; infinity when a steep fit to late points overflows it
    double log_excess_at_massage = 0;  // ln A, finite: the fitted rates are computed from it
    double decay_per_hour = 0;         // k; negative means rising
    double decay_standard_error = 0;
    double half_life_h = 0, half_life_low_h = 0, half_life_high_h = 0;  // high may be infinity
    double back_at_baseline_h = 0, back_at_baseline_low_h = 0, back_at_baseline_high_h = 0;
    std::vector<double> fitted_rate;  // at each input point, in input order
    std::string rate_unit;            // the options' ("/min", "/day")
    std::string verdict;              // plain sentence(s) for a person

    // The fitted rate at any time (for charts); 0 when not fitted.
    double rate_at(double hours_since_massage) const;
};

// Throws InputError naming the point (by its place, from 1) when course_point_problem finds one.
CourseFit fit_course(std::span<const CoursePoint> points, const CourseOptions& options);

// The fit without its per-point values: fitted, decline, at_baseline, baseline_PER,
// baseline_estimated, excess_at_massage_PER, decay_per_hour, decay_standard_error, verdict, and
// with a decline half_life_h, half_life_ci95_h, back_at_baseline_h, back_at_baseline_ci95_h (an
// unbounded end is null). PER is the rate unit as a word: "per_min" for "/min".
nlohmann::json to_json(const CourseFit& fit);

// Hours between two ISO 8601 date-times ("YYYY-MM-DDThh:mm[:ss[.fff]]", also with a space instead
// of T), both in the same local time; throws InputError naming the text when it is not one: a
// date that does not exist (31 November), anything after the time, or a time-zone offset ("Z",
// "+02:00"; refused rather than applied, as the other time would need one too).
double hours_between(const std::string& from_iso8601, const std::string& to_iso8601);

}  // namespace twitchwatch::signal
