// The course over days: a known half-life is recovered, a flat or rising course is said plainly.
#include "twitchwatch/signal/course.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "twitchwatch/errors.hpp"

namespace ts = twitchwatch::signal;

namespace {

// Rates from baseline + A exp(-k t), each the count of a Poisson process over `minutes`.
std::vector<ts::CoursePoint> decaying(double baseline, double excess, double half_life_h,
                                      std::vector<double> hours, double minutes,
                                      std::uint32_t seed) {
    std::mt19937 random(seed);
    std::vector<ts::CoursePoint> points;
    for (double h : hours) {
        const double rate = baseline + excess * std::exp(-std::log(2.0) / half_life_h * h);
        std::poisson_distribution<int> count(rate * minutes);
        points.push_back({h, count(random) / minutes, minutes});
    }
    return points;
}

}  // namespace

TEST(SignalCourse, RecoversAKnownHalfLife) {
    const std::vector<double> hours = {2, 12, 24, 36, 48, 72, 96};
    std::size_t inside = 0;
    const int trials = 40;
    for (int trial = 0; trial < trials; ++trial) {
        const auto points = decaying(0, 60, 20, hours, 10, static_cast<std::uint32_t>(trial));
        auto options = ts::recording_course_options();
        options.baseline_rate = 0;
        const auto fit = ts::fit_course(points, options);
        ASSERT_TRUE(fit.fitted);
        ASSERT_TRUE(fit.decline) << fit.verdict;
        EXPECT_NEAR(fit.half_life_h, 20, 4);
        EXPECT_LT(fit.half_life_low_h, fit.half_life_h);
        EXPECT_GT(fit.half_life_high_h, fit.half_life_h);
        if (fit.half_life_low_h <= 20 && 20 <= fit.half_life_high_h) ++inside;
        // Back within 0.5/min of 0: 60 exp(-k t) = 0.5 -> t = 20 log2(120) = 138 h.
        EXPECT_NEAR(fit.back_at_baseline_h, 20 * std::log2(120.0), 30);
        EXPECT_NE(fit.verdict.find("falling"), std::string::npos);
    }
    // A 95 % interval should hold the truth in most trials.
    EXPECT_GE(inside, static_cast<std::size_t>(0.8 * trials));
}

TEST(SignalCourse, EstimatesTheBaselineFromEnoughPoints) {
    const auto points = decaying(5, 40, 12, {1, 6, 12, 24, 36, 48, 72, 96}, 30, 3);
    const auto fit = ts::fit_course(points, ts::recording_course_options());
    ASSERT_TRUE(fit.decline) << fit.verdict;
    EXPECT_TRUE(fit.baseline_estimated);
    EXPECT_NEAR(fit.baseline, 5, 1.5);
    EXPECT_NEAR(fit.half_life_h, 12, 4);
    ASSERT_EQ(fit.fitted_rate.size(), points.size());
    EXPECT_NEAR(fit.fitted_rate[0], points[0].rate, 5);
    // The curve between the points is the same function.
    EXPECT_DOUBLE_EQ(fit.rate_at(points[3].hours_since_massage), fit.fitted_rate[3]);
    EXPECT_NEAR(fit.rate_at(1000), fit.baseline, 1e-9);
}

TEST(SignalCourse, AnIntervalIsInTheUnitOfItsUpperEnd) {
    // Episodes a client reported: back at baseline about 3.1 days after the massage, read
    // "(95 % CI 59 h to 4.3 days)".
    const std::vector<ts::CoursePoint> reports = {{6, 12, 0}, {30, 6, 0}, {54, 2, 0}, {76, 1, 0}};
    const auto fit = ts::fit_course(reports, ts::report_course_options());
    ASSERT_TRUE(fit.decline) << fit.verdict;
    ASSERT_LT(fit.back_at_baseline_low_h, 72);
    ASSERT_GE(fit.back_at_baseline_high_h, 72);
    EXPECT_NE(fit.verdict.find("(95 % CI 2.5 to 4.3 days)"), std::string::npos) << fit.verdict;
    // Both ends of the half-life's interval are below 3 days: hours.
    ASSERT_LT(fit.half_life_high_h, 72);
    EXPECT_TRUE(
        std::regex_search(fit.verdict, std::regex(R"(half-life \d+ h \(95 % CI \d+ to \d+ h\))")))
        << fit.verdict;
    EXPECT_FALSE(std::regex_search(fit.verdict, std::regex(R"(\d h to [\d.]+ days)")))
        << fit.verdict;
}

TEST(SignalCourse, SaysPlainlyWhenThereIsNoDecline) {
    std::mt19937 random(5);
    std::poisson_distribution<int> count(20 * 10);
    std::vector<ts::CoursePoint> flat;
    for (double h : {2.0, 24.0, 48.0, 72.0, 96.0}) flat.push_back({h, count(random) / 10.0, 10});
    auto options = ts::recording_course_options();
    options.baseline_rate = 0;
    auto fit = ts::fit_course(flat, options);
    EXPECT_TRUE(fit.fitted);
    EXPECT_FALSE(fit.decline);
    EXPECT_NE(fit.verdict.find("do not show a clear decline"), std::string::npos) << fit.verdict;

    const std::vector<ts::CoursePoint> rising = {{2, 5, 0}, {24, 9, 0}, {48, 15, 0}, {72, 30, 0}};
    fit = ts::fit_course(rising, options);
    EXPECT_FALSE(fit.decline);
    EXPECT_LT(fit.decay_per_hour, 0);
}

TEST(SignalCourse, PointsAtTheBaselineAreSaidToBeThereNotFitted) {
    // Within the margin everywhere: no decay is judged, and no "back in 0 h" is promised.
    const std::vector<ts::CoursePoint> quiet = {{4, 0.3, 0}, {28, 0.2, 0}, {76, 0.1, 0}};
    auto fit = ts::fit_course(quiet, ts::recording_course_options());
    EXPECT_TRUE(fit.at_baseline);
    EXPECT_FALSE(fit.decline);
    EXPECT_EQ(fit.back_at_baseline_h, 0);
    EXPECT_NE(fit.verdict.find("at its baseline"), std::string::npos) << fit.verdict;
    EXPECT_EQ(ts::to_json(fit).at("at_baseline"), true);

    // One point above the margin is enough to judge the course; the latest point being back
    // is said whatever the fit concludes.
    const std::vector<ts::CoursePoint> stopped = {{4, 5, 0}, {28, 3, 0}, {76, 0, 0}};
    fit = ts::fit_course(stopped, ts::recording_course_options());
    EXPECT_FALSE(fit.at_baseline);
    EXPECT_NE(fit.verdict.find("The latest point, 3.2 days after the massage, is within 0.5/min"),
              std::string::npos)
        << fit.verdict;
    const std::vector<ts::CoursePoint> still = {{4, 5, 0}, {28, 3, 0}, {76, 2, 0}};
    fit = ts::fit_course(still, ts::recording_course_options());
    EXPECT_EQ(fit.verdict.find("latest point"), std::string::npos) << fit.verdict;
    // A given baseline far above every point is not "within the margin" of them (nor a course
    // to fit: ABaselineAboveEveryRateIsRefusedAndNoChangeIsNeverMinusZero).
    auto high = ts::recording_course_options();
    high.baseline_rate = 100;
    EXPECT_THROW(
        ts::fit_course(std::vector<ts::CoursePoint>{{2, 30, 0}, {24, 15, 0}, {48, 8, 0}}, high),
        twitchwatch::InputError);
}

TEST(SignalCourse, TooFewPointsAndBadInput) {
    const std::vector<ts::CoursePoint> two = {{1, 30, 0}, {24, 10, 0}};
    const auto fit = ts::fit_course(two, ts::recording_course_options());
    EXPECT_FALSE(fit.fitted);
    EXPECT_NE(fit.verdict.find("Not enough points to judge the course: at least 3"),
              std::string::npos);
    EXPECT_EQ(fit.rate_at(1), 0);
    const std::vector<ts::CoursePoint> negative = {{1, -3, 0}, {2, 1, 0}, {3, 1, 0}};
    EXPECT_THROW(ts::fit_course(negative, ts::recording_course_options()), twitchwatch::InputError);
    const std::vector<ts::CoursePoint> endless = {{1, 3, INFINITY}, {2, 1, 0}, {3, 1, 0}};
    EXPECT_THROW(ts::fit_course(endless, ts::recording_course_options()), twitchwatch::InputError);
    // No margin, no "back at baseline": a margin of 0 would promise a return at 0 h.
    auto no_margin = ts::recording_course_options();
    no_margin.back_at_baseline_margin = 0;
    EXPECT_THROW(ts::fit_course(two, no_margin), twitchwatch::InputError);
    EXPECT_THROW(ts::fit_course(two, ts::CourseOptions{}), twitchwatch::InputError);
}

TEST(SignalCourse, ReportsPerDayAreFittedInTheirOwnUnit) {
    // Episodes a client reports: 12 a day halving every 24 h, no exposure known.
    std::vector<ts::CoursePoint> reports;
    for (double h : {3.0, 20.0, 30.0, 44.0, 54.0, 70.0}) {
        reports.push_back({h, 12 * std::exp2(-h / 24), 0});
    }
    const auto options = ts::report_course_options();
    EXPECT_EQ(options.rate_unit, "/day");
    const auto fit = ts::fit_course(reports, options);
    ASSERT_TRUE(fit.decline) << fit.verdict;
    EXPECT_NEAR(fit.half_life_h, 24, 1);
    // Back within the report margin of a baseline of about 0: 12 exp(-k t) = margin.
    EXPECT_NEAR(fit.back_at_baseline_h,
                24 * std::log2(fit.excess_at_massage / options.back_at_baseline_margin), 0.5);
    EXPECT_NE(fit.verdict.find("/day of the baseline"), std::string::npos) << fit.verdict;
    EXPECT_EQ(fit.verdict.find("/min"), std::string::npos) << fit.verdict;

    const auto json = ts::to_json(fit);
    EXPECT_EQ(json.at("decline"), true);
    EXPECT_DOUBLE_EQ(json.at("half_life_h").get<double>(), fit.half_life_h);
    EXPECT_TRUE(json.contains("baseline_per_day"));
    EXPECT_TRUE(json.contains("excess_at_massage_per_day"));
    EXPECT_EQ(json.at("verdict"), fit.verdict);
}

TEST(SignalCourse, HoursBetweenDateTimes) {
    EXPECT_DOUBLE_EQ(ts::hours_between("2026-11-20T18:00", "2026-11-21T09:30"), 15.5);
    EXPECT_DOUBLE_EQ(ts::hours_between("2024-02-28T00:00:00", "2024-03-01 00:00:00"), 48);
    EXPECT_THROW(ts::hours_between("yesterday", "2026-11-21T09:30"), twitchwatch::InputError);
}

TEST(SignalCourse, DateTimesAreReadStrictly) {
    EXPECT_NEAR(ts::hours_between("2024-02-28T00:00", "2024-02-29T12:00:30.5"), 36 + 30.5 / 3600,
                1e-9);
    const auto error_of = [](const std::string& text) -> std::string {
        try {
            (void)ts::hours_between(text, text);
        } catch (const twitchwatch::InputError& e) {
            return e.what();
        }
        return "";
    };
    // Were accepted and shifted to 1 December and 2 March.
    EXPECT_NE(error_of("2026-11-31T09:00").find("2026-11 has no day 31"), std::string::npos);
    EXPECT_NE(error_of("2026-02-30T09:00").find("2026-02 has no day 30"), std::string::npos);
    EXPECT_NE(error_of("2026-02-29T09:00"), "");
    EXPECT_EQ(error_of("2024-02-29T09:00"), "");
    // Were accepted with what follows ignored.
    EXPECT_NE(error_of("2026-11-20T18:00x").find("'x' follows the time"), std::string::npos);
    EXPECT_NE(error_of("2026-11-21T09:00junk"), "");
    EXPECT_NE(error_of("2026-11-21T09:00:00."), "");
    // An offset was ignored; it is refused, not half applied.
    EXPECT_NE(error_of("2026-11-21T09:00+02:00").find("time-zone offset ('+02:00')"),
              std::string::npos);
    EXPECT_NE(error_of("2026-11-21T09:00:00Z").find("time-zone offset"), std::string::npos);
    for (const char* bad : {"", " 2026-11-21T09:00", "2026-11-21T9:00", "+026-11-21T09:00",
                            "2026-13-01T09:00", "2026-11-21T24:00", "2026-11-21"}) {
        EXPECT_NE(error_of(bad), "") << bad;
    }
}

TEST(SignalCourse, APointOutsideTheLimitsIsRefusedByItsPlace) {
    const auto error_of = [](std::vector<ts::CoursePoint> points) -> std::string {
        try {
            (void)ts::fit_course(points, ts::recording_course_options());
        } catch (const twitchwatch::InputError& e) {
            return e.what();
        }
        return "";
    };
    const ts::CoursePoint a{2, 30, 10}, b{30, 10, 10};
    EXPECT_EQ(error_of({a, b, {60, 1, 10}}), "");
    EXPECT_NE(error_of({a, {-5, 10, 10}, b})
                  .find("point 2 of 3: its time, -5 h since the "
                        "massage, is before it"),
              std::string::npos);
    EXPECT_NE(error_of({a, b, {1e308, 1, 10}}).find("point 3 of 3: its time, 1e+308 h"),
              std::string::npos);
    EXPECT_NE(error_of({a, b, {60, 1e308, 10}}).find("its rate, 1e+308, is not"),
              std::string::npos);
    EXPECT_NE(error_of({a, b, {60, 1, 1e308}}).find("the time behind its rate"), std::string::npos);
    EXPECT_NE(error_of({a, b, {60, NAN, 10}}), "");
}

TEST(SignalCourse, PointsAlmostAtTheSameTimeAreOneTime) {
    // Were three times: a half-life of 0 h from points 1e-10 h apart, and NaN fitted rates.
    const std::vector<ts::CoursePoint> points = {
        {10, 30, 0}, {10 + 1e-10, 20, 0}, {10 + 2e-10, 10, 0}, {40, 5, 0}};
    const auto fit = ts::fit_course(points, ts::recording_course_options());
    EXPECT_FALSE(fit.fitted);
    EXPECT_NE(fit.verdict.find("(0.1 h or more apart) are needed, 2 given"), std::string::npos)
        << fit.verdict;
}

TEST(SignalCourse, PointsExactlyOnACurveDoNotClaimAZeroWidthInterval) {
    // Halving every 24 h exactly, the first point given twice: no scatter at all.
    auto options = ts::recording_course_options();
    options.baseline_rate = 0;
    const std::vector<ts::CoursePoint> exact = {{0, 40, 0}, {0, 40, 0}, {24, 20, 0}, {48, 10, 0}};
    auto fit = ts::fit_course(exact, options);
    ASSERT_TRUE(fit.decline) << fit.verdict;
    EXPECT_NEAR(fit.half_life_h, 24, 1e-6);
    EXPECT_LT(fit.half_life_low_h, 23);
    EXPECT_GT(fit.half_life_high_h, 25);
    // With counts behind the rates, at least their Poisson noise.
    std::vector<ts::CoursePoint> counted = exact;
    for (auto& p : counted) p.exposure = 10;
    fit = ts::fit_course(counted, options);
    ASSERT_TRUE(fit.fitted);
    EXPECT_GT(fit.decay_standard_error, 0.001);
}

TEST(SignalCourse, ASteepFitStaysFiniteOrIsNotFitted) {
    // A fast fall long after the massage: A = e^4600 overflows, and the fitted rates were
    // infinity x 0 = NaN.
    const std::vector<ts::CoursePoint> late = {{1000, 1000, 0}, {1001, 10, 0}, {1002, 0.1, 0}};
    auto options = ts::recording_course_options();
    options.baseline_rate = 0;
    auto fit = ts::fit_course(late, options);
    ASSERT_TRUE(fit.fitted) << fit.verdict;
    EXPECT_TRUE(std::isinf(fit.excess_at_massage));
    for (const double r : fit.fitted_rate) EXPECT_TRUE(std::isfinite(r)) << r;
    EXPECT_NEAR(fit.fitted_rate[1], 10, 1);
    EXPECT_TRUE(std::isfinite(fit.back_at_baseline_h));
    EXPECT_NEAR(fit.back_at_baseline_h, 1000 + 2 * std::log(1000 / 0.5) / std::log(1e4), 0.5);
    EXPECT_TRUE(ts::to_json(fit).at("decay_per_hour").is_number());
    // A steep rise: the change per day is beyond any double, and said so without "inf" or "nan".
    const std::vector<ts::CoursePoint> rising = {{0, 0.1, 0}, {0.2, 100, 0}, {0.4, 1e5, 0}};
    fit = ts::fit_course(rising, options);
    ASSERT_TRUE(fit.fitted);
    EXPECT_FALSE(fit.decline);
    EXPECT_NE(fit.verdict.find("more than +1000000 % per day"), std::string::npos) << fit.verdict;
}

TEST(SignalCourse, AKnownPoissonErrorTakesTheNormalQuantileAndAnEstimatedScatterStudentsT) {
    // The expected numbers come from SciPy, independently of this code: weighted least squares of
    // ln(rate) on hours, weights rate x minutes, s2 = max(residual / (n - 2), 1), se = sqrt(s2 /
    // Stt), the interval k +- q se with q = scipy.stats.norm.ppf(0.975) when s2 is the Poisson
    // floor, scipy.stats.t.ppf(0.975, n - 2) when the residual sets it.
    auto options = ts::recording_course_options();
    options.baseline_rate = 0;
    // 24, 14, 7 and 3 twitches in one minute on four days: residual / df = 0.099, below the
    // Poisson floor. With t (4.30) the interval of k reached -0.0012 /h: "not a clear decline".
    const std::vector<ts::CoursePoint> counted = {{15, 24, 1}, {39, 14, 1}, {63, 7, 1}, {87, 3, 1}};
    const auto known = ts::fit_course(counted, options);
    ASSERT_TRUE(known.decline) << known.verdict;
    EXPECT_NEAR(known.decay_per_hour, 0.02700681, 1e-7);
    EXPECT_NEAR(known.decay_standard_error, 0.00654897, 1e-7);
    EXPECT_NEAR(known.half_life_h, 25.6656, 1e-3);
    EXPECT_NEAR(known.half_life_low_h, 17.3972, 1e-3);   // ln 2 / (k + 1.95996 se)
    EXPECT_NEAR(known.half_life_high_h, 48.9129, 1e-3);  // ln 2 / (k - 1.95996 se)
    // Ten minutes each, scattered far beyond their Poisson noise (residual / df = 34.3): the
    // scale is an estimate from two degrees of freedom, and t = 4.30 leaves the interval of k at
    // -0.0171 to 0.0642 /h. The normal quantile would have called it a decline.
    const std::vector<ts::CoursePoint> scattered = {
        {15, 40, 10}, {39, 15, 10}, {63, 18, 10}, {87, 3, 10}};
    const auto estimated = ts::fit_course(scattered, options);
    ASSERT_TRUE(estimated.fitted);
    EXPECT_FALSE(estimated.decline) << estimated.verdict;
    EXPECT_NEAR(estimated.decay_per_hour, 0.02355864, 1e-7);
    EXPECT_NEAR(estimated.decay_standard_error, 0.00945438, 1e-7);
    EXPECT_NE(estimated.verdict.find("the fitted excess over the baseline (0.0/min) changes by"),
              std::string::npos)
        << estimated.verdict;
}

TEST(SignalCourse, ABaselineAboveEveryRateIsRefusedAndNoChangeIsNeverMinusZero) {
    // A baseline of 100/min over rates of 24, 14 and 7 fitted 100.1/min everywhere, "+0 % per
    // day", decay_per_hour -0.0.
    auto options = ts::recording_course_options();
    options.baseline_rate = 100;
    const std::vector<ts::CoursePoint> points = {{15, 24, 0}, {39, 14, 0}, {63, 7, 0}};
    try {
        (void)ts::fit_course(points, options);
        ADD_FAILURE() << "a baseline above every rate was fitted";
    } catch (const twitchwatch::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("the baseline, 100/min, is at or above every "
                                             "point's rate (the highest is 24/min)"),
                  std::string::npos)
            << e.what();
    }
    // At the baseline, within the margin: still the plain "at its baseline".
    const std::vector<ts::CoursePoint> at = {{15, 99.9, 0}, {39, 99.8, 0}, {63, 99.7, 0}};
    EXPECT_TRUE(ts::fit_course(at, options).at_baseline);
    // A flat course: a slope of 0, not -0.
    options.baseline_rate = 0;
    const std::vector<ts::CoursePoint> flat = {{15, 10, 0}, {39, 10, 0}, {63, 10, 0}};
    const auto fit = ts::fit_course(flat, options);
    EXPECT_EQ(ts::to_json(fit).dump().find("-0.0"), std::string::npos) << ts::to_json(fit).dump();
}
