// The course over days and the next-session note, from hand-made check-ins.
#include <gtest/gtest.h>

#include <cmath>

#include "course.hpp"

namespace twitchwatch::service {
namespace {

using nlohmann::json;

store::CheckinWithAssessment report(double hours, const json& document,
                                    std::optional<assess::Level> level = std::nullopt) {
    store::CheckinWithAssessment entry;
    entry.checkin.hours_since_massage = hours;
    entry.checkin.document = document.dump();
    entry.checkin.discomfort = store::reports_discomfort(document);
    if (level) entry.assessment = store::AssessmentRecord{0, *level, "{}", "test"};
    return entry;
}

store::Session deep_session() {
    store::Session session;
    session.technique = "deep_tissue";
    session.pressure = "deep";
    session.knots_worked = false;
    return session;
}

TEST(service, course_groups_reports_by_day_with_the_highest_values) {
    const std::vector<store::CheckinWithAssessment> checkins{
        report(2, {{"twitching", {{"episodes_per_day", 3}}}, {"symptoms", {{"pain_0_10", 2}}}},
               assess::Level::normal),
        report(20, {{"twitching", {{"episodes_per_day", 8}}}}, assess::Level::tell_therapist),
        report(50, {{"symptoms", {{"pain_0_10", 5}}}}, assess::Level::normal),
        report(51, {{"symptoms", {{"relaxed", true}}}}),
    };
    const auto course = course_by_day(checkins);
    ASSERT_EQ(course.size(), 2u);
    EXPECT_EQ(course[0]["day"], 0);
    EXPECT_EQ(course[0]["reports"], 2);
    EXPECT_EQ(course[0]["episodes_per_day"], 8);
    EXPECT_EQ(course[0]["pain_0_10"], 2);
    EXPECT_EQ(course[0]["level"], "tell_therapist");
    EXPECT_EQ(course[1]["day"], 2);
    EXPECT_EQ(course[1]["reports"], 2);
    EXPECT_TRUE(course[1]["episodes_per_day"].is_null());
    EXPECT_EQ(course[1]["pain_0_10"], 5);
    EXPECT_EQ(course[1]["level"], "normal");
}

TEST(service, course_of_no_reports_is_empty) { EXPECT_TRUE(course_by_day({}).empty()); }

TEST(service, reported_course_fit_follows_falling_episodes_to_baseline) {
    // 16 episodes a day halving every 24 h, and one report that says nothing of twitching.
    std::vector<store::CheckinWithAssessment> checkins;
    for (double hours : {4.0, 22.0, 30.0, 47.0, 70.0}) {
        checkins.push_back(
            report(hours, {{"twitching", {{"episodes_per_day", 16 * std::exp2(-hours / 24)}}}}));
    }
    checkins.push_back(report(50, {{"symptoms", {{"pain_0_10", 1}}}}));
    const auto fit = reported_course_fit(checkins);
    ASSERT_EQ(fit["decline"], true) << fit.dump();
    EXPECT_NEAR(fit["half_life_h"].get<double>(), 24, 1);
    EXPECT_EQ(fit["points"].size(), 5u);
    EXPECT_NE(fit["verdict"].get<std::string>().find("/day"), std::string::npos);
    // The curve starts at the first report, steps evenly and runs on past the last report to
    // when the course is expected back at baseline.
    const auto& curve = fit["curve"];
    ASSERT_GT(curve.size(), 2u);
    EXPECT_EQ(curve[0][0], 4.0);
    EXPECT_EQ(curve[1][0].get<double>() - curve[0][0].get<double>(), kCurveStepHours);
    EXPECT_NEAR(curve.back()[0].get<double>(), fit["back_at_baseline_h"].get<double>(),
                kCurveStepHours);
    EXPECT_GT(curve.back()[0].get<double>(), 70);
    EXPECT_GT(curve[0][1].get<double>(), curve.back()[1].get<double>());
}

TEST(service, reported_course_fit_keeps_a_long_course_a_drawable_size) {
    // Reports over a year: the curve's step grows so that it stays within its bound.
    std::vector<store::CheckinWithAssessment> checkins;
    for (double hours : {10.0, 2000.0, 5000.0, 8700.0}) {
        checkins.push_back(
            report(hours, {{"twitching", {{"episodes_per_day", 20 - hours / 500}}}}));
    }
    const auto fit = reported_course_fit(checkins);
    ASSERT_EQ(fit["fitted"], true) << fit.dump();
    const auto& curve = fit["curve"];
    ASSERT_FALSE(curve.empty());
    EXPECT_LE(curve.size(), static_cast<std::size_t>(kCurveMaxPoints));
    EXPECT_EQ(curve[0][0], 10.0);
    EXPECT_GE(curve.back()[0].get<double>(), 8700 - 8690 / (kCurveMaxPoints - 1));
}

TEST(service, reported_course_fit_draws_no_extrapolation_before_the_first_report) {
    // First reports two days after the massage, falling fast: the fit's value at the massage
    // is enormous, and the curve does not reach back there.
    const std::vector<store::CheckinWithAssessment> late{
        report(48, {{"twitching", {{"episodes_per_day", 20}}}}),
        report(50, {{"twitching", {{"episodes_per_day", 8}}}}),
        report(52, {{"twitching", {{"episodes_per_day", 3}}}}),
    };
    const auto fit = reported_course_fit(late);
    ASSERT_FALSE(fit["curve"].empty()) << fit.dump();
    EXPECT_EQ(fit["curve"][0][0], 48.0);
    EXPECT_LT(fit["curve"][0][1].get<double>(), 40) << fit["curve"][0].dump();
    EXPECT_GT(fit["excess_at_massage_per_day"].get<double>(), 1e6);
}

TEST(service, reported_course_fit_words_a_steep_rise_and_draws_no_further_than_the_last_report) {
    // 0, 10 and 100000 episodes a day one hour apart: the fitted rise is far more than tenfold a
    // day, which printed as a percentage dozens of digits long, and the curve ran on to 4 h.
    const std::vector<store::CheckinWithAssessment> rising{
        report(1, {{"twitching", {{"episodes_per_day", 0}}}}),
        report(2, {{"twitching", {{"episodes_per_day", 10}}}}),
        report(3, {{"twitching", {{"episodes_per_day", 100000}}}}),
    };
    const auto fit = reported_course_fit(rising);
    ASSERT_EQ(fit["fitted"], true) << fit.dump();
    ASSERT_EQ(fit["decline"], false) << fit.dump();
    const auto verdict = fit["verdict"].get<std::string>();
    EXPECT_NE(verdict.find("more than 10-fold a day"), std::string::npos) << verdict;
    EXPECT_EQ(verdict.find('%'), std::string::npos) << verdict;
    const auto& curve = fit["curve"];
    ASSERT_FALSE(curve.empty());
    EXPECT_EQ(curve[0][0], 1.0);
    EXPECT_EQ(curve.back()[0], 3.0) << curve.dump();
}

TEST(service, reported_course_fit_says_plainly_when_the_twitching_came_back) {
    // 10, 8, 4, 2, then 10 and 15 a day: it read "the fitted excess over the baseline of 0.0/day
    // changes by +9 % per day, but the uncertainty still includes no change or a rise".
    std::vector<store::CheckinWithAssessment> checkins;
    double hours = 4;
    for (const double episodes : {10, 8, 4, 2, 10, 15}) {
        checkins.push_back(report(hours, {{"twitching", {{"episodes_per_day", episodes}}}}));
        hours += 24;
    }
    auto fit = reported_course_fit(checkins);
    ASSERT_EQ(fit["fitted"], true) << fit.dump();
    ASSERT_EQ(fit["decline"], false) << fit.dump();
    EXPECT_EQ(fit["verdict"],
              "The twitching has come back: the latest report, 5 days and 4 hours after the "
              "massage, gives 15 episodes a day, more than earlier ones (as few as 2 a day, 3 "
              "days and 4 hours after the massage). The data do not show a decline.");
    // The curve ends at the latest report: no return to baseline is drawn.
    EXPECT_EQ(fit["curve"].back()[0], 124.0);

    // Rising from the first report on: risen, not come back.
    fit = reported_course_fit({report(2, {{"twitching", {{"episodes_per_day", 2}}}}),
                               report(20, {{"twitching", {{"episodes_per_day", 5}}}}),
                               report(40, {{"twitching", {{"episodes_per_day", 9}}}})});
    ASSERT_EQ(fit["decline"], false) << fit.dump();
    EXPECT_EQ(fit["verdict"].get<std::string>().rfind("The twitching has risen: the latest report, "
                                                      "40 hours after the massage, gives 9 ",
                                                      0),
              0u)
        << fit.dump();
}

TEST(service, reported_course_fit_skips_a_stored_value_out_of_range) {
    std::vector<store::CheckinWithAssessment> checkins{
        report(5, {{"twitching", {{"episodes_per_day", 10}}}}),
        report(30, {{"twitching", {{"episodes_per_day", -4}}}}),
        report(55, {{"twitching", {{"episodes_per_day", 3}}}}),
        // Beyond the fit's limits (a year, 10^6 a day): fit_course would refuse the page.
        report(9000, {{"twitching", {{"episodes_per_day", 3}}}}),
        report(60, {{"twitching", {{"episodes_per_day", 1e9}}}}),
        report(NAN, {{"twitching", {{"episodes_per_day", 3}}}}),
    };
    const auto fit = reported_course_fit(checkins);
    EXPECT_EQ(fit["points"].size(), 2u);
    EXPECT_EQ(fit["fitted"], false);
}

TEST(service, reported_course_fit_counts_a_stop_and_needs_three_times) {
    const std::vector<store::CheckinWithAssessment> two{
        report(5, {{"twitching", {{"episodes_per_day", 10}}}}),
        report(30, {{"twitching", {{"present", false}}}}),
    };
    auto fit = reported_course_fit(two);
    EXPECT_EQ(fit["fitted"], false);
    EXPECT_TRUE(fit["curve"].empty());
    ASSERT_EQ(fit["points"].size(), 2u);
    EXPECT_EQ(fit["points"][1][1], 0.0);  // "no longer present" is 0 episodes
    EXPECT_NE(fit["verdict"].get<std::string>().find("Not enough reports"), std::string::npos);
    EXPECT_EQ(reported_course_fit({})["fitted"], false);

    // Twitching gone in every report: at the baseline, and no curve to draw.
    const std::vector<store::CheckinWithAssessment> gone{
        report(5, {{"twitching", {{"present", false}}}}),
        report(30, {{"twitching", {{"episodes_per_day", 0}}}}),
        report(60, {{"twitching", {{"present", false}}}}),
    };
    fit = reported_course_fit(gone);
    EXPECT_EQ(fit["at_baseline"], true) << fit.dump();
    EXPECT_TRUE(fit["curve"].empty());
}

TEST(service, note_names_painful_regions_and_suggests_lighter_pressure) {
    const std::vector<store::CheckinWithAssessment> checkins{
        report(10,
               {{"twitching", {{"painful", true}, {"regions", {"left_calf"}}}},
                {"symptoms", {{"pain_0_10", 6}}}},
               assess::Level::tell_therapist)};
    const auto note = next_session_note(deep_session(), checkins);
    EXPECT_NE(note.find("Painful twitching in the left calf after deep pressure"),
              std::string::npos)
        << note;
    EXPECT_NE(note.find("pain up to 6/10"), std::string::npos) << note;
    EXPECT_NE(note.find("Highest level reported: tell therapist."), std::string::npos) << note;
    EXPECT_NE(note.find("Consider lighter pressure"), std::string::npos) << note;

    // One region however it is spelled.
    const auto spellings = next_session_note(
        deep_session(),
        {report(10,
                {{"twitching", {{"painful", true}, {"regions", {"  Left_Calf ", "left-calf"}}}}}),
         report(20, {{"twitching", {{"painful", true}, {"regions", {"LEFT   calf", " "}}}}})});
    EXPECT_NE(spellings.find("Painful twitching in the left calf after"), std::string::npos)
        << spellings;
}

TEST(service, note_after_light_work_without_discomfort_suggests_no_change) {
    auto session = deep_session();
    session.pressure = "light";
    const auto note = next_session_note(
        session, {report(10, {{"symptoms", {{"relaxed", true}}}}, assess::Level::normal)});
    EXPECT_NE(note.find("No pain, soreness or bruising reported"), std::string::npos) << note;
    EXPECT_EQ(note.find("Consider"), std::string::npos) << note;
}

TEST(service, note_after_a_red_flag_never_reads_well_tolerated) {
    auto session = deep_session();
    session.pressure = "medium";
    session.technique = "swedish";
    for (const auto level :
         {assess::Level::tell_therapist, assess::Level::see_doctor, assess::Level::urgent}) {
        const auto note = next_session_note(
            session, {report(10, {{"symptoms", {{"breathing_difficulty", true}}}}, level)});
        EXPECT_EQ(note.find("well tolerated"), std::string::npos) << note;
        EXPECT_NE(note.find("(Swedish)"), std::string::npos) << note;
        EXPECT_EQ(note.find("seen a doctor") != std::string::npos,
                  level >= assess::Level::see_doctor)
            << note;
    }
    // What was reported besides pain, soreness and bruising is named, most serious first.
    const auto fainted = next_session_note(
        session, {report(10, {{"symptoms", {{"fainted", true}}}}, assess::Level::urgent),
                  report(20, {{"symptoms", {{"nausea", true}, {"weakness", true}}}},
                         assess::Level::see_doctor)});
    EXPECT_EQ(fainted.rfind("Urgent: fainting, reported 10 hours after the massage. ", 0), 0u)
        << fainted;
    EXPECT_NE(fainted.find("Also reported: weakness and nausea."), std::string::npos) << fainted;
    const auto calm =
        next_session_note(session, {report(10, {{"twitching", {{"present", true}}}})});
    EXPECT_NE(calm.find("well tolerated"), std::string::npos) << calm;
}

TEST(service, note_opens_with_a_red_flag_before_anything_about_tolerance) {
    auto session = deep_session();
    session.pressure = "medium";
    session.technique = "swedish";
    // It began "No pain, soreness or bruising reported after medium pressure (Swedish)." and named
    // the difficulty breathing only after that.
    const auto breathing = next_session_note(
        session,
        {report(2, {{"symptoms", {{"relaxed", true}}}}, assess::Level::normal),
         report(5.5, {{"symptoms", {{"breathing_difficulty", true}}}}, assess::Level::urgent)});
    EXPECT_EQ(breathing,
              "Urgent: difficulty breathing, reported 5 hours after the massage. No pain, "
              "soreness or bruising reported after medium pressure (Swedish). Before the next "
              "session, ask whether the client has seen a doctor about it.");

    // The most serious report opens the note, with what it reported besides the symptoms.
    const auto late = next_session_note(
        deep_session(),
        {report(80,
                {{"twitching", {{"painful", true}, {"trend", "worse"}}},
                 {"symptoms", {{"pain_0_10", 7}, {"numbness", true}}}},
                assess::Level::see_doctor),
         report(90, {{"symptoms", {{"dizziness", true}}}}, assess::Level::tell_therapist)});
    EXPECT_EQ(late.rfind("See doctor: numbness, painful twitching, pain 7/10 and twitching "
                         "getting worse, reported 3 days and 8 hours after the massage. Painful "
                         "twitching after deep pressure",
                         0),
              0u)
        << late;
    EXPECT_NE(late.find("Also reported: dizziness."), std::string::npos) << late;
    EXPECT_EQ(late.find("Highest level reported"), std::string::npos) << late;
}

TEST(service, note_suggests_less_time_on_knots_when_they_were_worked) {
    auto session = deep_session();
    session.pressure = "medium";
    session.knots_worked = true;
    const auto note = next_session_note(session, {report(5, {{"symptoms", {{"bruising", true}}}})});
    EXPECT_NE(note.find("Bruising after medium pressure"), std::string::npos) << note;
    EXPECT_NE(note.find("less time on knots"), std::string::npos) << note;
    EXPECT_EQ(note.find("lighter pressure"), std::string::npos) << note;
}

TEST(service, note_without_reports_says_so) {
    EXPECT_EQ(next_session_note(deep_session(), {}), "No reports from the client yet.");
}

}  // namespace
}  // namespace twitchwatch::service
