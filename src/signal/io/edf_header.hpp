#pragma once
// The fixed part of EDF/EDF+/BDF/BDF+ files, parsed and validated by our own code: EDFlib refuses
// EDF+D files and many real files that are merely odd, and every size read here is checked
// against the file before anything is allocated from it.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal::io {

// Limits beyond which a header is taken as corrupt rather than as a very large recording.
inline constexpr std::size_t kMaxSignals = 4096;
inline constexpr std::int64_t kMaxRecordBytes = 64 * 1024 * 1024;
inline constexpr double kMaxSampleRateHz = 10e6;  // 10 MHz: no biosignal ADC comes near it

struct EdfSignal {
    ChannelInfo info;
    bool is_annotation = false;
    std::int64_t samples_per_record = 0;
    std::int64_t byte_offset_in_record = 0;  // where this signal's samples start in a record
};

struct EdfHeader {
    std::filesystem::path path;
    bool bdf = false;            // 24-bit samples instead of 16-bit
    bool plus = false;           // EDF+ / BDF+
    bool discontinuous = false;  // "+D"
    std::string format;          // "EDF", "EDF+C", ...
    std::string start;           // ISO 8601, "" when the header's date is unreadable
    std::int64_t header_bytes = 0;
    std::int64_t record_bytes = 0;
    std::int64_t record_count = 0;  // what the file holds (whole records), not what it claims
    double record_duration_s = 0;
    std::vector<EdfSignal> signals;  // all signals, annotation signals included, in file order
    std::vector<std::string> warnings;
    // How the file's size disagrees with the header's record count and size ("" when it does
    // not): with annotations that do not parse either, it points at a wrong record layout.
    std::string size_disagreement;

    int bytes_per_sample() const { return bdf ? 3 : 2; }
    const EdfSignal* first_annotation_signal() const;
};

// Reads and validates the header of `file`. Throws InputError naming the file and the problem.
EdfHeader read_edf_header(const std::filesystem::path& file);

// True when the first bytes look like an EDF or BDF file.
bool looks_like_edf(std::string_view first_bytes);

// One time-stamped annotation list (TAL) entry of an annotation signal.
struct TalEntry {
    double onset_s = 0;
    double duration_s = 0;
    std::string text;  // "" for the time-keeping entry that starts each record
};

// Parses the annotation bytes of one data record. The first entry of a well-formed record is the
// time-keeping stamp (empty text). Throws InputError (naming `file` and `record`) when malformed.
std::vector<TalEntry> parse_tal_block(std::string_view bytes, const std::filesystem::path& file,
                                      std::int64_t record);

// Printable ASCII kept, every other byte replaced by '?', surrounding spaces trimmed.
std::string header_text(std::string_view field);
// Valid UTF-8 kept, every byte of an invalid sequence and control characters replaced by '?'.
std::string sanitize_utf8(std::string_view text);

}  // namespace twitchwatch::signal::io
