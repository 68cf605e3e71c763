// EDF+/BDF+ writing through EDFlib, which knows the format's corners (header layout, annotation
// signals, TAL encoding) and is what EDFbrowser itself writes with.
#include <edflib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "io/readers.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal {
namespace {

// EDFlib stores annotation onsets and durations in units of 100 microseconds.
constexpr double kAnnotationUnitsPerSecond = 10000.0;
// EDFlib sets the data record duration in units of 10 microseconds.
constexpr double kRecordDurationUnitsPerSecond = 100000.0;
// Each annotation signal holds one annotation per data record; EDFlib allows up to 64 signals.
constexpr int kMaxAnnotationSignals = 64;
// `text` cut to what EDFlib stores, before the first UTF-8 character that does not fit whole:
// EDFlib's own cut went through the middle of a 'ü', and MNE refused the file as invalid UTF-8.
std::string_view fit_annotation_text(std::string_view text) {
    if (text.size() <= EdfPlusWriter::kAnnotationTextBytes) return text;
    std::size_t end = EdfPlusWriter::kAnnotationTextBytes;
    // text[end] is the first byte left out; while it continues a character, that character
    // began inside the kept part and goes too.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    return text.substr(0, end);
}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& problem) {
    throw InputError(file.string() + ": " + problem);
}

// An EDF header holds the physical minimum and maximum as 8 ASCII characters, and EDFlib cuts
// what does not fit (0.0000478 became "0.000047", 1e9 "10000000"): samples digitised against
// the exact range were then read back against another one. The range written is therefore one
// that 8 characters hold exactly, rounded outwards (`round_up` for the upper end), and the
// samples are digitised against that; nothing when no 8 characters reach the value.
constexpr std::size_t kHeaderNumberChars = 8;

// EDFlib prints header numbers digit by digit, truncating: 1234.568, stored as 1234.5679999...,
// came out as "1234.567". A nudge of a millionth of a millionth away from zero, far below the
// last digit of an 8-character field, makes it print the decimal meant.
double for_edflib(double header_value) { return header_value * (1 + 1e-12); }

std::optional<double> header_number(double value, bool round_up) {
    for (int decimals = 6; decimals >= 0; --decimals) {
        const double scale = std::pow(10.0, decimals);
        double rounded = (round_up ? std::ceil(value * scale) : std::floor(value * scale)) / scale;
        if (rounded == 0) rounded = 0;  // no "-0"
        char text[64];
        const int length = std::snprintf(text, sizeof text, "%.*f", decimals, rounded);
        if (length > 0 && static_cast<std::size_t>(length) <= kHeaderNumberChars) {
            return std::strtod(text, nullptr);  // the number a reader parses from the field
        }
    }
    return std::nullopt;
}

}  // namespace

class EdfPlusWriter::Impl {
  public:
    Impl(std::filesystem::path file, std::vector<WriteChannel> channels, double record_duration_s,
         bool bdf)
        : file_(std::move(file)),
          channels_(std::move(channels)),
          record_duration_s_(record_duration_s) {
        if (channels_.empty()) fail(file_, "cannot write a recording without channels");
        if (channels_.size() > EDFLIB_MAXSIGNALS) {
            fail(file_, "EDFlib writes at most " + std::to_string(EDFLIB_MAXSIGNALS) + " channels");
        }
        const double duration_units = record_duration_s * kRecordDurationUnitsPerSecond;
        if (!(record_duration_s >= 0.001 && record_duration_s <= 60) ||
            std::abs(duration_units - std::round(duration_units)) > 1e-6) {
            fail(file_, "data record duration " + number_text(record_duration_s) +
                            " s must be a multiple of 10 us between 0.001 and 60 s");
        }
        for (auto& channel : channels_) {
            const double per_record = channel.sample_rate_hz * record_duration_s;
            if (!(per_record >= 1) || std::abs(per_record - std::round(per_record)) > 1e-6) {
                fail(file_, "channel '" + channel.label +
                                "': " + number_text(channel.sample_rate_hz) +
                                " Hz is not a whole number of samples per data record of " +
                                number_text(record_duration_s) + " s");
            }
            if (channel.physical_min == channel.physical_max ||
                !std::isfinite(channel.physical_min) || !std::isfinite(channel.physical_max)) {
                fail(file_, "channel '" + channel.label +
                                "': physical minimum and maximum must "
                                "be finite and differ");
            }
            fit_range_to_header(channel);
            samples_per_record_.push_back(static_cast<std::size_t>(std::lround(per_record)));
            pending_.emplace_back();
            pending_.back().reserve(samples_per_record_.back());
        }
        // EDFlib's limit on a data record (10 MB for EDF+, 15 MB for BDF+), checked here so the
        // message says what is too large ("could not write a data record (disk full?)" before).
        const std::size_t record_limit = bdf ? 15 * 1024 * 1024 : 10 * 1024 * 1024;
        std::size_t record_bytes = 0;
        for (const auto samples : samples_per_record_) record_bytes += samples * (bdf ? 3 : 2);
        if (record_bytes > record_limit) {
            fail(file_, "a data record of " + std::to_string(record_bytes) +
                            " bytes is more than EDFlib writes (" + std::to_string(record_limit) +
                            "): too many channels or too high a sample rate");
        }
        errno = 0;
        handle_ = edfopen_file_writeonly(file_.c_str(),
                                         bdf ? EDFLIB_FILETYPE_BDFPLUS : EDFLIB_FILETYPE_EDFPLUS,
                                         static_cast<int>(channels_.size()));
        if (handle_ < 0) {
            // EDFlib opens with fopen: errno says why ("Is a directory", "Permission denied").
            fail(file_, "cannot create the file" +
                            (errno != 0 ? ": " + std::string(std::strerror(errno))
                                        : " (EDFlib error " + std::to_string(handle_) + ")"));
        }
        const int digital_max = bdf ? 8388607 : 32767;
        digital_max_ = digital_max;
        digital_min_ = -digital_max - 1;
        bool ok = true;
        for (std::size_t i = 0; i < channels_.size(); ++i) {
            const auto& channel = channels_[i];
            const int signal = static_cast<int>(i);
            ok = ok &&
                 edf_set_samplefrequency(handle_, signal,
                                         static_cast<int>(samples_per_record_[i])) == 0 &&
                 edf_set_physical_maximum(handle_, signal, for_edflib(channel.physical_max)) == 0 &&
                 edf_set_physical_minimum(handle_, signal, for_edflib(channel.physical_min)) == 0 &&
                 edf_set_digital_maximum(handle_, signal, digital_max) == 0 &&
                 edf_set_digital_minimum(handle_, signal, -digital_max - 1) == 0 &&
                 edf_set_label(handle_, signal, channel.label.c_str()) == 0 &&
                 edf_set_physical_dimension(handle_, signal, channel.physical_unit.c_str()) == 0 &&
                 edf_set_transducer(handle_, signal, channel.transducer.c_str()) == 0;
        }
        if (ok && record_duration_s != 1.0) {
            ok = edf_set_datarecord_duration(handle_,
                                             static_cast<int>(std::lround(duration_units))) == 0;
        }
        // A fixed start (the anonymisation convention) keeps written files repeatable; a copy
        // takes its input's start through set_start().
        ok = ok && edf_set_startdatetime(handle_, 1985, 1, 1, 0, 0, 0) == 0;
        if (!ok) {
            edfclose_file(handle_);
            handle_ = -1;
            fail(file_, "EDFlib refused the channel description");
        }
    }

    ~Impl() {
        if (handle_ >= 0) edfclose_file(handle_);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    void set_start(int year, int month, int day, int hour, int minute, int second) {
        if (started_ ||
            edf_set_startdatetime(handle_, year, month, day, hour, minute, second) != 0) {
            fail(file_,
                 "cannot set the start date and time (before the first samples only, "
                 "years 1985-2084)");
        }
    }

    void reserve_annotations(std::size_t count, double recording_duration_s) {
        if (started_) fail(file_, "annotation room must be reserved before the first samples");
        const auto records = static_cast<std::size_t>(
            std::ceil(std::max(0.0, recording_duration_s) / record_duration_s_));
        const std::size_t per_record = records == 0 ? count : (count + records - 1) / records;
        const int signals =
            static_cast<int>(std::clamp<std::size_t>(per_record + 1, 1, kMaxAnnotationSignals));
        if (edf_set_number_of_annotation_signals(handle_, signals) == 0) {
            annotation_signals_ = static_cast<std::size_t>(signals);
        }
    }

    void write_frames(std::span<const float> frames, std::size_t frame_count) {
        const std::size_t n = channels_.size();
        for (std::size_t c = 1; c < n; ++c) {
            if (samples_per_record_[c] != samples_per_record_[0]) {
                throw std::invalid_argument(
                    "EdfPlusWriter::write: interleaved frames need one sample rate for all "
                    "channels");
            }
        }
        if (frames.size() < frame_count * n) {
            throw std::invalid_argument("EdfPlusWriter::write: fewer values than frames");
        }
        for (std::size_t f = 0; f < frame_count; ++f) {
            for (std::size_t c = 0; c < n; ++c) pending_[c].push_back(frames[f * n + c]);
            if (pending_[0].size() == samples_per_record_[0]) flush_record();
        }
    }

    void write_record(std::span<const std::vector<double>> samples) {
        if (samples.size() != channels_.size() || !pending_[0].empty()) {
            throw std::invalid_argument(
                "EdfPlusWriter::write_record: one vector per channel, between whole records");
        }
        for (std::size_t c = 0; c < channels_.size(); ++c) {
            if (samples[c].size() != samples_per_record_[c]) {
                throw std::invalid_argument("EdfPlusWriter::write_record: channel " +
                                            std::to_string(c) + " needs " +
                                            std::to_string(samples_per_record_[c]) + " samples");
            }
            pending_[c] = samples[c];
        }
        flush_record();
    }

    bool annotate(double onset_s, double duration_s, std::string_view text) {
        if (handle_ < 0) fail(file_, "annotation after close");
        const std::string description(fit_annotation_text(text));
        const auto onset = std::llround(onset_s * kAnnotationUnitsPerSecond);
        const auto duration =
            duration_s > 0 ? std::llround(duration_s * kAnnotationUnitsPerSecond) : -1LL;
        if (edfwrite_annotation_utf8(handle_, onset, duration, description.c_str()) != 0) {
            fail(file_, "EDFlib could not store the annotation '" + description + "'");
        }
        ++annotation_count_;
        return description.size() < text.size();
    }

    void close() {
        if (handle_ < 0) return;
        if (!pending_[0].empty()) {
            // Pad the last record: EDF has no partial records.
            for (std::size_t c = 0; c < channels_.size(); ++c) {
                pending_[c].resize(samples_per_record_[c], 0.0);
            }
            flush_record();
        }
        const int handle = handle_;
        handle_ = -1;
        if (edfclose_file(handle) != 0) fail(file_, "EDFlib could not finish the file");
        write_record_duration_field();
        // EDFlib puts annotation k in data record k (per annotation signal) and silently drops
        // those that find no room: say so rather than lose them.
        const std::size_t room = records_written_ * annotation_signals_;
        if (annotation_count_ > room) {
            fail(file_, std::to_string(annotation_count_) + " annotations do not fit: room for " +
                            std::to_string(room) + " in " + std::to_string(records_written_) +
                            " data records (one per record and annotation signal, at most " +
                            std::to_string(kMaxAnnotationSignals) + " signals)");
        }
    }

  private:
    // EDFlib prints the data record duration by truncating its double: 1.025 s, stored as
    // 1.02499999..., became "1.024999", and the copy of a 1 kHz recording read 1000.001 Hz. The
    // field (8 characters at byte 244) is written again with the decimal meant; a multiple of
    // 10 us up to 60 s fits in 8 characters with 5 decimals.
    void write_record_duration_field() const {
        if (record_duration_s_ == 1.0) return;  // EDFlib's default, written as "1"
        char text[32];
        std::snprintf(text, sizeof text, "%.5f", record_duration_s_);
        std::string field(text);
        field.erase(field.find_last_not_of('0') + 1);
        if (field.back() == '.') field.pop_back();
        field.resize(kHeaderNumberChars, ' ');
        std::FILE* file = std::fopen(file_.c_str(), "r+b");
        const bool ok = file != nullptr && std::fseek(file, 244, SEEK_SET) == 0 &&
                        std::fwrite(field.data(), 1, field.size(), file) == field.size();
        if (file == nullptr || std::fclose(file) != 0 || !ok) {
            fail(file_, "cannot write the data record duration into the header");
        }
    }

    static std::string unit_suffix(const WriteChannel& channel) {
        return channel.physical_unit.empty() ? "" : " " + channel.physical_unit;
    }

    // Widens the channel's range to the nearest one an EDF header holds exactly (an inverted
    // range, minimum above maximum, stays inverted).
    void fit_range_to_header(WriteChannel& channel) const {
        const bool inverted = channel.physical_min > channel.physical_max;
        const double low = std::min(channel.physical_min, channel.physical_max);
        const double high = std::max(channel.physical_min, channel.physical_max);
        const auto written_low = header_number(low, false);
        const auto written_high = header_number(high, true);
        if (!written_low || !written_high) {
            fail(file_, "channel '" + channel.label + "': physical range " + number_text(low) +
                            " to " + number_text(high) + unit_suffix(channel) +
                            " does not fit the 8 characters of an EDF header (EDFlib writes plain "
                            "decimals); write it in a larger unit");
        }
        // A range far below the header's resolution would be widened beyond recognition
        // (+-1e-9 V became +-0.000001 V: six distinct sample values left of thousands).
        constexpr double kMostWidening = 16;  // at most 4 of the 16 bits lost
        if (*written_high - *written_low > kMostWidening * (high - low)) {
            fail(file_, "channel '" + channel.label + "': physical range " + number_text(low) +
                            " to " + number_text(high) + unit_suffix(channel) +
                            " is too narrow for the 8 characters of an EDF header; write it in a "
                            "smaller unit");
        }
        channel.physical_min = inverted ? *written_high : *written_low;
        channel.physical_max = inverted ? *written_low : *written_high;
    }

    // Physical to digital with rounding to the nearest step (EDFlib's own conversion truncates,
    // which costs up to a whole step and makes copies drift by one step).
    void flush_record() {
        started_ = true;
        ++records_written_;
        for (std::size_t c = 0; c < channels_.size(); ++c) {
            const auto& channel = channels_[c];
            const double steps_per_unit =
                (digital_max_ - digital_min_) / (channel.physical_max - channel.physical_min);
            digital_.resize(pending_[c].size());
            for (std::size_t i = 0; i < digital_.size(); ++i) {
                const double digital =
                    std::round((pending_[c][i] - channel.physical_min) * steps_per_unit) +
                    digital_min_;
                digital_[i] = static_cast<int>(
                    std::clamp(std::isnan(digital) ? 0.0 : digital, digital_min_, digital_max_));
            }
            errno = 0;
            if (edfwrite_digital_samples(handle_, digital_.data()) != 0) {
                fail(file_, "cannot write a data record" +
                                (errno != 0 ? ": " + std::string(std::strerror(errno)) : ""));
            }
            pending_[c].clear();
        }
    }

    std::filesystem::path file_;
    std::vector<WriteChannel> channels_;
    double record_duration_s_;
    std::vector<std::size_t> samples_per_record_;
    std::vector<std::vector<double>> pending_;  // the data record being filled, per channel
    double digital_min_ = 0, digital_max_ = 0;
    std::vector<int> digital_;  // one channel's record, converted
    int handle_ = -1;
    bool started_ = false;
    std::size_t records_written_ = 0;
    std::size_t annotation_signals_ = 1;  // EDFlib's default
    std::size_t annotation_count_ = 0;
};

EdfPlusWriter::EdfPlusWriter(const std::filesystem::path& file, std::vector<WriteChannel> channels,
                             double record_duration_s, bool bdf)
    : impl_(std::make_unique<Impl>(file, std::move(channels), record_duration_s, bdf)) {}
EdfPlusWriter::~EdfPlusWriter() {
    if (!impl_) return;  // moved from
    try {
        impl_->close();
    } catch (const std::exception&) {
        // A destructor must not throw; callers who care about errors call close() themselves.
    }
}
EdfPlusWriter::EdfPlusWriter(EdfPlusWriter&&) noexcept = default;
EdfPlusWriter& EdfPlusWriter::operator=(EdfPlusWriter&&) noexcept = default;

void EdfPlusWriter::write(std::span<const float> frames, std::size_t frame_count) {
    impl_->write_frames(frames, frame_count);
}
bool EdfPlusWriter::annotate(double onset_s, double duration_s, std::string_view text) {
    return impl_->annotate(onset_s, duration_s, text);
}
void EdfPlusWriter::close() { impl_->close(); }
void EdfPlusWriter::write_record(std::span<const std::vector<double>> samples) {
    impl_->write_record(samples);
}
void EdfPlusWriter::reserve_annotations(std::size_t count, double recording_duration_s) {
    impl_->reserve_annotations(count, recording_duration_s);
}
void EdfPlusWriter::set_start(std::string_view iso8601) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    const std::string text(iso8601);
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                    &second) != 6) {
        throw InputError("start '" + text + "' is not YYYY-MM-DDThh:mm:ss");
    }
    impl_->set_start(year, month, day, hour, minute, second);
}

}  // namespace twitchwatch::signal
