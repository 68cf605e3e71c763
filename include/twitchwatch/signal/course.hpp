#pragma once
// The course of the twitch rate over the days after a massage: an exponential decay towards a
// baseline, r(t) = baseline + A * exp(-k t), fitted by weighted log-linear least squares, with the
// half-life, its 95 % confidence interval and when the rate is expected back at baseline. Plain
// inputs, so the service's charts use the same function. Method: docs/detection.md ("Course").

#include <span>
#include <string>
#include <vector>

namespace twitchwatch::signal {

struct CoursePoint {
    double hours_since_massage = 0;
    double rate_per_min = 0;
    double analysed_min = 0;  // minutes behind the rate; 0 = unknown (all points weigh the same)
};

struct CourseOptions {
    // Rate the person has without the massage's effect; < 0: estimated from the data when there
    // are at least 4 points, else 0.
    double baseline_rate_per_min = -1;
    // "Back at baseline" once the excess over the baseline is below this many twitches per minute.
    double back_at_baseline_margin_per_min = 0.5;
};

struct CourseFit {
    std::size_t points_used = 0;
    bool fitted = false;   // false when there are too few points (see verdict)
    bool decline = false;  // the decay rate is above 0 with 95 % confidence
    double baseline_per_min = 0;
    bool baseline_estimated = false;
    double excess_at_massage_per_min = 0;  // A
    double decay_per_hour = 0;             // k; negative means rising
    double decay_standard_error = 0;
    double half_life_h = 0, half_life_low_h = 0, half_life_high_h = 0;  // high may be infinity
    double back_at_baseline_h = 0, back_at_baseline_low_h = 0, back_at_baseline_high_h = 0;
    std::vector<double> fitted_rate_per_min;  // at each input point, in input order
    std::string verdict;                      // plain sentence(s) for a person
};

CourseFit fit_course(std::span<const CoursePoint> points, const CourseOptions& options = {});

// Hours between two ISO 8601 date-times ("YYYY-MM-DDThh:mm[:ss]", also with a space instead of
// T); throws InputError naming the text when it is not one.
double hours_between(const std::string& from_iso8601, const std::string& to_iso8601);

}  // namespace twitchwatch::signal
