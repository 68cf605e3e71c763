#pragma once
// A small SVG writer for the charts of `course --svg` and `detect --svg`: shapes, text whose XML
// is escaped, and axes with "nice" ticks. Numbers are written with a fixed number of decimals and
// a '.' whatever the locale.

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace twitchwatch::cli::svg {

// Text made safe as XML character data or an attribute value: & < > " ' escaped, and bytes that
// are not UTF-8, control characters and other code points XML 1.0 does not allow replaced by
// U+FFFD (a label read from a file may hold anything).
std::string escape(std::string_view text);

// ` name="value"` with the value escaped.
std::string attribute(std::string_view name, std::string_view value);

// `value` with `decimals` decimals and a '.' in every locale; -0 is written 0.
std::string number(double value, int decimals = 1);

// About `count` values 1, 2 or 5 x 10^n apart covering [low, high], and the decimals that tell
// them apart.
struct Ticks {
    std::vector<double> values;
    int decimals = 0;
};
Ticks nice_ticks(double low, double high, int count);
// The nice step (1, 2 or 5 x 10^n) nearest above `span / count`.
double nice_step(double span, int count);

// A linear map from data to drawing coordinates.
struct Scale {
    double from_low = 0, from_high = 1, to_low = 0, to_high = 1;
    double operator()(double value) const;
};

using Point = std::pair<double, double>;

// One SVG document, built in memory. `attributes` arguments are written as given: the charts'
// own class names and styles, or values made by attribute(), never raw text from a file.
class Document {
  public:
    // `title` becomes the document's <title> (escaped); `css` its <style>.
    Document(double width, std::string_view title, std::string_view css);

    void rect(double x, double y, double width, double height, std::string_view attributes);
    void line(double x1, double y1, double x2, double y2, std::string_view attributes);
    void polyline(std::span<const Point> points, std::string_view attributes);
    void polygon(std::span<const Point> points, std::string_view attributes);
    void circle(double cx, double cy, double r, std::string_view attributes,
                std::string_view tooltip = {});
    void path(std::string_view d, std::string_view attributes);
    // `content` is escaped.
    void text(double x, double y, std::string_view content, std::string_view attributes);
    void open_group(std::string_view attributes);
    void close_group();
    // A clip path of the rectangle, to be used as `clip-path="url(#id)"`.
    void clip_rect(std::string_view id, double x, double y, double width, double height);

    // The whole document, `height` tall (known once everything is drawn).
    std::string finish(double height);

  private:
    void points(std::string_view element, std::span<const Point> points,
                std::string_view attributes);
    double width_;
    std::string head_, out_;
    int open_groups_ = 0;
};

// Axes around the plot area that `x` and `y` map onto (y's to_low is the bottom): a frame, grid
// lines and labelled ticks, and each axis's name.
void draw_axes(Document& doc, const Scale& x, const Ticks& x_ticks, std::string_view x_name,
               const Scale& y, const Ticks& y_ticks, std::string_view y_name);

// `text` cut into lines of at most `width` characters at spaces.
std::vector<std::string> wrap(std::string_view text, std::size_t width);

}  // namespace twitchwatch::cli::svg
