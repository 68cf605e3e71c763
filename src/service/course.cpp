#include "course.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "twitchwatch/signal/course.hpp"

namespace twitchwatch::service {
namespace {

using nlohmann::json;

// document[object][field], or nullptr when either is missing or the object is not one.
const json* field_at(const json& document, const char* object, const char* field) {
    const auto found = document.find(object);
    if (found == document.end() || !found->is_object()) return nullptr;
    const auto value = found->find(field);
    return value == found->end() ? nullptr : &*value;
}

std::optional<double> number_at(const json& document, const char* object, const char* field) {
    const json* value = field_at(document, object, field);
    if (value == nullptr || !value->is_number()) return std::nullopt;
    return value->get<double>();
}

bool flag_at(const json& document, const char* object, const char* field) {
    const json* value = field_at(document, object, field);
    return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The field is there and false (absent is not "no").
bool says_no(const json& document, const char* object, const char* field) {
    const json* value = field_at(document, object, field);
    return value != nullptr && value->is_boolean() && !value->get<bool>();
}

std::string string_at(const json& document, const char* object, const char* field) {
    const json* value = field_at(document, object, field);
    return value != nullptr && value->is_string() ? value->get<std::string>() : std::string{};
}

void keep_max(std::optional<double>& best, std::optional<double> candidate) {
    if (candidate && (!best || *candidate > *best)) best = candidate;
}

json optional_number(std::optional<double> value) { return value ? json(*value) : json(nullptr); }

// "left_calf" -> "left calf": region names are free text; underscores read as spaces.
std::string readable(std::string text) {
    std::replace(text.begin(), text.end(), '_', ' ');
    return text;
}

// The contract's technique names as a person writes them ("other" alone says nothing).
std::string technique_name(const std::string& technique) {
    if (technique == "swedish") return "Swedish";
    if (technique == "other") return "other technique";
    return readable(technique);
}

std::string join(const std::vector<std::string>& items) {
    std::string text;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) text += (i + 1 == items.size()) ? " and " : ", ";
        text += items[i];
    }
    return text;
}

std::string format_number(double value) {
    const double rounded = std::round(value * 10) / 10;
    std::string text = std::to_string(rounded);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
}

// "5 hours", "3 days and 2 hours" after the massage, as the pages say it.
std::string since_massage(double hours) {
    if (!(hours >= 1)) return "less than an hour after the massage";
    const auto whole = static_cast<long long>(std::floor(hours));
    const auto plural = [](long long count, const char* unit) {
        return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
    };
    if (whole < 48) return plural(whole, "hour") + " after the massage";
    const long long rest = whole % 24;
    return plural(whole / 24, "day") + (rest > 0 ? " and " + plural(rest, "hour") : "") +
           " after the massage";
}

// When the latest point is above the lowest before it by more than the margin: a sentence
// saying the twitching rose (or came back, when it had fallen to that lowest first).
std::optional<std::string> latest_rise(const std::vector<signal::CoursePoint>& points,
                                       double margin) {
    const auto by_time = [](const signal::CoursePoint& a, const signal::CoursePoint& b) {
        return a.hours_since_massage < b.hours_since_massage;
    };
    std::vector<signal::CoursePoint> ordered = points;
    std::stable_sort(ordered.begin(), ordered.end(), by_time);
    if (ordered.size() < 2) return std::nullopt;
    const auto& latest = ordered.back();
    const auto lowest =
        std::min_element(ordered.begin(), ordered.end() - 1,
                         [](const auto& a, const auto& b) { return a.rate < b.rate; });
    if (!(latest.rate - lowest->rate > margin)) return std::nullopt;
    const bool fell_first = std::any_of(ordered.begin(), lowest, [&](const auto& point) {
        return point.rate - lowest->rate > margin;
    });
    return std::string("The twitching has ") + (fell_first ? "come back" : "risen") +
           ": the latest report, " + since_massage(latest.hours_since_massage) + ", gives " +
           format_number(latest.rate) + " episodes a day, more than earlier ones (as few as " +
           format_number(lowest->rate) + " a day, " + since_massage(lowest->hours_since_massage) +
           "). The data do not show a decline.";
}

}  // namespace

json course_by_day(const std::vector<store::CheckinWithAssessment>& checkins) {
    struct Day {
        int reports = 0;
        std::optional<double> episodes;
        std::optional<double> pain;
        std::optional<assess::Level> level;
    };
    std::map<long long, Day> days;
    for (const auto& entry : checkins) {
        const auto day_index = static_cast<long long>(
            std::floor(std::max(0.0, entry.checkin.hours_since_massage) / 24));
        const json document = json::parse(entry.checkin.document, nullptr, false);
        auto& day = days[day_index];
        ++day.reports;
        if (document.is_object()) {
            keep_max(day.episodes, number_at(document, "twitching", "episodes_per_day"));
            keep_max(day.pain, number_at(document, "symptoms", "pain_0_10"));
        }
        if (entry.assessment && (!day.level || entry.assessment->level > *day.level)) {
            day.level = entry.assessment->level;
        }
    }
    json course = json::array();
    for (const auto& [index, day] : days) {
        course.push_back({{"day", index},
                          {"reports", day.reports},
                          {"episodes_per_day", optional_number(day.episodes)},
                          {"pain_0_10", optional_number(day.pain)},
                          {"level", day.level ? json(std::string(assess::to_string(*day.level)))
                                              : json(nullptr)}});
    }
    return course;
}

json reported_course_fit(const std::vector<store::CheckinWithAssessment>& checkins) {
    std::vector<signal::CoursePoint> points;
    for (const auto& entry : checkins) {
        const json document = json::parse(entry.checkin.document, nullptr, false);
        if (!document.is_object()) continue;
        auto episodes = number_at(document, "twitching", "episodes_per_day");
        if (!episodes && says_no(document, "twitching", "present")) episodes = 0.0;
        if (!episodes) continue;
        // The contract keeps both in range; a stored row that is not must not break the page
        // (fit_course refuses a point outside its limits).
        // A report a little before the massage's recorded time counts as at it; NaN stays NaN.
        const double hours = entry.checkin.hours_since_massage;
        const signal::CoursePoint point{hours < 0 ? 0.0 : hours, *episodes};
        if (signal::course_point_problem(point).empty()) points.push_back(point);
    }
    const auto options = signal::report_course_options();
    const auto fit = signal::fit_course(points, options);
    json out = signal::to_json(fit);
    // The fit words a rise as "changes by +N % per day"; a steep rise over a few hours makes N
    // dozens of digits long. Beyond tenfold a day the number says nothing more.
    const double change_per_day = std::exp(-fit.decay_per_hour * 24);
    if (fit.fitted && !fit.at_baseline && !fit.decline && change_per_day > kSteepRisePerDay) {
        out["verdict"] =
            "The data do not show a decline: the reported episodes per day rise more than " +
            format_number(kSteepRisePerDay) + "-fold a day.";
    } else if (fit.fitted && !fit.at_baseline && !fit.decline) {
        // "Changes by +9 % per day, but the uncertainty still includes no change or a rise" hid
        // that the latest report was well above earlier ones: said plainly, whatever the fit.
        if (const auto rise = latest_rise(points, options.back_at_baseline_margin)) {
            out["verdict"] = *rise;
        }
    }
    out["points"] = json::array();
    for (const auto& point : points) {
        out["points"].push_back({point.hours_since_massage, point.rate});
    }
    out["curve"] = json::array();
    if (fit.fitted && !fit.at_baseline) {
        // From the first report on: before it the fit is an extrapolation (a steep fit to late
        // reports can start far above anything reported).
        double first = points.front().hours_since_massage;
        double last = first;
        for (const auto& point : points) {
            first = std::min(first, point.hours_since_massage);
            last = std::max(last, point.hours_since_massage);
        }
        // A falling course is drawn on to when it is expected back at baseline, at most a week
        // past the last report: the question the therapist is asked is "how long".
        double end = last;
        if (fit.decline && std::isfinite(fit.back_at_baseline_h)) {
            end = std::clamp(fit.back_at_baseline_h, last, last + kCurveMaxProjectionHours);
        }
        // Reports may span up to a year (the contract's limit): the step grows to keep the curve
        // a size a chart draws at once. The last point is the end itself, never past it: beyond
        // the last report a rising fit soon runs far above anything reported.
        const double step = std::max(kCurveStepHours, (end - first) / (kCurveMaxPoints - 1));
        for (std::size_t i = 0; first + static_cast<double>(i) * step < end - step / 2; ++i) {
            const double hours = first + static_cast<double>(i) * step;
            out["curve"].push_back({hours, fit.rate_at(hours)});
        }
        out["curve"].push_back({end, fit.rate_at(end)});
    }
    return out;
}

// A region as the note lists it: "  Left_Calf " and "left-calf" are one region, "left calf".
std::string region_name(const std::string& region) {
    std::string name;
    for (const char c : region) {
        const bool space = c == ' ' || c == '_' || c == '-' || c == '\t';
        if (space) {
            if (!name.empty() && name.back() != ' ') name += ' ';
        } else {
            name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    if (!name.empty() && name.back() == ' ') name.pop_back();
    return name;
}

// The symptoms besides pain, soreness and bruising, most serious first, as the note names them.
constexpr std::pair<const char*, const char*> kOtherSymptoms[] = {
    {"fainted", "fainting"},
    {"breathing_difficulty", "difficulty breathing"},
    {"trouble_swallowing_or_speaking", "trouble swallowing or speaking"},
    {"dark_urine", "dark urine"},
    {"sudden_severe_headache", "a sudden severe headache"},
    {"weakness", "weakness"},
    {"loss_of_coordination", "loss of coordination"},
    {"muscle_wasting", "muscle wasting"},
    {"numbness", "numbness"},
    {"dizziness", "dizziness"},
    {"nausea", "nausea"},
    {"headache", "headache"},
};

namespace {

// `text` with its first letter in capitals, as a sentence of the note starts.
std::string sentence(std::string text) {
    if (!text.empty()) {
        text.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(text.front())));
    }
    return text;
}

// Which of kOtherSymptoms a report gives.
std::vector<bool> other_symptoms_of(const json& document) {
    std::vector<bool> given(std::size(kOtherSymptoms), false);
    for (std::size_t i = 0; i < std::size(kOtherSymptoms); ++i) {
        given[i] = flag_at(document, "symptoms", kOtherSymptoms[i].first);
    }
    return given;
}

std::vector<std::string> other_symptom_names(const std::vector<bool>& given) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < std::size(kOtherSymptoms); ++i) {
        if (given[i]) names.push_back(kOtherSymptoms[i].second);
    }
    return names;
}

// A report at see_doctor or urgent, as the note opens with it: its level, what it reported and
// when ("Urgent: difficulty breathing, reported 5 hours after the massage.").
std::string red_flag_opening(const store::CheckinWithAssessment& entry, const json& document) {
    auto what = other_symptom_names(other_symptoms_of(document));
    if (flag_at(document, "twitching", "painful")) what.push_back("painful twitching");
    if (const auto pain = number_at(document, "symptoms", "pain_0_10"); pain && *pain > 0) {
        what.push_back("pain " + format_number(*pain) + "/10");
    }
    if (string_at(document, "twitching", "trend") == "worse") {
        what.push_back("twitching getting worse");
    }
    if (what.empty() && flag_at(document, "twitching", "present")) what.push_back("twitching");
    return sentence(readable(std::string(assess::to_string(entry.assessment->level))) + ": " +
                    (what.empty() ? "" : join(what) + ", ") + "reported " +
                    since_massage(entry.checkin.hours_since_massage) + ".");
}

}  // namespace

std::string next_session_note(const store::Session& session,
                              const std::vector<store::CheckinWithAssessment>& checkins) {
    if (checkins.empty()) return "No reports from the client yet.";

    std::set<std::string> painful_regions;
    bool painful_twitching = false;
    bool bruising = false;
    bool strong_soreness = false;
    bool discomfort = false;
    std::optional<double> highest_pain;
    std::optional<assess::Level> highest_level;
    std::vector<bool> other_symptoms(std::size(kOtherSymptoms), false);
    // The most serious report at see_doctor or urgent (the latest of its level), and its
    // document: the note opens with it.
    const store::CheckinWithAssessment* red_flag = nullptr;
    json red_flag_document;
    for (const auto& entry : checkins) {
        const json document = json::parse(entry.checkin.document, nullptr, false);
        if (!document.is_object()) continue;
        discomfort = discomfort || entry.checkin.discomfort;
        if (flag_at(document, "twitching", "painful")) {
            painful_twitching = true;
            const auto& twitching = document["twitching"];
            if (twitching.contains("regions") && twitching["regions"].is_array()) {
                for (const auto& region : twitching["regions"]) {
                    if (region.is_string()) {
                        const auto name = region_name(region.get<std::string>());
                        if (!name.empty()) painful_regions.insert(name);
                    }
                }
            }
        }
        keep_max(highest_pain, number_at(document, "symptoms", "pain_0_10"));
        bruising = bruising || flag_at(document, "symptoms", "bruising");
        const auto given = other_symptoms_of(document);
        for (std::size_t i = 0; i < given.size(); ++i) {
            other_symptoms[i] = other_symptoms[i] || given[i];
        }
        const auto soreness = string_at(document, "symptoms", "soreness");
        strong_soreness = strong_soreness || soreness == "moderate" || soreness == "severe";
        if (entry.assessment && (!highest_level || entry.assessment->level > *highest_level)) {
            highest_level = entry.assessment->level;
        }
        if (entry.assessment && entry.assessment->level >= assess::Level::see_doctor &&
            (red_flag == nullptr || entry.assessment->level >= red_flag->assessment->level)) {
            red_flag = &entry;
            red_flag_document = document;
        }
    }

    const std::string after = "after " + readable(session.pressure) + " pressure (" +
                              technique_name(session.technique) + ")";
    std::vector<std::string> findings;
    if (painful_twitching) {
        findings.push_back(painful_regions.empty()
                               ? "painful twitching " + after
                               : "painful twitching in the " +
                                     join({painful_regions.begin(), painful_regions.end()}) + " " +
                                     after);
    }
    if (highest_pain && *highest_pain > 0) {
        findings.push_back("pain up to " + format_number(*highest_pain) + "/10");
    }
    if (strong_soreness) findings.push_back("moderate or severe soreness");
    if (bruising) findings.push_back("bruising");

    // A red flag comes first, before anything about how the massage was tolerated: the note
    // must not read as a calm one with an emergency at its end.
    std::string note =
        red_flag != nullptr ? red_flag_opening(*red_flag, red_flag_document) + " " : std::string{};
    if (findings.empty()) {
        note += "No pain, soreness or bruising reported " + after + ".";
    } else {
        std::string tolerance = sentence(join(findings) + ".");
        if (!painful_twitching) tolerance.insert(tolerance.size() - 1, " " + after);
        note += tolerance;
    }
    // The opening named the red flag's own symptoms already.
    if (red_flag != nullptr) {
        const auto named = other_symptoms_of(red_flag_document);
        for (std::size_t i = 0; i < named.size(); ++i) {
            other_symptoms[i] = other_symptoms[i] && !named[i];
        }
    }
    const auto others = other_symptom_names(other_symptoms);
    if (!others.empty()) note += " Also reported: " + join(others) + ".";
    if (red_flag == nullptr && highest_level && *highest_level >= assess::Level::tell_therapist) {
        note +=
            " Highest level reported: " + readable(std::string(assess::to_string(*highest_level))) +
            ".";
    }
    if (discomfort || painful_twitching || bruising || strong_soreness) {
        std::vector<std::string> changes;
        if (session.pressure == "firm" || session.pressure == "deep") {
            changes.push_back("lighter pressure");
        }
        if (session.knots_worked) changes.push_back("less time on knots");
        if (!changes.empty()) note += " Consider " + join(changes) + " next time.";
    } else if (!highest_level || *highest_level == assess::Level::normal) {
        // Only a course without discomfort and without any level above normal (dizziness,
        // nausea, a red flag) reads as well tolerated.
        note += " The session was well tolerated.";
    }
    if (red_flag != nullptr) {
        note += " Before the next session, ask whether the client has seen a doctor about it.";
    }
    return note;
}

}  // namespace twitchwatch::service
