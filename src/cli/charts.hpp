#pragma once
// The charts the CLI draws as SVG (svg_chart.hpp): `course --svg` and `detect --svg`. Their
// colours follow the service's charts (web/src/js/charts.js).

#include <span>
#include <string>

#include "twitchwatch/signal/course.hpp"
#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::cli {

// The measured rates against time since the massage, the fitted decay with the curves at the
// ends of the half-life's 95 % interval, the baseline, when the rate is expected back at it, and
// the fit's verdict. `names` names each point (a file or "point 24:12"), in the order of `points`.
std::string course_chart(std::span<const signal::CoursePoint> points,
                         std::span<const std::string> names, const signal::CourseFit& fit);

// A timeline of the recording: the counted twitch rate per analysed minute over time, then one
// row per channel with a tick per event (taller for a larger peak over the channel's noise), and
// the excluded stretches shaded by reason. The size of the drawing is bounded whatever the number
// of events: past kMaxEventMarks events, each channel keeps one tick per pixel column, its largest.
inline constexpr std::size_t kMaxEventMarks = 20000;
std::string detect_chart(const signal::DetectionReport& report);

}  // namespace twitchwatch::cli
