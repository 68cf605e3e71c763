#pragma once
// Builds EDF/BDF files byte by byte, so tests can make the odd and broken files that no writer
// produces on purpose (record count -1, EDF+D gaps, inverted polarity, corrupt fields).

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tw_test {

struct RawSignal {
    std::string label = "EMG1";
    std::string transducer = "AgAgCl";
    std::string unit = "uV";
    std::string physical_min = "-1000";
    std::string physical_max = "1000";
    std::string digital_min = "-32768";
    std::string digital_max = "32767";
    std::string samples_per_record = "4";
};

struct RawHeader {
    bool bdf = false;
    std::string reserved;  // "EDF+C", "EDF+D", ...
    std::string record_count = "2";
    std::string record_duration = "1";
    std::string header_bytes;  // "" = correct value
    std::string signal_count;  // "" = correct value
    std::string start_date = "01.02.03";
    std::string start_time = "04.05.06";
    std::string patient = "X X X X";
    std::string recording = "Startdate X X X X";
    std::vector<RawSignal> signals;
};

// The annotation signal of an EDF+ (or BDF+) file: `samples` two-byte (three-byte) samples a
// record hold its annotation lists; unit and transducer blank, as the format asks.
inline RawSignal annotation_signal(const std::string& label = "EDF Annotations",
                                   const std::string& samples = "30") {
    RawSignal annotations;
    annotations.label = label;
    annotations.unit = "";
    annotations.transducer = "";
    annotations.samples_per_record = samples;
    return annotations;
}

inline std::string field(const std::string& text, std::size_t width) {
    std::string out = text.substr(0, width);
    out.resize(width, ' ');
    return out;
}

inline std::string edf_header(const RawHeader& h) {
    const std::size_t n = h.signals.size();
    std::string out;
    out += h.bdf ? std::string(
                       "\xff"
                       "BIOSEMI")
                 : field("0", 8);
    out += field(h.patient, 80) + field(h.recording, 80);
    out += field(h.start_date, 8) + field(h.start_time, 8);
    out += field(h.header_bytes.empty() ? std::to_string(256 * (n + 1)) : h.header_bytes, 8);
    out += field(h.reserved, 44);
    out += field(h.record_count, 8) + field(h.record_duration, 8);
    out += field(h.signal_count.empty() ? std::to_string(n) : h.signal_count, 4);
    auto column = [&](auto member, std::size_t width) {
        for (const auto& s : h.signals) out += field(s.*member, width);
    };
    column(&RawSignal::label, 16);
    column(&RawSignal::transducer, 80);
    column(&RawSignal::unit, 8);
    column(&RawSignal::physical_min, 8);
    column(&RawSignal::physical_max, 8);
    column(&RawSignal::digital_min, 8);
    column(&RawSignal::digital_max, 8);
    for (std::size_t i = 0; i < n; ++i) out += field("", 80);  // prefiltering
    column(&RawSignal::samples_per_record, 8);
    for (std::size_t i = 0; i < n; ++i) out += field("", 32);  // reserved
    return out;
}

// Little-endian two's complement, 2 bytes (EDF) or 3 (BDF).
inline void append_sample(std::string& out, std::int32_t value, bool bdf) {
    const auto bits = static_cast<std::uint32_t>(value);
    out.push_back(static_cast<char>(bits & 0xff));
    out.push_back(static_cast<char>((bits >> 8) & 0xff));
    if (bdf) out.push_back(static_cast<char>((bits >> 16) & 0xff));
}

// An annotation signal's bytes for one record: TALs, zero-padded to `bytes`.
inline std::string tal_bytes(const std::string& tals, std::size_t bytes) {
    std::string out = tals;
    out.resize(bytes, '\0');
    return out;
}

inline std::string time_keeping_tal(const std::string& onset) { return onset + "\x14\x14" + '\0'; }

inline std::filesystem::path temp_file(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("twitchwatch-signal-tests-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

inline std::filesystem::path write_file(const std::string& name, const std::string& bytes) {
    const auto path = temp_file(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

}  // namespace tw_test
