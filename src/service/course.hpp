#pragma once
// What the therapist reads from a session's reports: the course over the days after the massage
// and a note for the next session. Pure functions of the stored check-ins (tested directly).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "twitchwatch/store/store.hpp"

namespace twitchwatch::service {

// One entry per day since the massage that has reports (day 0 = the first 24 hours):
// {day, reports, episodes_per_day, pain_0_10, level}. episodes_per_day and pain_0_10 are the
// highest reported that day (null when no report of the day gave them); level is the highest
// level of the day's assessments (null when none was assessed). Sorted by day.
nlohmann::json course_by_day(const std::vector<store::CheckinWithAssessment>& checkins);

// The decay of the twitching the client reported, fitted like the rates of recordings
// (signal::fit_course with the report options: episodes per day, back at baseline within
// knowledge/course.toml's report margin). Points: every check-in with an episodes_per_day, and
// 0 for one that says twitching is no longer present. signal::to_json of the fit plus "points"
// (the [hours, episodes] fitted) and "curve": the fitted episodes per day, [hours, value] every
// kCurveStepHours (or coarser, to stay within kCurveMaxPoints) from the first report to the last,
// and for a falling course on to when it
// is expected back at baseline (at most kCurveMaxProjectionHours further); empty without a fit
// or when every report is already at the baseline.
nlohmann::json reported_course_fit(const std::vector<store::CheckinWithAssessment>& checkins);
inline constexpr double kCurveStepHours = 3;
inline constexpr double kCurveMaxProjectionHours = 7 * 24;
inline constexpr double kCurveMaxPoints = 240;
// A rise steeper than this factor a day is worded as "more than N-fold a day", not as a percentage.
inline constexpr double kSteepRisePerDay = 10;

// A short note for the next session, drawn from the reports and the session: first the most
// serious report at see_doctor or urgent, when there is one (its level, what it reported, when);
// then where twitching was painful, the highest pain, bruising or strong soreness, the highest
// level reached, and what to change (lighter pressure after firm or deep work, less time on
// knots) when there was discomfort.
std::string next_session_note(const store::Session& session,
                              const std::vector<store::CheckinWithAssessment>& checkins);

}  // namespace twitchwatch::service
