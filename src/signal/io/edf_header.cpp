#include "io/edf_header.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::io {
namespace {

constexpr std::int64_t kFixedHeaderBytes = 256;
constexpr std::int64_t kBytesPerSignalHeader = 256;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& problem) {
    throw InputError(file.string() + ": " + problem);
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(' ');
    return text.substr(first, last - first + 1);
}

// Numeric header fields are space-padded ASCII; anything else makes the header corrupt.
double parse_number(std::string_view field, const std::filesystem::path& file,
                    const std::string& what) {
    const auto text = trim(field);
    double value = 0;
    // Some writers put a '+' in front of positive numbers; from_chars does not accept it.
    const auto digits = (!text.empty() && text.front() == '+') ? text.substr(1) : text;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
        !std::isfinite(value)) {
        fail(file, what + " is not a number: '" + header_text(field) + "'");
    }
    return value;
}

std::int64_t parse_integer(std::string_view field, const std::filesystem::path& file,
                           const std::string& what) {
    const double value = parse_number(field, file, what);
    if (value != std::floor(value) || std::abs(value) > 1e15) {
        fail(file, what + " is not a whole number: '" + header_text(field) + "'");
    }
    return static_cast<std::int64_t>(value);
}

// "dd.mm.yy" and "hh.mm.ss"; EDF+ gives the four-digit year in the recording field
// ("Startdate 02-MAR-2002 ..."), plain EDF uses 85-99 for 1985-1999 and 00-84 for 2000-2084.
std::string parse_start(std::string_view date, std::string_view time, std::string_view recording,
                        bool plus) {
    auto two_digits = [](std::string_view text, std::size_t at) {
        if (at + 2 > text.size() || text[at] < '0' || text[at] > '9' || text[at + 1] < '0' ||
            text[at + 1] > '9') {
            return -1;
        }
        return (text[at] - '0') * 10 + (text[at + 1] - '0');
    };
    const int day = two_digits(date, 0), month = two_digits(date, 3), yy = two_digits(date, 6);
    const int hour = two_digits(time, 0), minute = two_digits(time, 3),
              second = two_digits(time, 6);
    if (day < 1 || day > 31 || month < 1 || month > 12 || yy < 0 || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 60) {
        return {};
    }
    int year = yy >= 85 ? 1900 + yy : 2000 + yy;
    constexpr std::string_view kStartdate = "Startdate ";
    if (plus && recording.substr(0, kStartdate.size()) == kStartdate) {
        // "Startdate dd-MMM-yyyy": the year sits at characters 17..20 when present.
        const auto field = recording.substr(kStartdate.size(), 11);
        if (field.size() == 11 && two_digits(field, 7) >= 0 && two_digits(field, 9) >= 0) {
            year = two_digits(field, 7) * 100 + two_digits(field, 9);
        }
    }
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour,
                  minute, second);
    return text.data();
}

}  // namespace

std::string header_text(std::string_view field) {
    std::string text(trim(field));
    for (char& c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7e) c = '?';
    }
    return text;
}

std::string sanitize_utf8(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        if (lead < 0x80) {
            clean.push_back(lead < 0x20 || lead == 0x7f ? '?' : static_cast<char>(lead));
            ++i;
            continue;
        }
        if (lead >= 0xc2 && lead <= 0xdf)
            length = 2;
        else if (lead >= 0xe0 && lead <= 0xef)
            length = 3;
        else if (lead >= 0xf0 && lead <= 0xf4)
            length = 4;
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
        }
        if (valid && length >= 3) {
            // Reject overlong forms, surrogates and code points above U+10FFFF.
            const auto second = static_cast<unsigned char>(text[i + 1]);
            valid = !(lead == 0xe0 && second < 0xa0) && !(lead == 0xed && second > 0x9f) &&
                    !(lead == 0xf0 && second < 0x90) && !(lead == 0xf4 && second > 0x8f);
        }
        if (valid) {
            clean.append(text.substr(i, length));
            i += length;
        } else {
            clean.push_back('?');
            ++i;
        }
    }
    return clean;
}

bool looks_like_edf(std::string_view first_bytes) {
    return first_bytes.substr(0, 8) == "0       " || first_bytes.substr(0, 8) ==
                                                         "\xff"
                                                         "BIOSEMI";
}

const EdfSignal* EdfHeader::first_annotation_signal() const {
    if (!plus) return nullptr;  // annotation lists are EDF+/BDF+ only
    for (const auto& signal : signals) {
        if (signal.is_annotation) return &signal;
    }
    return nullptr;
}

EdfHeader read_edf_header(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(file, "cannot open the file");
    std::error_code size_error;
    const auto file_size = static_cast<std::int64_t>(std::filesystem::file_size(file, size_error));
    if (size_error) fail(file, "cannot read the file size");
    if (file_size == 0) fail(file, "the file is empty");
    if (file_size < kFixedHeaderBytes) {
        fail(file, "truncated: " + std::to_string(file_size) +
                       " bytes, shorter than the 256-byte EDF header");
    }

    std::string fixed(kFixedHeaderBytes, '\0');
    in.read(fixed.data(), kFixedHeaderBytes);
    if (!in) fail(file, "cannot read the header");
    const std::string_view head(fixed);
    if (!looks_like_edf(head)) fail(file, "not an EDF or BDF file (unknown version field)");

    EdfHeader header;
    header.path = file;
    header.bdf = head[0] == '\xff';
    const auto reserved = trim(head.substr(192, 44));
    const std::string_view family = header.bdf ? "BDF" : "EDF";
    header.plus = reserved.substr(0, 4) == std::string(family) + "+";
    header.discontinuous = header.plus && reserved.substr(0, 5) == std::string(family) + "+D";
    header.format = std::string(family) + (header.plus ? (header.discontinuous ? "+D" : "+C") : "");
    header.start =
        parse_start(head.substr(168, 8), head.substr(176, 8), head.substr(88, 80), header.plus);
    if (header.start.empty()) header.warnings.push_back("start date or time unreadable, ignored");

    const auto signal_count = parse_integer(head.substr(252, 4), file, "number of signals");
    if (signal_count < 1 || static_cast<std::size_t>(signal_count) > kMaxSignals) {
        fail(file, "number of signals " + std::to_string(signal_count) + " outside 1.." +
                       std::to_string(kMaxSignals));
    }
    header.header_bytes = parse_integer(head.substr(184, 8), file, "header size");
    const std::int64_t expected_header = kFixedHeaderBytes + kBytesPerSignalHeader * signal_count;
    if (header.header_bytes != expected_header) {
        fail(file, "wrong header size: the header says " + std::to_string(header.header_bytes) +
                       " bytes, " + std::to_string(signal_count) + " signals need " +
                       std::to_string(expected_header));
    }
    if (file_size < expected_header) {
        fail(file, "truncated: the header of " + std::to_string(signal_count) + " signals needs " +
                       std::to_string(expected_header) + " bytes, the file has " +
                       std::to_string(file_size));
    }
    header.record_duration_s = parse_number(head.substr(244, 8), file, "data record duration");
    const auto claimed_records = parse_integer(head.substr(236, 8), file, "number of data records");

    // Signal headers are stored field by field: all labels, then all transducers, and so on.
    const auto n = static_cast<std::size_t>(signal_count);
    std::string fields(static_cast<std::size_t>(expected_header - kFixedHeaderBytes), '\0');
    in.read(fields.data(), static_cast<std::streamsize>(fields.size()));
    if (!in) fail(file, "cannot read the signal headers");
    std::size_t cursor = 0;
    auto column = [&](std::size_t width) {
        std::vector<std::string_view> values(n);
        for (auto& value : values) {
            value = std::string_view(fields).substr(cursor, width);
            cursor += width;
        }
        return values;
    };
    const auto labels = column(16), transducers = column(80), units = column(8),
               physical_mins = column(8), physical_maxs = column(8), digital_mins = column(8),
               digital_maxs = column(8);
    column(80);  // prefiltering: not used
    const auto samples = column(8);

    const std::int64_t digital_limit = header.bdf ? 8388608 : 32768;
    const std::string annotation_label = std::string(family) + " Annotations";
    const std::string other_annotation_label = header.bdf ? "EDF Annotations" : "BDF Annotations";
    std::int64_t record_bytes = 0;
    header.signals.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto& signal = header.signals[i];
        const std::string name = "signal " + std::to_string(i + 1);
        signal.info.label = header_text(labels[i]);
        // Either family's label: a BDF+ written with "EDF Annotations" exists too. In a file not
        // marked EDF+/BDF+ such a signal is still no muscle signal (it was analysed as EMG at
        // 57 Hz and excluded everything); its bytes are left unread, since without the mark
        // they need not be annotation lists.
        signal.is_annotation =
            signal.info.label == annotation_label || signal.info.label == other_annotation_label;
        if (signal.is_annotation && !header.plus) {
            header.warnings.push_back("signal '" + signal.info.label +
                                      "' in a file not marked EDF+ or BDF+: not analysed, its "
                                      "annotations not read");
        }
        signal.info.transducer = header_text(transducers[i]);
        signal.info.physical_unit = header_text(units[i]);
        signal.samples_per_record = parse_integer(samples[i], file, name + " samples per record");
        if (signal.samples_per_record < 1) {
            fail(file, name + " '" + signal.info.label + "' has " +
                           std::to_string(signal.samples_per_record) +
                           " samples per record (must be at least 1)");
        }
        signal.byte_offset_in_record = record_bytes;
        record_bytes += signal.samples_per_record * header.bytes_per_sample();
        if (record_bytes > kMaxRecordBytes) {
            fail(file, "a data record would exceed " + std::to_string(kMaxRecordBytes >> 20) +
                           " MiB; the samples-per-record fields are corrupt");
        }
        if (signal.is_annotation) continue;  // its scaling fields carry no meaning
        const auto digital_min = parse_integer(digital_mins[i], file, name + " digital minimum");
        const auto digital_max = parse_integer(digital_maxs[i], file, name + " digital maximum");
        if (digital_min == digital_max) {
            fail(file, name + " '" + signal.info.label + "': digital minimum equals maximum (" +
                           std::to_string(digital_min) + "), the scaling is undefined");
        }
        if (digital_min > digital_max) {
            fail(file, name + " '" + signal.info.label + "': digital minimum " +
                           std::to_string(digital_min) + " above maximum " +
                           std::to_string(digital_max));
        }
        if (digital_min < -digital_limit || digital_max >= digital_limit) {
            fail(file, name + " '" + signal.info.label + "': digital range " +
                           std::to_string(digital_min) + ".." + std::to_string(digital_max) +
                           " does not fit " + std::to_string(header.bdf ? 24 : 16) +
                           "-bit samples");
        }
        signal.info.digital_min = static_cast<int>(digital_min);
        signal.info.digital_max = static_cast<int>(digital_max);
        signal.info.physical_min = parse_number(physical_mins[i], file, name + " physical minimum");
        signal.info.physical_max = parse_number(physical_maxs[i], file, name + " physical maximum");
        if (signal.info.physical_min == signal.info.physical_max) {
            fail(file, name + " '" + signal.info.label +
                           "': physical minimum equals maximum, the scaling is undefined");
        }
        // Samples are decoded to 32-bit floats (about 1e-38 to 3e38): a range of +-1e300 made
        // every sample infinite ("saturated"), one of +-1e-300 every sample 0 ("flat").
        constexpr double kLargestPhysical = 1e30, kSmallestStep = 1e-30;
        const double step = std::abs(signal.info.physical_max - signal.info.physical_min) /
                            static_cast<double>(digital_max - digital_min);
        if (std::abs(signal.info.physical_min) > kLargestPhysical ||
            std::abs(signal.info.physical_max) > kLargestPhysical || !(step >= kSmallestStep)) {
            fail(file, name + " '" + signal.info.label + "': physical range " +
                           number_text(signal.info.physical_min) + " to " +
                           number_text(signal.info.physical_max) +
                           " is beyond what 32-bit samples can hold");
        }
    }
    header.record_bytes = record_bytes;

    const bool has_signal_channel =
        std::any_of(header.signals.begin(), header.signals.end(),
                    [](const EdfSignal& signal) { return !signal.is_annotation; });
    if (has_signal_channel) {
        if (!(header.record_duration_s > 0)) {
            fail(file, "data record duration " + number_text(header.record_duration_s) +
                           " s must be positive for a file with signals");
        }
        for (auto& signal : header.signals) {
            const double rate =
                static_cast<double>(signal.samples_per_record) / header.record_duration_s;
            if (!signal.is_annotation && rate > kMaxSampleRateHz) {
                fail(file, "signal '" + signal.info.label + "': absurd sample rate " +
                               number_text(rate) + " Hz");
            }
            signal.info.sample_rate_hz = rate;
        }
    } else if (header.record_duration_s < 0) {
        fail(file, "negative data record duration");
    }

    // The data the file really holds wins over the header's count, which writers leave at -1
    // when they crash or stream, and which copy tools get wrong.
    const std::int64_t data_bytes = file_size - header.header_bytes;
    const std::int64_t whole_records = data_bytes / record_bytes;
    const std::int64_t leftover = data_bytes % record_bytes;
    if (whole_records == 0) fail(file, "holds no complete data record (truncated?)");
    if (claimed_records == -1) {
        header.warnings.push_back("number of data records is -1 (unknown); using the " +
                                  std::to_string(whole_records) + " the file holds");
    } else if (claimed_records != whole_records) {
        header.size_disagreement = "the header says " + std::to_string(claimed_records) +
                                   " data records of " + std::to_string(record_bytes) +
                                   " bytes, the file holds " + std::to_string(whole_records);
        header.warnings.push_back(header.size_disagreement + "; using those");
    }
    if (leftover != 0) {
        const std::string incomplete =
            std::to_string(leftover) + " bytes of an incomplete last data record";
        header.size_disagreement += (header.size_disagreement.empty() ? "" : " and ") + incomplete;
        header.warnings.push_back("ignoring " + incomplete);
    }
    header.record_count = whole_records;
    for (auto& signal : header.signals) {
        signal.info.sample_count = whole_records * signal.samples_per_record;
    }
    return header;
}

std::vector<TalEntry> parse_tal_block(std::string_view bytes, const std::filesystem::path& file,
                                      std::int64_t record) {
    auto malformed = [&](const std::string& problem) {
        fail(file,
             "data record " + std::to_string(record) + ": malformed annotation (" + problem + ")");
    };
    auto parse_seconds = [&](std::string_view text, bool signed_value) {
        if (signed_value) {
            if (text.empty() || (text.front() != '+' && text.front() != '-')) {
                malformed("onset without sign");
            }
        }
        const bool negative = !text.empty() && text.front() == '-';
        if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
        double value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value,
                                                  std::chars_format::fixed);
        if (text.empty() || error != std::errc{} || end != text.data() + text.size() ||
            !std::isfinite(value)) {
            malformed("bad time '" + header_text(text) + "'");
        }
        return negative ? -value : value;
    };

    std::vector<TalEntry> entries;
    std::size_t at = 0;
    while (at < bytes.size() && bytes[at] != '\0') {
        const auto end = bytes.find('\0', at);
        if (end == std::string_view::npos) malformed("TAL not terminated");
        const auto tal = bytes.substr(at, end - at);
        at = end + 1;
        const auto stamp_end = tal.find('\x14');
        if (stamp_end == std::string_view::npos) malformed("no separator after the onset");
        const auto stamp = tal.substr(0, stamp_end);
        const auto duration_mark = stamp.find('\x15');
        TalEntry base;
        base.onset_s = parse_seconds(stamp.substr(0, duration_mark), true);
        if (duration_mark != std::string_view::npos) {
            base.duration_s = parse_seconds(stamp.substr(duration_mark + 1), false);
        }
        // After the stamp: texts each closed by 0x14. An empty first text is a time-keeping TAL.
        auto rest = tal.substr(stamp_end + 1);
        bool any_text = false;
        while (!rest.empty()) {
            const auto text_end = rest.find('\x14');
            const auto text = rest.substr(0, text_end);
            if (!text.empty()) {
                TalEntry entry = base;
                entry.text = sanitize_utf8(text);
                entries.push_back(std::move(entry));
                any_text = true;
            }
            if (text_end == std::string_view::npos) break;
            rest.remove_prefix(text_end + 1);
        }
        if (!any_text) entries.push_back(base);
    }
    return entries;
}

}  // namespace twitchwatch::signal::io
