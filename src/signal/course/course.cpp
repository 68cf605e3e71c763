// Exponential decay of the twitch rate towards a baseline, fitted on the log of the excess.
#include "twitchwatch/signal/course.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string_view>

#include "course/course_model.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Two-sided 95 % quantile of Student's t for df degrees of freedom.
double t_quantile_95(std::size_t df) {
    static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447,
                                   2.365, 2.306,  2.262, 2.228, 2.201, 2.179, 2.160,
                                   2.145, 2.131,  2.120, 2.110, 2.101, 2.093, 2.086};
    if (df == 0) return kInfinity;
    if (df <= 20) return table[df];
    if (df <= 30) return 2.042;
    return 1.96;
}

// The two-sided 95 % quantile of the normal distribution.
constexpr double kNormalQuantile95 = 1.959963984540054;

struct LineFit {
    double intercept = 0, slope = 0, slope_se = 0, sse_rate = 0;
    std::size_t df = 0;
    // The scale of the error is the Poisson noise of the counts, known beforehand, rather than
    // estimated from the residuals with df degrees of freedom.
    bool scale_known = false;
};

// Weighted least squares of log(rate - baseline) on time. A Poisson count N has a log with
// variance about 1/N, so a point weighs its number of excess events when exposures are known.
LineFit fit_line(std::span<const CoursePoint> p, double baseline) {
    const auto& model = detail::course_model();
    const bool weighted = std::all_of(p.begin(), p.end(), [](auto& x) { return x.exposure > 0; });
    std::vector<double> t, y, w;
    for (const auto& x : p) {
        const double floor =
            weighted ? model.excess_floor_events / x.exposure : model.excess_floor_rate;
        const double excess = std::max(x.rate - baseline, floor);
        t.push_back(x.hours_since_massage);
        y.push_back(std::log(excess));
        w.push_back(weighted ? excess * x.exposure : 1.0);
    }
    const double sw = std::accumulate(w.begin(), w.end(), 0.0);
    double mt = 0, my = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        mt += w[i] * t[i] / sw;
        my += w[i] * y[i] / sw;
    }
    double stt = 0, sty = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        stt += w[i] * (t[i] - mt) * (t[i] - mt);
        sty += w[i] * (t[i] - mt) * (y[i] - my);
    }
    LineFit fit;
    fit.slope = stt > 0 ? sty / stt : 0;
    fit.intercept = my - fit.slope * mt;
    fit.df = t.size() - 2;
    double residual = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const double e = y[i] - fit.intercept - fit.slope * t[i];
        residual += w[i] * e * e;
        const double r = baseline + std::exp(fit.intercept + fit.slope * t[i]);
        fit.sse_rate += (r - p[i].rate) * (r - p[i].rate);
    }
    // The residual scatter sets the scale, but never below what the rates hold: with counts
    // behind them, the Poisson noise the weights stand for (a dispersion of 1); without, the
    // knowledge file's floor. Points exactly on a curve would otherwise claim a zero-width
    // interval.
    const double scatter_floor = weighted ? 1.0 : model.log_scatter_floor * model.log_scatter_floor;
    const double estimated = fit.df > 0 ? residual / static_cast<double>(fit.df) : 0;
    // Only the Poisson floor is a known variance; the floor of rates without counts is a guess
    // at their rounding, and keeps the estimate's Student t.
    fit.scale_known = weighted && fit.df > 0 && estimated <= scatter_floor;
    const double s2 = fit.df > 0 ? std::max(estimated, scatter_floor) : 0;
    fit.slope_se = stt > 0 ? std::sqrt(s2 / stt) : kInfinity;
    return fit;
}

// From this many hours on, a time reads in days.
constexpr double kHoursInDaysFrom = 72;

std::string hours_text(double h) {
    char buffer[64];
    if (!std::isfinite(h)) return "unbounded";
    if (h >= kHoursInDaysFrom) {
        std::snprintf(buffer, sizeof buffer, "%.1f days", h / 24);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.0f h", h);
    }
    return buffer;
}

// A 95 % interval in one unit, that of its upper end: "2.5 to 4.3 days", not "59 h to 4.3
// days", which reads as two scales. An unbounded upper end has no unit; the lower keeps its own.
std::string interval_text(double low, double high) {
    if (!std::isfinite(high)) return hours_text(low) + " to unbounded";
    char buffer[96];
    if (high >= kHoursInDaysFrom) {
        std::snprintf(buffer, sizeof buffer, "%.1f to %.1f days", low / 24, high / 24);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.0f to %.0f h", low, high);
    }
    return buffer;
}

// The fitted change per day as a person reads it; a steep rise between points a few hours apart
// can be beyond any double.
std::string change_per_day_text(double decay_per_hour) {
    // Rounded here so that a tiny change does not print as "-0 %".
    const double percent = std::round(std::expm1(-decay_per_hour * 24) * 100) + 0.0;
    if (!(percent <= 1e6)) return "more than +1000000 %";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%+.0f %%", percent);
    return buffer;
}

// How many distinct times the points have: times closer than `same_time_h` are one time.
std::size_t distinct_times(std::span<const CoursePoint> points, double same_time_h) {
    std::vector<double> times;
    for (const auto& p : points) times.push_back(p.hours_since_massage);
    std::sort(times.begin(), times.end());
    std::size_t distinct = 0;
    double first_of_group = -kInfinity;
    for (const double t : times) {
        if (t - first_of_group >= same_time_h) {
            ++distinct;
            first_of_group = t;
        }
    }
    return distinct;
}

}  // namespace

std::string course_point_problem(const CoursePoint& p) {
    const auto hours = number_text(p.hours_since_massage) + " h";
    if (!std::isfinite(p.hours_since_massage)) return "its time is not a finite number";
    if (p.hours_since_massage < 0) {
        return "its time, " + hours +
               " since the massage, is before it: a course starts at the massage";
    }
    if (p.hours_since_massage > kCourseMaxHours) {
        return "its time, " + hours + " since the massage, is more than a year (" +
               number_text(kCourseMaxHours) + " h) after it";
    }
    if (!std::isfinite(p.rate) || p.rate < 0 || p.rate > kCourseMaxRate) {
        return "its rate, " + number_text(p.rate) + ", is not a number from 0 to " +
               number_text(kCourseMaxRate);
    }
    if (!std::isfinite(p.exposure) || p.exposure < 0 || p.exposure > kCourseMaxExposure) {
        return "the time behind its rate, " + number_text(p.exposure) +
               ", is not a number from 0 to " + number_text(kCourseMaxExposure) +
               " (a year in minutes)";
    }
    return {};
}

CourseOptions recording_course_options() {
    return {-1, detail::course_model().recording_margin, "/min", "point"};
}

CourseOptions report_course_options() {
    return {-1, detail::course_model().report_margin, "/day", "report"};
}

double CourseFit::rate_at(double hours_since_massage) const {
    // From ln A: A itself may overflow, and infinity x exp(-k t) = 0 x infinity is not a number.
    return fitted
               ? baseline + std::exp(log_excess_at_massage - decay_per_hour * hours_since_massage)
               : 0;
}

CourseFit fit_course(std::span<const CoursePoint> points, const CourseOptions& options) {
    const auto& model = detail::course_model();
    CourseFit fit;
    fit.points_used = points.size();
    fit.rate_unit = options.rate_unit;
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (const auto problem = course_point_problem(points[i]); !problem.empty()) {
            throw InputError("course: " + options.point_name + " " + std::to_string(i + 1) +
                             " of " + std::to_string(points.size()) + ": " + problem);
        }
    }
    // Bounded like the rates themselves: a margin or baseline of 1e300 printed 300 digits.
    if (!(options.back_at_baseline_margin > 0 &&
          options.back_at_baseline_margin <= kCourseMaxRate) ||
        !(options.baseline_rate <= kCourseMaxRate)) {
        throw InputError(
            "course: the back-at-baseline margin must be above 0 and the baseline at most 1e6");
    }
    const auto distinct = distinct_times(points, model.same_time_h);
    if (distinct < model.minimum_times) {
        fit.verdict = "Not enough " + options.point_name + "s to judge the course: at least " +
                      std::to_string(model.minimum_times) + " at different times (" +
                      number_text(model.same_time_h) + " h or more apart) are needed, " +
                      std::to_string(distinct) + " given.";
        return fit;
    }

    const double lowest = std::min_element(points.begin(), points.end(), [](auto& a, auto& b) {
                              return a.rate < b.rate;
                          })->rate;
    double baseline = std::max(0.0, options.baseline_rate);
    if (options.baseline_rate < 0 && points.size() >= model.baseline_minimum_points && lowest > 0) {
        // Profile: the baseline whose log-linear fit leaves the smallest error in rates.
        double best_sse = kInfinity;
        const std::size_t steps = model.baseline_grid_steps;
        for (std::size_t i = 0; i <= steps; ++i) {
            const double candidate = model.baseline_ceiling * lowest * static_cast<double>(i) /
                                     static_cast<double>(steps);
            const auto line = fit_line(points, candidate);
            if (line.slope < 0 && line.sse_rate < best_sse) {
                best_sse = line.sse_rate;
                baseline = candidate;
            }
        }
        fit.baseline_estimated = true;
    }
    fit.baseline = baseline;
    const auto line = fit_line(points, baseline);
    fit.fitted = true;
    fit.log_excess_at_massage = line.intercept;
    fit.excess_at_massage = std::exp(line.intercept);
    fit.decay_per_hour = -line.slope + 0.0;  // + 0.0: no "-0.0" when the slope is 0
    fit.decay_standard_error = line.slope_se;
    for (const auto& p : points) fit.fitted_rate.push_back(fit.rate_at(p.hours_since_massage));
    // Points within the limits keep this finite; should some corner still overflow, no fit is
    // reported rather than one of numbers that are not numbers.
    if (!std::isfinite(line.intercept) || !std::isfinite(line.slope) ||
        !std::isfinite(line.slope_se) ||
        !std::all_of(fit.fitted_rate.begin(), fit.fitted_rate.end(),
                     [](double r) { return std::isfinite(r); })) {
        CourseFit none;
        none.points_used = fit.points_used;
        none.rate_unit = fit.rate_unit;
        none.verdict =
            "The course cannot be fitted: these " + options.point_name + "s give no finite decay.";
        return none;
    }
    const double margin = options.back_at_baseline_margin;
    const char* unit = options.rate_unit.c_str();
    char buffer[512];
    const bool all_near_baseline = std::all_of(points.begin(), points.end(), [&](auto& p) {
        return std::abs(p.rate - baseline) <= margin;
    });
    if (all_near_baseline) {
        // Nothing left to fade: a decay fitted to noise around the baseline would only mislead.
        fit.at_baseline = true;
        std::snprintf(buffer, sizeof buffer,
                      "Every %s is within %.1f%s of the baseline (%.1f%s%s): the rate is at "
                      "its baseline, with nothing left to fade.",
                      options.point_name.c_str(), margin, unit, baseline, unit,
                      fit.baseline_estimated ? ", estimated" : "");
        fit.verdict = buffer;
        return fit;
    }
    // A course falls towards its baseline from above: with every rate at or below the baseline
    // given, the logarithm of the excess was its floor at every point, and the fit reported a
    // flat course at 100.1/min for rates of 24, 14 and 7 and a baseline of 100.
    const double highest = std::max_element(points.begin(), points.end(), [](auto& a, auto& b) {
                               return a.rate < b.rate;
                           })->rate;
    if (options.baseline_rate >= 0 && highest <= baseline) {
        throw InputError("course: the baseline, " + number_text(baseline) + options.rate_unit +
                         ", is at or above every " + options.point_name +
                         "'s rate (the highest is " + number_text(highest) + options.rate_unit +
                         "): a course falls towards its baseline from above. Give the baseline in "
                         "the rates' unit, or leave it out to have it estimated");
    }
    // What the latest point says, whatever the fit concludes.
    const auto& latest = *std::max_element(points.begin(), points.end(), [](auto& a, auto& b) {
        return a.hours_since_massage < b.hours_since_massage;
    });
    std::string latest_note;
    if (std::abs(latest.rate - baseline) <= margin) {
        std::snprintf(buffer, sizeof buffer,
                      " The latest %s, %s after the massage, is within %.1f%s of the "
                      "baseline already.",
                      options.point_name.c_str(), hours_text(latest.hours_since_massage).c_str(),
                      margin, unit);
        latest_note = buffer;
    }

    // A scale known beforehand is no estimate: its interval takes the normal quantile. A scale
    // estimated from the residuals takes Student's t with the fit's degrees of freedom (with
    // t for 2 degrees of freedom, 4.30, rates of 24, 14, 7 and 3 counted in a minute each were
    // "not a clear decline" although their spread is the Poisson noise the counts carry).
    const double t = line.scale_known ? kNormalQuantile95 : t_quantile_95(line.df);
    const double k = fit.decay_per_hour;
    const double k_low = k - t * line.slope_se;
    const double k_high = k + t * line.slope_se;
    fit.decline = k > 0 && k_low > 0;

    if (!fit.decline) {
        std::snprintf(buffer, sizeof buffer,
                      "The data do not show a clear decline: the fitted excess over the "
                      "baseline (%.1f%s) changes by %s per day, but the uncertainty still "
                      "includes no change or a rise.",
                      baseline, unit, change_per_day_text(k).c_str());
        fit.verdict = buffer + latest_note;
        return fit;
    }
    fit.half_life_h = std::log(2.0) / k;
    fit.half_life_low_h = std::log(2.0) / k_high;
    fit.half_life_high_h = std::log(2.0) / k_low;
    // ln(A / margin), from ln A: A may overflow. Some point is beyond the margin (checked
    // above), but the fitted curve may still start within it; then the course counts as back
    // from the start (0 h).
    const double log_excess_over_margin = fit.log_excess_at_massage - std::log(margin);
    if (log_excess_over_margin > 0) {
        fit.back_at_baseline_h = log_excess_over_margin / k;
        fit.back_at_baseline_low_h = log_excess_over_margin / k_high;
        fit.back_at_baseline_high_h = log_excess_over_margin / k_low;
    }
    std::snprintf(
        buffer, sizeof buffer,
        "The twitch rate is falling: half-life %s (95 %% CI %s). It is expected back within "
        "%.1f%s of the baseline (%.1f%s%s) about %s after the massage (95 %% CI %s).",
        hours_text(fit.half_life_h).c_str(),
        interval_text(fit.half_life_low_h, fit.half_life_high_h).c_str(), margin, unit, baseline,
        unit, fit.baseline_estimated ? ", estimated" : "",
        hours_text(fit.back_at_baseline_h).c_str(),
        interval_text(fit.back_at_baseline_low_h, fit.back_at_baseline_high_h).c_str());
    fit.verdict = buffer + latest_note;
    return fit;
}

nlohmann::json to_json(const CourseFit& fit) {
    const std::string per =
        "per_" + (fit.rate_unit.empty() ? std::string("unit") : fit.rate_unit.substr(1));
    auto finite = [](double v) -> nlohmann::json {
        return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    };
    nlohmann::json out;
    out["fitted"] = fit.fitted;
    out["decline"] = fit.decline;
    out["at_baseline"] = fit.at_baseline;
    out["baseline_" + per] = fit.baseline;
    out["baseline_estimated"] = fit.baseline_estimated;
    // A steep fit to late points can put the excess at the massage beyond any double.
    out["excess_at_massage_" + per] = finite(fit.excess_at_massage);
    out["decay_per_hour"] = fit.decay_per_hour;
    out["decay_standard_error"] = finite(fit.decay_standard_error);
    if (fit.decline) {
        out["half_life_h"] = fit.half_life_h;
        out["half_life_ci95_h"] = {finite(fit.half_life_low_h), finite(fit.half_life_high_h)};
        out["back_at_baseline_h"] = fit.back_at_baseline_h;
        out["back_at_baseline_ci95_h"] = {finite(fit.back_at_baseline_low_h),
                                          finite(fit.back_at_baseline_high_h)};
    }
    out["verdict"] = fit.verdict;
    return out;
}

namespace {

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

// The `count` digits of `text` from `at` as a number; -1 when the text is shorter or one of them
// is not a digit (sscanf's "%2d" took " 5", "+5" and "5x").
int digits_at(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return -1;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// "YYYY-MM-DDThh:mm[:ss[.fff]]" (or a space for the T), strictly: a real calendar date and
// nothing after the time.
double hours_of(const std::string& text) {
    const auto refuse = [&](const std::string& why) {
        throw InputError("'" + text + "' is not a date-time like 2026-11-20T18:30" + why);
    };
    const std::string_view s = text;
    const int y = digits_at(s, 0, 4), mo = digits_at(s, 5, 2), d = digits_at(s, 8, 2);
    const int h = digits_at(s, 11, 2), mi = digits_at(s, 14, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != ' ') || s[13] != ':') {
        refuse("");
    }
    double seconds = 0;
    std::size_t end = 16;
    if (end < s.size() && s[end] == ':') {
        const int whole = digits_at(s, 17, 2);
        if (whole < 0) refuse("");
        seconds = whole;
        end = 19;
        if (end < s.size() && s[end] == '.') {
            double fraction = 0.1;
            for (++end; end < s.size() && s[end] >= '0' && s[end] <= '9'; ++end) {
                seconds += (s[end] - '0') * fraction;
                fraction /= 10;
            }
            if (s[end - 1] == '.') refuse(": no digits after the '.'");
        }
    }
    if (end < s.size()) {
        // An offset would have to be applied to both times of a difference; the course's times
        // are all local times of one place, so an offset is refused rather than half applied.
        if (s[end] == 'Z' || s[end] == '+' || s[end] == '-') {
            throw InputError("'" + text + "' has a time-zone offset ('" +
                             std::string(s.substr(end)) +
                             "'): give every time without one, in the local time of the massage");
        }
        refuse(": '" + std::string(s.substr(end)) + "' follows the time");
    }
    if (mo < 1 || mo > 12) refuse(": there is no month " + std::to_string(mo));
    if (d < 1 || d > days_in_month(y, mo)) {
        refuse(": " + std::string(s.substr(0, 7)) + " has no day " + std::to_string(d));
    }
    // 60 seconds is a leap second, which EDF headers may carry.
    if (h > 23 || mi > 59 || seconds >= 61) refuse(": no such time of day");
    return static_cast<double>(
               days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) *
               24 +
           h + mi / 60.0 + seconds / 3600.0;
}

}  // namespace

double hours_between(const std::string& from_iso8601, const std::string& to_iso8601) {
    return hours_of(to_iso8601) - hours_of(from_iso8601);
}

}  // namespace twitchwatch::signal
