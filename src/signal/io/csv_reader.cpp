// CSV exports of wearables: a header row naming a time column and the channels, one row per
// sample instant. The accepted format is described in docs/signal-formats.md.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>

#include "io/edf_header.hpp"
#include "io/readers.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::io {
namespace {

// A longer line is taken as a file that is not CSV (or has no line breaks) rather than buffered.
constexpr std::size_t kMaxLineBytes = 1024 * 1024;
constexpr std::size_t kMaxColumns = 4096;
constexpr std::size_t kReadChunkBytes = 64 * 1024;
// How far one step between rows may stray from the sampling period, as a fraction of it (plus the
// resolution the times are printed with): a clock's jitter is far below it, a missing row far
// above (docs/signal-formats.md, "CSV").
constexpr double kStepTolerance = 0.25;

// Units recognised as the last '_'-separated part of a column name ("emg1_uV").
constexpr std::array<std::string_view, 12> kKnownUnits = {
    "nV", "uV", "mV", "V", "g", "mg", "m/s2", "m/s^2", "mm/s2", "deg/s", "dps", "N"};

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& problem) {
    throw InputError(file.string() + ": " + problem);
}

// What spreadsheet programs put before the first byte of a UTF-8 export ("not '???time_s'").
constexpr std::string_view kUtf8Bom = "\xef\xbb\xbf";

// Lines of bounded length from a file read in chunks; "\r\n" and "\n" both end a line (a byte
// order mark before the first is dropped).
class LineReader {
  public:
    explicit LineReader(const std::filesystem::path& file)
        : file_(file), in_(file, std::ios::binary) {
        if (!in_) fail(file, "cannot open the file");
    }
    bool next(std::string& line) {
        line.clear();
        while (true) {
            if (position_ == chunk_.size()) {
                chunk_.resize(kReadChunkBytes);
                in_.read(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
                chunk_.resize(static_cast<std::size_t>(in_.gcount()));
                position_ = 0;
                if (chunk_.empty()) {
                    if (line.empty()) return false;
                    break;  // last line without a line break
                }
            }
            const auto end = chunk_.find('\n', position_);
            const auto stop = end == std::string::npos ? chunk_.size() : end;
            line.append(chunk_, position_, stop - position_);
            position_ = end == std::string::npos ? chunk_.size() : end + 1;
            if (line.size() > kMaxLineBytes) {
                fail(file_, "line " + std::to_string(line_number_ + 1) + " longer than " +
                                std::to_string(kMaxLineBytes) + " bytes (not a CSV file?)");
            }
            if (end != std::string::npos) break;
        }
        ++line_number_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find('\r') != std::string::npos) {
            // Old Mac files end lines with CR alone: the whole file was one line, reported as
            // "more than 4096 columns".
            fail(file_, "line " + std::to_string(line_number_) +
                            " holds a carriage return (CR) inside it: lines must end with LF or "
                            "CR LF");
        }
        if (line_number_ == 1 && line.rfind(kUtf8Bom, 0) == 0) line.erase(0, kUtf8Bom.size());
        return true;
    }
    std::size_t line_number() const { return line_number_; }

  private:
    std::filesystem::path file_;
    std::ifstream in_;
    std::string chunk_;
    std::size_t position_ = 0;
    std::size_t line_number_ = 0;
};

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    text = text.substr(first, last - first + 1);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
        text = text.substr(1, text.size() - 2);
    }
    return text;
}

void split(std::string_view line, std::vector<std::string_view>& fields) {
    fields.clear();
    while (true) {
        const auto comma = line.find(',');
        fields.push_back(trim(line.substr(0, comma)));
        if (comma == std::string_view::npos) return;
        line.remove_prefix(comma + 1);
    }
}

bool is_skippable(std::string_view line) {
    const auto text = trim(line);
    return text.empty() || text.front() == '#';
}

// The header row: the time column and its unit, then the channels' labels and units.
struct CsvLayout {
    double seconds_per_time_unit = 1;
    std::vector<ChannelInfo> channels;
};

// "µV" written with the micro sign (U+00B5) or the Greek mu (U+03BC), as spreadsheets and devices
// do, is "uV": header_text would make each of their two bytes a '?'.
std::string unit_text(std::string_view unit) {
    // Copied rather than replaced in place: GCC 12 at -O3 warns (-Wrestrict) on string::replace.
    std::string text;
    for (std::size_t i = 0; i < unit.size();) {
        const auto rest = unit.substr(i);
        if (rest.starts_with("\xc2\xb5") || rest.starts_with("\xce\xbc")) {
            text += 'u';
            i += 2;
        } else {
            text += unit[i++];
        }
    }
    return header_text(text);
}

ChannelInfo channel_from_name(std::string_view name) {
    ChannelInfo channel;
    // "label [unit]" or "label (unit)"
    for (const auto& [open, close] : {std::pair{'[', ']'}, std::pair{'(', ')'}}) {
        const auto at = name.rfind(open);
        if (at != std::string_view::npos && !name.empty() && name.back() == close && at > 0) {
            channel.label = header_text(name.substr(0, at));
            channel.physical_unit = unit_text(name.substr(at + 1, name.size() - at - 2));
            return channel;
        }
    }
    const auto underscore = name.rfind('_');
    if (underscore != std::string_view::npos && underscore > 0) {
        const auto unit = name.substr(underscore + 1);
        if (std::find(kKnownUnits.begin(), kKnownUnits.end(), unit) != kKnownUnits.end()) {
            channel.label = header_text(name.substr(0, underscore));
            channel.physical_unit = std::string(unit);
            return channel;
        }
    }
    channel.label = header_text(name);
    return channel;
}

CsvLayout parse_header_row(std::string_view line, const std::filesystem::path& file) {
    std::vector<std::string_view> names;
    split(line, names);
    if (names.size() > kMaxColumns) {
        fail(file, "more than " + std::to_string(kMaxColumns) + " columns");
    }
    std::string time_name(names.front());
    std::transform(time_name.begin(), time_name.end(), time_name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    CsvLayout layout;
    if (time_name == "time" || time_name == "time_s" || time_name == "t" ||
        time_name == "time [s]" || time_name == "time (s)") {
        layout.seconds_per_time_unit = 1;
    } else if (time_name == "time_ms" || time_name == "time [ms]" || time_name == "time (ms)") {
        layout.seconds_per_time_unit = 1e-3;
    } else {
        fail(file, "the first column must be the time (time_s or time_ms), not '" +
                       header_text(names.front()) + "'");
    }
    if (names.size() < 2) fail(file, "no channel columns after the time column");
    for (std::size_t i = 1; i < names.size(); ++i) {
        layout.channels.push_back(channel_from_name(names[i]));
        if (layout.channels.back().label.empty()) {
            fail(file, "column " + std::to_string(i + 1) + " has no name");
        }
    }
    return layout;
}

double parse_value(std::string_view field, const std::filesystem::path& file, std::size_t line,
                   std::size_t column) {
    if (!field.empty() && field.front() == '+') field.remove_prefix(1);
    double value = 0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || error != std::errc{} || end != field.data() + field.size() ||
        !std::isfinite(value)) {
        fail(file, "line " + std::to_string(line) + ", column " + std::to_string(column) +
                       ": not a finite number: '" + header_text(field) + "'");
    }
    // Samples are held as 32-bit floats (up to about 3e38): 1e39 became infinite and silenced
    // the channel. Far below that, 1e30 in any unit is no measurement. (Column 1 is the time,
    // a double, checked by the sample rate it gives.)
    constexpr double kLargestValue = 1e30;
    if (column > 1 && std::abs(value) > kLargestValue) {
        fail(file, "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                       number_text(value) + " is beyond what a 32-bit sample holds");
    }
    return value;
}

std::size_t decimals(std::string_view field) {
    const auto dot = field.find('.');
    if (dot == std::string_view::npos) return 0;
    const auto exponent = field.find_first_of("eE", dot);
    return (exponent == std::string_view::npos ? field.size() : exponent) - dot - 1;
}

// Reads rows one at a time, checking each has the header's column count and only numbers.
class RowReader {
  public:
    explicit RowReader(const std::filesystem::path& file) : file_(file), lines_(file) {
        std::string line;
        do {
            if (!lines_.next(line)) fail(file, "the file is empty (no header row)");
        } while (is_skippable(line));
        layout_ = parse_header_row(line, file);
        values_.resize(layout_.channels.size() + 1);
    }
    const CsvLayout& layout() const { return layout_; }
    // The row's time in seconds and channel values; false at the end.
    bool next(double& time_s, std::span<const double>& values, std::string_view& time_field) {
        do {
            if (!lines_.next(line_)) return false;
        } while (is_skippable(line_));
        split(line_, fields_);
        if (fields_.size() != values_.size()) {
            fail(file_, "line " + std::to_string(lines_.line_number()) + " has " +
                            std::to_string(fields_.size()) + " fields, the header " +
                            std::to_string(values_.size()));
        }
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            values_[i] = parse_value(fields_[i], file_, lines_.line_number(), i + 1);
        }
        time_s = values_[0] * layout_.seconds_per_time_unit;
        values = std::span<const double>(values_).subspan(1);
        time_field = fields_[0];
        return true;
    }
    std::size_t line_number() const { return lines_.line_number(); }

  private:
    std::filesystem::path file_;
    LineReader lines_;
    CsvLayout layout_;
    std::string line_;
    std::vector<std::string_view> fields_;
    std::vector<double> values_;
};

RecordingInfo scan_csv(const std::filesystem::path& file) {
    RecordingInfo info;
    info.path = file;
    info.format = "CSV";
    std::int64_t rows = 0;
    double first_time = 0, last_time = 0, time_quantum_s = 0;
    std::size_t repeated_line = 0;  // the first row whose time equals the row's before
    {
        RowReader reader(file);
        info.channels = reader.layout().channels;
        for (auto& channel : info.channels) {
            channel.physical_min = std::numeric_limits<double>::infinity();
            channel.physical_max = -std::numeric_limits<double>::infinity();
        }
        std::size_t time_decimals = 0;
        double time_s = 0;
        std::span<const double> values;
        std::string_view time_field;
        while (reader.next(time_s, values, time_field)) {
            if (rows == 0) first_time = time_s;
            if (rows > 0 && time_s < last_time) {
                fail(file, "line " + std::to_string(reader.line_number()) +
                               ": time does not increase (" + number_text(time_s) + " s after " +
                               number_text(last_time) + " s)");
            }
            // Judged once the rate is known: a repeat is a time column printed too coarsely, or
            // a row given twice.
            if (rows > 0 && time_s == last_time && repeated_line == 0) {
                repeated_line = reader.line_number();
            }
            last_time = time_s;
            time_decimals = std::max(time_decimals, decimals(time_field));
            for (std::size_t c = 0; c < values.size(); ++c) {
                info.channels[c].physical_min = std::min(info.channels[c].physical_min, values[c]);
                info.channels[c].physical_max = std::max(info.channels[c].physical_max, values[c]);
            }
            ++rows;
        }
        time_quantum_s = std::pow(10.0, -static_cast<double>(time_decimals)) *
                         reader.layout().seconds_per_time_unit;
    }
    if (rows < 2) fail(file, "needs at least two rows of samples to know the sample rate");
    double interval = (last_time - first_time) / static_cast<double>(rows - 1);
    if (repeated_line != 0) {
        const std::string where = "line " + std::to_string(repeated_line) + ": ";
        // Times printed to a step as long as the sampling period or longer: 2048 Hz to the
        // millisecond puts two rows on one printed time, which is no fault of the sampling.
        if (interval > 0 && time_quantum_s >= interval) {
            fail(file, where + "the time repeats the row's before: the time column's resolution (" +
                           number_text(time_quantum_s) + " s) is too coarse for its sample rate (" +
                           number_text(1 / interval) + " Hz); write the times with more decimals");
        }
        fail(file, where + "time does not increase (the same time as the row before)");
    }
    double rate = 1.0 / interval;
    // Times printed with few decimals (or epoch times, whose doubles keep few) make the
    // estimate miss the true rate by a hair: 511.994 Hz for 512 Hz in milliseconds, 400.49999
    // for 400.5 Hz in microseconds, so that no EDF data record could hold it and `--annotate`
    // failed. The simplest rate on the grids that data records of 1, 2, 4, 5 or 10 s hold is
    // taken when the rounding of the first and last times explains the difference.
    const double time_resolution =
        std::max(time_quantum_s, 4 * std::numeric_limits<double>::epsilon() *
                                     std::max(std::abs(first_time), std::abs(last_time)));
    const double explained = rate * time_resolution / (last_time - first_time);
    for (const double grid_hz : {1.0, 0.5, 0.25, 0.2, 0.1}) {
        const double snapped = std::round(rate / grid_hz) * grid_hz;
        if (snapped >= grid_hz && std::abs(rate - snapped) <= explained) {
            rate = snapped;
            interval = 1.0 / snapped;
            break;
        }
    }
    // At least one sample a million seconds: a time column reaching 1e308 gave a rate of
    // 1e-308 Hz and a duration the JSON could only print as null.
    constexpr double kMinSampleRateHz = 1e-6;
    if (!(rate >= kMinSampleRateHz) || rate > kMaxSampleRateHz) {
        fail(file, "absurd sample rate " + number_text(rate) + " Hz from the time column");
    }
    // Regular sampling, checked row by row so that a message names the line where it breaks:
    // - each step from the row before spans one sampling period: a step of about two or more is
    //   rows missing (one dropped row at 1 kHz read as 999.9 Hz, accepted), one of less than
    //   half a period a row too many;
    // - each step is within kStepTolerance of the period, plus the resolution the times are
    //   printed with (512 Hz to the millisecond steps 1 or 2 ms for 1.95);
    // - every time lies within half a period of its place on the grid (or the resolution), which
    //   catches a clock drifting step by step; reported only when no step is wrong, since a
    //   missing row shifts the grid fitted through the first and last rows on every line.
    const double step_tolerance = kStepTolerance * interval + time_resolution;
    const double grid_tolerance = std::max(0.5 * interval, time_resolution);
    // The message, built only for the step that breaks the rule.
    const auto irregular_step = [&](std::size_t line, double step, double periods) {
        std::string what = "the time steps " + number_text(step) +
                           " s from the row before, where one sampling period at " +
                           number_text(rate) + " Hz is " + number_text(interval) + " s";
        if (periods >= 2) what += ": rows are missing";
        // A step a rounding of the printed times could explain: say so.
        if (std::abs(step - interval) < time_resolution) {
            what += " (or the times, printed to " + number_text(time_resolution) +
                    " s, are too coarse for this rate: write them with more decimals)";
        }
        fail(file, "line " + std::to_string(line) + ": irregular sampling: " + what +
                       "; resample to a fixed rate first");
    };
    std::string drift;
    RowReader reader(file);
    double time_s = 0, previous_s = 0;
    std::span<const double> values;
    std::string_view time_field;
    for (std::int64_t row = 0; reader.next(time_s, values, time_field); ++row) {
        if (row > 0) {
            const double step = time_s - previous_s;
            const double periods = std::round(step / interval);
            if (periods != 1 || std::abs(step - interval) > step_tolerance) {
                irregular_step(reader.line_number(), step, periods);
            }
        }
        previous_s = time_s;
        const double expected = first_time + static_cast<double>(row) * interval;
        if (drift.empty() && std::abs(time_s - expected) > grid_tolerance) {
            drift = "line " + std::to_string(reader.line_number()) +
                    ": irregular sampling: the times drift from a fixed rate (time " +
                    number_text(time_s) + " s, expected " + number_text(expected) +
                    " s); resample to a fixed rate first";
        }
    }
    if (!drift.empty()) fail(file, drift);
    for (auto& channel : info.channels) {
        channel.sample_rate_hz = rate;
        channel.sample_count = rows;
    }
    info.duration_s = static_cast<double>(rows) * interval;
    return info;
}

class CsvSampleReader final : public SampleReader {
  public:
    CsvSampleReader(RecordingInfo info, std::vector<std::size_t> channel_indices)
        : info_(std::move(info)), rows_(info_.path) {
        columns_ = choose_channels(info_, std::move(channel_indices), sample_rate_hz_);
    }
    const RecordingInfo& info() const override { return info_; }
    std::size_t channel_count() const override { return columns_.size(); }
    double sample_rate_hz() const override { return sample_rate_hz_; }

    std::size_t read(std::span<float> out, std::size_t max_frames, double& start_s) override {
        const std::size_t n = columns_.size();
        if (out.size() < max_frames * n) {
            throw std::invalid_argument("SampleReader::read: output span smaller than max_frames");
        }
        start_s = static_cast<double>(frame_) / sample_rate_hz_;
        std::size_t done = 0;
        double time_s = 0;
        std::span<const double> values;
        std::string_view time_field;
        while (done < max_frames && rows_.next(time_s, values, time_field)) {
            for (std::size_t c = 0; c < n; ++c) {
                out[done * n + c] = static_cast<float>(values[columns_[c]]);
            }
            ++done;
        }
        frame_ += static_cast<std::int64_t>(done);
        return done;
    }

  private:
    RecordingInfo info_;
    RowReader rows_;
    std::vector<std::size_t> columns_;
    double sample_rate_hz_ = 0;
    std::int64_t frame_ = 0;
};

}  // namespace

RecordingInfo read_csv_info(const std::filesystem::path& file) { return scan_csv(file); }

std::unique_ptr<SampleReader> open_csv_reader(const std::filesystem::path& file,
                                              std::vector<std::size_t> channel_indices) {
    return std::make_unique<CsvSampleReader>(scan_csv(file), std::move(channel_indices));
}

}  // namespace twitchwatch::signal::io
