#include "svg_chart.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace twitchwatch::cli::svg {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the UTF-8 sequence starting text[at] and its code point, or 0 when it is not a
// valid one (a stray continuation byte, a truncated or overlong sequence, a surrogate).
std::pair<std::size_t, std::uint32_t> utf8_at(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) return {1, lead};
    std::size_t length = 0;
    std::uint32_t code = 0, smallest = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2, code = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, code = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, code = lead & 0x07, smallest = 0x10000;
    } else {
        return {0, 0};
    }
    if (at + length > text.size()) return {0, 0};
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) return {0, 0};
        code = (code << 6) | (byte(at + i) & 0x3F);
    }
    if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return {0, 0};
    return {length, code};
}

// Characters XML 1.0 allows (tab, line feed and carriage return are allowed but become spaces in
// an attribute, so they are replaced too).
bool xml_allows(std::uint32_t code) { return code >= 0x20 && code != 0xFFFE && code != 0xFFFF; }

}  // namespace

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        const auto [length, code] = utf8_at(text, at);
        if (length == 0 || !xml_allows(code)) {
            out += kReplacement;
            at += std::max<std::size_t>(length, 1);
            continue;
        }
        switch (code) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += text.substr(at, length);
        }
        at += length;
    }
    return out;
}

std::string attribute(std::string_view name, std::string_view value) {
    std::string out(" ");
    return out.append(name).append("=\"").append(escape(value)).append("\"");
}

std::string number(double value, int decimals) {
    if (!std::isfinite(value)) return "0";
    const double scale = std::pow(10.0, decimals);
    if (std::round(value * scale) == 0) value = 0;  // no "-0.0"
    char buffer[64];
    const auto [end, error] =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
    return error == std::errc() ? std::string(buffer, end) : "0";
}

double nice_step(double span, int count) {
    const double raw = span > 0 ? span / std::max(count, 1) : 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0}) {
        if (factor * magnitude >= raw * (1 - 1e-9)) return factor * magnitude;
    }
    return 10 * magnitude;
}

Ticks nice_ticks(double low, double high, int count) {
    Ticks ticks;
    const double step = nice_step(high - low, count);
    ticks.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    for (double k = std::ceil(low / step - 1e-9); k * step <= high + step * 1e-9; ++k) {
        ticks.values.push_back(k * step);
    }
    return ticks;
}

double Scale::operator()(double value) const {
    const double span = from_high - from_low;
    return to_low + (span == 0 ? 0 : (value - from_low) / span * (to_high - to_low));
}

Document::Document(double width, std::string_view title, std::string_view css) : width_(width) {
    head_.append("<title>").append(escape(title)).append("</title>\n<style>");
    head_.append(css).append("</style>\n");
}

void Document::rect(double x, double y, double width, double height, std::string_view attributes) {
    out_ += "<rect x=\"" + number(x) + "\" y=\"" + number(y) + "\" width=\"" + number(width) +
            "\" height=\"" + number(height) + "\"" + std::string(attributes) + "/>\n";
}

void Document::line(double x1, double y1, double x2, double y2, std::string_view attributes) {
    out_ += "<line x1=\"" + number(x1) + "\" y1=\"" + number(y1) + "\" x2=\"" + number(x2) +
            "\" y2=\"" + number(y2) + "\"" + std::string(attributes) + "/>\n";
}

void Document::points(std::string_view element, std::span<const Point> points,
                      std::string_view attributes) {
    out_.append("<").append(element).append(" points=\"");
    for (const auto& [x, y] : points)
        out_.append(number(x)).append(",").append(number(y)).append(" ");
    if (!points.empty()) out_.pop_back();
    out_.append("\"").append(attributes).append("/>\n");
}

void Document::polyline(std::span<const Point> points, std::string_view attributes) {
    this->points("polyline", points, attributes);
}

void Document::polygon(std::span<const Point> points, std::string_view attributes) {
    this->points("polygon", points, attributes);
}

void Document::circle(double cx, double cy, double r, std::string_view attributes,
                      std::string_view tooltip) {
    out_ += "<circle cx=\"" + number(cx) + "\" cy=\"" + number(cy) + "\" r=\"" + number(r) + "\"" +
            std::string(attributes);
    out_ += tooltip.empty() ? "/>\n" : "><title>" + escape(tooltip) + "</title></circle>\n";
}

void Document::path(std::string_view d, std::string_view attributes) {
    out_ += "<path d=\"" + std::string(d) + "\"" + std::string(attributes) + "/>\n";
}

void Document::text(double x, double y, std::string_view content, std::string_view attributes) {
    out_ += "<text x=\"" + number(x) + "\" y=\"" + number(y) + "\"" + std::string(attributes) +
            ">" + escape(content) + "</text>\n";
}

void Document::open_group(std::string_view attributes) {
    out_ += "<g" + std::string(attributes) + ">\n";
    ++open_groups_;
}

void Document::close_group() {
    if (open_groups_ == 0) return;
    out_ += "</g>\n";
    --open_groups_;
}

void Document::clip_rect(std::string_view id, double x, double y, double width, double height) {
    out_ += "<clipPath" + attribute("id", id) + ">";
    rect(x, y, width, height, "");
    out_ += "</clipPath>\n";
}

std::string Document::finish(double height) {
    while (open_groups_ > 0) close_group();
    const std::string w = number(width_, 0), h = number(height, 0);
    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w);
    svg.append("\" height=\"").append(h).append("\" viewBox=\"0 0 ").append(w).append(" ");
    svg.append(h).append("\">\n").append(head_);
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    return svg.append(out_).append("</svg>\n");
}

void draw_axes(Document& doc, const Scale& x, const Ticks& x_ticks, std::string_view x_name,
               const Scale& y, const Ticks& y_ticks, std::string_view y_name) {
    const double left = x.to_low, right = x.to_high, bottom = y.to_low, top = y.to_high;
    doc.open_group(" class=\"axes\"");
    for (const double v : y_ticks.values) {
        doc.line(left, y(v), right, y(v), " class=\"grid\"");
        doc.text(left - 6, y(v) + 4, number(v, y_ticks.decimals),
                 " class=\"tick\" text-anchor=\"end\"");
    }
    for (const double v : x_ticks.values) {
        doc.line(x(v), top, x(v), bottom, " class=\"grid\"");
        doc.text(x(v), bottom + 16, number(v, x_ticks.decimals),
                 " class=\"tick\" text-anchor=\"middle\"");
    }
    doc.rect(left, top, right - left, bottom - top, " class=\"frame\"");
    if (!x_name.empty()) {
        doc.text((left + right) / 2, bottom + 34, x_name, " class=\"name\" text-anchor=\"middle\"");
    }
    if (!y_name.empty()) {
        const double middle = (top + bottom) / 2;
        doc.text(left - 44, middle, y_name,
                 " class=\"name\" text-anchor=\"middle\" transform=\"rotate(-90 " +
                     number(left - 44) + " " + number(middle) + ")\"");
    }
    doc.close_group();
}

std::vector<std::string> wrap(std::string_view text, std::size_t width) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        const auto word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            lines.push_back(std::move(line));
            line.clear();
        }
        if (!word.empty()) line.append(line.empty() ? "" : " ").append(word);
        start = end + 1;
    }
    if (!line.empty()) lines.push_back(std::move(line));
    return lines;
}

}  // namespace twitchwatch::cli::svg
