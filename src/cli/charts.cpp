#include "charts.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "svg_chart.hpp"

namespace twitchwatch::cli {
namespace {

using svg::attribute;
using svg::number;

// The service's colours (web/src/js/charts.js): ink, grid, measured, fitted; and one per reason
// a stretch was excluded.
constexpr std::string_view kCss =
    "text{font:13px system-ui,sans-serif;fill:#1f2a2e}"
    ".title{font-size:16px;font-weight:600}.sub,.tick,.legend{font-size:12px}"
    ".grid{stroke:#dfe5e4}.frame{fill:none;stroke:#1f2a2e}"
    ".point{fill:#2f5d62}.fitted{fill:none;stroke:#5b8c85;stroke-width:2;stroke-dasharray:2 4}"
    ".band{fill:#5b8c85;fill-opacity:.18}.baseline{stroke:#6f7d80;stroke-width:1.5;"
    "stroke-dasharray:8 4}.back{stroke:#6b4fa0;stroke-width:1.5;stroke-dasharray:5 3}"
    ".back-interval{fill:#6b4fa0;fill-opacity:.08}.verdict{font-size:13px}"
    ".rate{fill:#5b8c85}.ev{fill:none;stroke:#2f5d62;stroke-width:1}.row{fill:#f3f6f5}"
    ".label{font-size:11px}.skipped{fill:#8a9699;font-size:11px}"
    ".ex-settling,.ex-flat,.ex-other{fill:#8a9699}.ex-voluntary{fill:#b5542d}"
    ".ex-artefact{fill:#6b4fa0}.ex-heartbeat{fill:#c23b5a}.ex-label{font-size:11px}";

constexpr double kWidthCourse = 760, kWidthDetect = 1000;

// A legend's entries in rows from (left, y): a swatch drawn by `swatch` at (x, y) and its words,
// on the next row when they would pass `right`.
struct Legend {
    svg::Document& doc;
    double left, right, y, x = left;

    template <typename Swatch>
    void add(std::string_view words, Swatch swatch) {
        const double width = 24 + 6.4 * static_cast<double>(words.size());
        if (x > left && x + width > right) x = left, y += 22;
        swatch(x, y);
        doc.text(x + 24, y + 4, words, " class=\"legend\"");
        x += width + 18;
    }
};

// Ticks from 0 to a nice value at or above `top`, and that value.
std::pair<svg::Ticks, double> ticks_from_zero(double top, int count) {
    const double step = svg::nice_step(top, count);
    const double end = std::max(1.0, std::ceil(top / step - 1e-9)) * step;
    return {svg::nice_ticks(0, end, count), end};
}

// Hours, or days beyond three days; the word for the axis and a value's unit.
struct TimeUnit {
    double hours;
    std::string_view name, suffix;
};
TimeUnit course_time_unit(double end_h) {
    return end_h > 72 ? TimeUnit{24, "days since the massage", " days"}
                      : TimeUnit{1, "hours since the massage", " h"};
}

}  // namespace

std::string course_chart(std::span<const signal::CoursePoint> points,
                         std::span<const std::string> names, const signal::CourseFit& fit) {
    const double left = 70, right = kWidthCourse - 24, top = 52, bottom = 352;
    svg::Document doc(kWidthCourse, "Twitch rate after the massage", kCss);
    doc.text(left, 28, "Twitch rate after the massage", " class=\"title\"");

    // Time: the points, and when the rate is expected back at baseline if that is not far beyond
    // them (the verdict says when it is).
    double last_h = 1, top_rate = 0;
    for (const auto& p : points) {
        last_h = std::max(last_h, p.hours_since_massage);
        top_rate = std::max(top_rate, p.rate);
    }
    const bool back_known = fit.decline && std::isfinite(fit.back_at_baseline_h);
    double end_h = last_h;
    for (const double back : {fit.back_at_baseline_h, fit.back_at_baseline_high_h}) {
        if (back_known && back <= 3 * last_h) end_h = std::max(end_h, back);  // an open end: inf
    }
    end_h *= 1.05;
    const auto unit = course_time_unit(end_h);
    // Rates: scaled to what was measured; a fit may start far above the first point.
    if (fit.fitted) top_rate = std::max(top_rate, fit.baseline);
    const auto [y_ticks, y_end] = ticks_from_zero(std::max(1.0, top_rate * 1.15), 5);
    const svg::Scale x{0, end_h / unit.hours, left, right};
    const svg::Scale y{0, y_end, bottom, top};
    const auto x_ticks = svg::nice_ticks(0, end_h / unit.hours, 8);
    const auto at = [&](double hours, double rate) {
        // Kept near the plot: the clip hides the rest, and no number grows to hundreds of digits.
        return svg::Point{x(hours / unit.hours), std::clamp(y(rate), top - 50, bottom + 50)};
    };
    svg::draw_axes(doc, x, x_ticks, unit.name, y, y_ticks, "twitches per minute");
    doc.clip_rect("plot", left, top, right - left, bottom - top);
    doc.open_group(" class=\"plot\" clip-path=\"url(#plot)\"");

    const int steps = 240;
    const auto curve = [&](double log_excess, double decay) {
        std::vector<svg::Point> line;
        for (int i = 0; i <= steps; ++i) {
            const double hours = end_h * i / steps;
            line.push_back(at(hours, fit.baseline + std::exp(log_excess - decay * hours)));
        }
        return line;
    };
    if (back_known && fit.back_at_baseline_low_h < end_h) {
        const double high = std::min(fit.back_at_baseline_high_h, end_h);
        doc.rect(x(fit.back_at_baseline_low_h / unit.hours), top,
                 x(high / unit.hours) - x(fit.back_at_baseline_low_h / unit.hours), bottom - top,
                 " class=\"back-interval\"");
    }
    if (fit.decline) {
        // The decay rates at the ends of the half-life's interval (an open end: no decay).
        const double slow = std::isfinite(fit.half_life_high_h) && fit.half_life_high_h > 0
                                ? std::log(2.0) / fit.half_life_high_h
                                : 0;
        const double fast = std::log(2.0) / fit.half_life_low_h;
        auto band = curve(fit.log_excess_at_massage, slow);
        const auto lower = curve(fit.log_excess_at_massage, fast);
        band.insert(band.end(), lower.rbegin(), lower.rend());
        doc.polygon(band, " class=\"band\"");
    }
    if (fit.fitted) {
        doc.line(left, y(fit.baseline), right, y(fit.baseline), " class=\"baseline\"");
        doc.polyline(curve(fit.log_excess_at_massage, fit.decay_per_hour), " class=\"fitted\"");
    }
    if (back_known) {
        const double bx = x(fit.back_at_baseline_h / unit.hours);
        doc.line(bx, top, bx, bottom, " class=\"back\"");
    }
    doc.open_group(" class=\"points\"");
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& p = points[i];
        const auto [px, py] = at(p.hours_since_massage, p.rate);
        doc.circle(px, py, 4.5, " class=\"point\"",
                   names[i] + ": " + number(p.hours_since_massage) + " h, " + number(p.rate) +
                       " per minute");
    }
    doc.close_group();
    doc.close_group();

    // Legend, then the verdict the text report prints.
    Legend legend{doc, left, right, bottom + 60};
    legend.add("measured",
               [&](double sx, double sy) { doc.circle(sx + 9, sy, 4.5, " class=\"point\""); });
    if (fit.fitted) {
        legend.add("fitted decay", [&](double sx, double sy) {
            doc.line(sx, sy, sx + 18, sy, " class=\"fitted\"");
        });
    }
    if (fit.decline) {
        legend.add("half-life 95 % interval",
                   [&](double sx, double sy) { doc.rect(sx, sy - 6, 18, 12, " class=\"band\""); });
    }
    if (fit.fitted) {
        legend.add(
            "baseline " + number(fit.baseline) + "/min" +
                (fit.baseline_estimated ? " (estimated)" : ""),
            [&](double sx, double sy) { doc.line(sx, sy, sx + 18, sy, " class=\"baseline\""); });
    }
    if (back_known) {
        const int digits = unit.hours == 1 ? 0 : 1;
        std::string words = "back at baseline " +
                            number(fit.back_at_baseline_h / unit.hours, digits) +
                            std::string(unit.suffix);
        if (fit.back_at_baseline_h > end_h) words += " (beyond the chart)";
        legend.add(words, [&](double sx, double sy) {
            doc.line(sx + 9, sy - 7, sx + 9, sy + 7, " class=\"back\"");
        });
    }
    double vy = legend.y + 30;
    for (const auto& line : svg::wrap(fit.verdict, 100)) {
        doc.text(left, vy, line, " class=\"verdict\"");
        vy += 18;
    }
    return doc.finish(vy);
}

namespace {

struct Interval {
    double start = 0, end = 0;
    std::string reason;
};

// The stretches not analysed: the report's exclusions, and the time around the heartbeats of the
// counted kind.
std::vector<Interval> excluded_stretches(const signal::DetectionReport& r) {
    std::vector<Interval> out;
    for (const auto& x : r.exclusions) out.push_back({x.start_s, x.end_s, x.reason});
    const auto primary = signal::primary_kind(r);
    for (const auto& h : r.heartbeat) {
        if (h.kind != primary) continue;
        for (const double beat : h.beats_s) {
            out.push_back({beat - h.window_before_s, beat + h.window_after_s, "heartbeat"});
        }
    }
    return out;
}

// The colour class of a reason: its first part ("artefact+voluntary" is drawn as artefact).
std::string reason_class(const std::string& reason) {
    const auto first = reason.substr(0, reason.find('+'));
    for (const char* known : {"settling", "flat", "voluntary", "artefact", "heartbeat"}) {
        if (first == known) return "ex-" + first;
    }
    return "ex-other";
}

// Adds `weight` x the part of [from, to) in each cell [i x width, (i + 1) x width) of `cells`.
void spread(std::vector<double>& cells, double width, double from, double to, double weight) {
    if (cells.empty() || !(to > from)) return;
    const auto cell_of = [&](double t) {
        return static_cast<std::size_t>(
            std::clamp(std::floor(t / width), 0.0, static_cast<double>(cells.size() - 1)));
    };
    for (std::size_t i = cell_of(from); i <= cell_of(to); ++i) {
        const double start = static_cast<double>(i) * width;
        const double overlap = std::min(to, start + width) - std::max(from, start);
        if (overlap > 0) cells[i] += weight * overlap;
    }
}

// Seconds of each bin [i * bin_s, (i + 1) * bin_s) that fall in none of `stretches`.
std::vector<double> analysed_per_bin(std::vector<Interval> stretches, double duration_s,
                                     double bin_s, std::size_t bins) {
    std::sort(stretches.begin(), stretches.end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    std::vector<double> analysed(bins);
    for (std::size_t i = 0; i < bins; ++i) {
        analysed[i] = std::min(bin_s, duration_s - static_cast<double>(i) * bin_s);
    }
    // The union of the stretches, each piece taken off the bins it overlaps.
    double covered_to = 0;
    for (const auto& s : stretches) {
        const double from = std::max(s.start, covered_to), to = std::min(s.end, duration_s);
        covered_to = std::max(covered_to, to);
        spread(analysed, bin_s, from, to, -1);
    }
    return analysed;
}

// The bin of the rate strip: about 60 bins over the recording, at least 5 s.
double rate_bin_s(double duration_s) {
    for (const double bin : {5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0}) {
        if (duration_s / bin <= 60) return bin;
    }
    return 3600 * std::ceil(duration_s / 3600 / 60);
}

}  // namespace

std::string detect_chart(const signal::DetectionReport& r) {
    const std::size_t rows = std::max<std::size_t>(r.channels.size(), 1);
    const double row_h = std::clamp(560.0 / static_cast<double>(rows), 9.0, 22.0);
    const double left = 140, right = kWidthDetect - 24;
    const double strip_top = 72, strip_bottom = 162, rows_top = 186;
    const double rows_bottom = rows_top + row_h * static_cast<double>(rows);
    const double duration = std::max(r.duration_s, 1e-3);
    const auto primary = signal::primary_kind(r);

    svg::Document doc(kWidthDetect, "Twitches in " + r.file, kCss);
    doc.text(left, 24, "Twitches in " + r.file, " class=\"title\"");
    std::size_t counted = 0;
    for (const auto& e : r.events) counted += r.channels[e.channel].kind == primary;
    doc.text(left, 44,
             "recorded " + number(r.duration_s / 60) + " min, analysed " +
                 number(r.analysed_s / 60) + " min; " + std::to_string(counted) + " twitches, " +
                 number(r.rate_per_min) + " per analysed minute",
             " class=\"sub\"");

    const bool minutes = duration > 600;
    const double unit_s = minutes ? 60 : 1;
    const svg::Scale x{0, duration / unit_s, left, right};
    const auto x_at = [&](double seconds) { return x(seconds / unit_s); };
    const auto x_ticks = svg::nice_ticks(0, duration / unit_s, 10);

    // Every other row lightly shaded, under what is drawn on it.
    for (std::size_t i = 0; i < r.channels.size(); i += 2) {
        doc.rect(left, rows_top + row_h * static_cast<double>(i), right - left, row_h,
                 " class=\"row\"");
    }

    // Excluded stretches, shaded by reason over the strip and the rows: per pixel column, as
    // much as the share of it excluded (in quarters, at least one where any is), so that the
    // short windows around thousands of heartbeats stay a few rectangles.
    const auto stretches = excluded_stretches(r);
    const auto seconds_by_reason = signal::excluded_by_reason(r);
    const auto columns = static_cast<std::size_t>(std::ceil(right - left));
    const double column_s = duration / static_cast<double>(columns);
    doc.open_group(" class=\"exclusions\"");
    for (const auto& entry : seconds_by_reason) {
        const std::string& reason = entry.first;
        std::vector<double> share(columns);
        for (const auto& s : stretches) {
            if (s.reason == reason) spread(share, column_s, s.start, s.end, 1 / column_s);
        }
        const auto level_at = [&](std::size_t c) {
            return std::min(1.0, std::ceil(share[c] * 4 - 1e-9) / 4);
        };
        const std::string kind = reason_class(reason);
        for (std::size_t c = 0; c < columns;) {
            const double level = level_at(c);
            std::size_t end = c + 1;
            while (end < columns && level_at(end) == level) ++end;
            if (level > 0) {
                const double x0 = left + static_cast<double>(c);
                const double w = static_cast<double>(end - c);
                doc.rect(x0, strip_top, w, rows_bottom - strip_top,
                         " class=\"ex " + kind + "\"" + attribute("data-reason", reason) +
                             " fill-opacity=\"" + number(0.3 * level, 3) + "\"");
                const double words = 6.2 * static_cast<double>(reason.size()) + 6;
                if (level == 1 && w >= words) {
                    doc.text(x0 + w / 2, strip_bottom + 16, reason,
                             " class=\"ex-label\" text-anchor=\"middle\"");
                }
            }
            c = end;
        }
    }
    doc.close_group();

    // The rate strip: counted twitches per analysed minute in bins of the recording; a bin
    // mostly excluded has no bar.
    const double bin_s = rate_bin_s(duration);
    const auto bins = static_cast<std::size_t>(std::ceil(duration / bin_s));
    const auto analysed = analysed_per_bin(stretches, duration, bin_s, bins);
    std::vector<std::size_t> in_bin(bins);
    for (const auto& e : r.events) {
        if (r.channels[e.channel].kind != primary || e.onset_s < 0) continue;
        const auto bin = static_cast<std::size_t>(e.onset_s / bin_s);
        if (bin < bins) ++in_bin[bin];
    }
    std::vector<double> rate(bins, -1);  // -1: no bar
    double top_rate = 1;
    for (std::size_t i = 0; i < bins; ++i) {
        if (analysed[i] < bin_s / 2) continue;
        rate[i] = static_cast<double>(in_bin[i]) / (analysed[i] / 60);
        top_rate = std::max(top_rate, rate[i]);
    }
    const auto [y_ticks, y_end] = ticks_from_zero(top_rate, 3);
    const svg::Scale y{0, y_end, strip_bottom, strip_top};
    for (const double v : x_ticks.values) {
        doc.line(x(v), strip_top, x(v), strip_bottom, " class=\"grid\"");
    }
    svg::draw_axes(doc, x, {}, "", y, y_ticks, "");
    doc.text(left, strip_top - 6,
             "twitches per analysed minute (bins of " + number(bin_s, 0) + " s)",
             " class=\"legend\"");
    doc.open_group(" class=\"rates\"");
    for (std::size_t i = 0; i < bins; ++i) {
        if (rate[i] < 0) continue;
        const double x0 = x_at(static_cast<double>(i) * bin_s);
        const double x1 = x_at(std::min(static_cast<double>(i + 1) * bin_s, duration));
        const double bar = std::max(strip_bottom - y(rate[i]), 1.0);  // a rate of 0 shows too
        doc.rect(x0 + 0.5, strip_bottom - bar, std::max(x1 - x0 - 1, 0.5), bar,
                 " class=\"rate\"" + attribute("data-events", std::to_string(in_bin[i])) +
                     attribute("data-rate", number(rate[i], 2)));
    }
    doc.close_group();

    // One row per channel, a tick per event at its onset; past kMaxEventMarks events, the
    // largest of each channel in each pixel column.
    double snr_low = 0, snr_high = 0;
    for (const auto& e : r.events) {
        snr_low = snr_low == 0 ? e.snr : std::min(snr_low, e.snr);
        snr_high = std::max(snr_high, e.snr);
    }
    const bool thinned = r.events.size() > kMaxEventMarks;
    std::vector<std::map<long, const signal::EventReport*>> marks(r.channels.size());
    for (const auto& e : r.events) {
        const long column = thinned ? std::lround(std::floor(x_at(e.onset_s)))
                                    : static_cast<long>(&e - r.events.data());
        auto& kept = marks[e.channel][column];
        if (kept == nullptr || kept->snr < e.snr) kept = &e;
    }
    const svg::Scale rows_y{0, 1, rows_bottom, rows_top};
    svg::draw_axes(doc, x, x_ticks, minutes ? "minutes from the start" : "seconds from the start",
                   rows_y, {}, "");
    doc.open_group(" class=\"timeline\"" + attribute("data-t0", "0") +
                   attribute("data-t1", number(duration, 3)) + attribute("data-x0", number(left)) +
                   attribute("data-x1", number(right)));
    for (std::size_t i = 0; i < r.channels.size(); ++i) {
        const auto& ch = r.channels[i];
        const double row_top = rows_top + row_h * static_cast<double>(i);
        // A label is cut at 20 bytes (never inside a UTF-8 character) to fit the margin.
        std::string label = ch.label;
        if (label.size() > 20) {
            std::size_t cut = 19;
            while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;
            label = label.substr(0, cut) + "\u2026";
        }
        const std::string font = " font-size=\"" + number(std::min(11.0, row_h - 1), 0) + "\"";
        doc.text(left - 6, row_top + row_h / 2 + 4, label,
                 " class=\"label\" text-anchor=\"end\"" + font);
        if (!ch.skipped.empty()) {
            doc.text(left + 6, row_top + row_h / 2 + 4, "skipped: " + ch.skipped,
                     " class=\"skipped\"" + font);
            continue;
        }
        std::string d;
        for (const auto& [column, e] : marks[i]) {
            const double share =
                snr_high > snr_low ? std::log(e->snr / snr_low) / std::log(snr_high / snr_low) : 1;
            const double tall = row_h * (0.35 + 0.6 * std::clamp(share, 0.0, 1.0));
            d.append("M").append(number(x_at(e->onset_s))).append(" ");
            d.append(number(row_top + row_h - 0.5)).append("v-").append(number(tall));
        }
        if (!d.empty()) {
            doc.path(d, " class=\"ev\"" + attribute("data-channel", ch.label) +
                            attribute("data-marks", std::to_string(marks[i].size())));
        }
    }
    doc.close_group();

    // Legend: what a tick means, and each reason with the time it took.
    Legend legend{doc, left - 24, right, rows_bottom + 60};
    legend.add(
        "a twitch, at its onset on the channel where it was largest",
        [&](double sx, double sy) { doc.line(sx + 9, sy + 6, sx + 9, sy - 6, " class=\"ev\""); });
    std::string how = snr_high > 0 ? "taller for a larger peak over the channel's noise (" +
                                         number(snr_low) + " to " + number(snr_high) + " x)"
                                   : "";
    if (thinned) {
        how += "; of " + std::to_string(r.events.size()) +
               " events, the largest of each channel in each pixel column";
    }
    if (!how.empty()) {
        legend.y += 20;
        doc.text(legend.left + 24, legend.y + 4, how, " class=\"legend\"");
    }
    legend.x = legend.right;  // the reasons on a row of their own
    for (const auto& [reason, seconds] : seconds_by_reason) {
        legend.add("excluded: " + reason + " " + number(seconds) + " s", [&](double sx, double sy) {
            doc.rect(sx, sy - 6, 18, 12,
                     " class=\"" + reason_class(reason) + "\" fill-opacity=\".3\"");
        });
    }
    return doc.finish(legend.y + 20);
}

}  // namespace twitchwatch::cli
