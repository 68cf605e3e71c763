// EDF/BDF samples decoded a data record at a time (EDFlib decodes one byte at a time and refuses
// EDF+D files). tests/signal/test_recording_edflib.cpp holds this decoder equal to EDFlib, and
// tests/signal/compare_with_mne.py to MNE.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

#include "cache_line_vector.hpp"
#include "io/edf_decode.hpp"
#include "io/edf_header.hpp"
#include "io/readers.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::io {
namespace {

// Bytes read from the file in one go (at least one record): small enough that the block is still
// in the L2 cache when it is decoded (4 MiB blocks decoded ~10% slower), large enough that the
// system calls do not count.
constexpr std::int64_t kBlockBytes = 256 * 1024;

RecordingInfo info_from_header(const EdfHeader& header) {
    RecordingInfo info;
    info.path = header.path;
    info.format = header.format;
    info.start = header.start;
    info.duration_s = static_cast<double>(header.record_count) * header.record_duration_s;
    info.record_duration_s = header.record_duration_s;
    info.warnings = header.warnings;
    for (const auto& signal : header.signals) {
        if (!signal.is_annotation) info.channels.push_back(signal.info);
    }
    return info;
}

std::vector<const EdfSignal*> signal_channels(const EdfHeader& header) {
    std::vector<const EdfSignal*> channels;
    for (const auto& signal : header.signals) {
        if (!signal.is_annotation) channels.push_back(&signal);
    }
    return channels;
}

// Reads whole data records, a block at a time, from an open EDF/BDF file. POSIX pread: one
// system call per block or annotation field, where a stream re-filled its 8 KiB buffer after
// every seek (the annotation scan reads a few bytes of every record). Mapping the file instead
// was slower here: setting up the page tables costs more than the kernel's copy.
class RecordFile {
  public:
    explicit RecordFile(const EdfHeader& header)
        : header_(header), descriptor_(::open(header.path.c_str(), O_RDONLY | O_CLOEXEC)) {
        if (descriptor_ < 0) throw InputError(header.path.string() + ": cannot open the file");
    }
    RecordFile(const RecordFile&) = delete;
    RecordFile& operator=(const RecordFile&) = delete;
    ~RecordFile() { ::close(descriptor_); }

    // Reads `count` records starting at `first` into `buffer` (resized to fit).
    void read(std::int64_t first, std::int64_t count, CacheLineVector<unsigned char>& buffer) {
        buffer.resize(static_cast<std::size_t>(count * header_.record_bytes));
        read_bytes(header_.header_bytes + first * header_.record_bytes, buffer.data(),
                   buffer.size());
    }
    void read_bytes(std::int64_t offset, unsigned char* out, std::size_t size) {
        std::size_t done = 0;
        while (done < size) {
            const ssize_t got =
                ::pread(descriptor_, out + done, size - done,
                        static_cast<off_t>(offset + static_cast<std::int64_t>(done)));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                // The size was checked when the header was read: the file shrank under us.
                throw InputError(header_.path.string() + ": read failed at byte " +
                                 std::to_string(offset) + " (file truncated while reading?)");
            }
            done += static_cast<std::size_t>(got);
        }
    }

  private:
    const EdfHeader& header_;
    int descriptor_;
};

std::string_view annotation_bytes(const EdfHeader& header, const EdfSignal& signal,
                                  const unsigned char* record) {
    return {reinterpret_cast<const char*>(record + signal.byte_offset_in_record),
            static_cast<std::size_t>(signal.samples_per_record * header.bytes_per_sample())};
}

// The annotations of one record. A wrong number of samples per record in the header shifts
// every field after it, so the annotation bytes are read from the wrong place and the file's
// size stops matching the header: when both happen, the error says so.
std::vector<TalEntry> parse_record_annotations(const EdfHeader& header, std::string_view bytes,
                                               std::int64_t record) {
    try {
        return parse_tal_block(bytes, header.path, record);
    } catch (const InputError& e) {
        if (header.size_disagreement.empty()) throw;
        throw InputError(std::string(e.what()) + "; and " + header.size_disagreement +
                         ": the header's samples per record may not match the data");
    }
}

// The start of a data record in seconds from the first sample: from its time-keeping TAL in
// EDF+D/BDF+D files (whose records may have gaps between them), else from its index.
double record_start_s(const EdfHeader& header, std::int64_t index, const unsigned char* record,
                      double first_record_s) {
    const auto* annotations = header.first_annotation_signal();
    if (!header.discontinuous || annotations == nullptr) {
        return static_cast<double>(index) * header.record_duration_s;
    }
    const auto entries =
        parse_record_annotations(header, annotation_bytes(header, *annotations, record), index);
    if (entries.empty() || !entries.front().text.empty()) {
        throw InputError(header.path.string() + ": data record " + std::to_string(index) +
                         " of an EDF+D file has no time-keeping annotation");
    }
    return entries.front().onset_s - first_record_s;
}

// The time stamp of the first data record: the time-keeping entry that opens the first
// annotation signal of record 0 (0 without one). It is the sub-second part of the start (EDF+
// headers give whole seconds), so times are counted from it: time 0 is the first sample, as in
// EDFlib.
double first_record_stamp(const EdfHeader& header, RecordFile& file) {
    const auto* signal = header.first_annotation_signal();
    if (signal == nullptr || header.record_count == 0) return 0;
    std::vector<unsigned char> bytes(
        static_cast<std::size_t>(signal->samples_per_record * header.bytes_per_sample()));
    file.read_bytes(header.header_bytes + signal->byte_offset_in_record, bytes.data(),
                    bytes.size());
    const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const auto entries = parse_record_annotations(header, view, 0);
    return !entries.empty() && entries.front().text.empty() ? entries.front().onset_s : 0;
}

// Annotations of every annotation signal, by onset from the first record's time stamp.
struct AnnotationScan {
    std::vector<Annotation> annotations;
    double first_record_s = 0;
};

AnnotationScan scan_annotations(const EdfHeader& header) {
    AnnotationScan scan;
    RecordFile file(header);
    scan.first_record_s = first_record_stamp(header, file);
    std::vector<unsigned char> bytes;
    for (const auto& signal : header.signals) {
        if (!signal.is_annotation || !header.plus) continue;
        bytes.resize(
            static_cast<std::size_t>(signal.samples_per_record * header.bytes_per_sample()));
        for (std::int64_t record = 0; record < header.record_count; ++record) {
            file.read_bytes(
                header.header_bytes + record * header.record_bytes + signal.byte_offset_in_record,
                bytes.data(), bytes.size());
            const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            for (auto& entry : parse_record_annotations(header, view, record)) {
                if (entry.text.empty()) continue;  // time keeping, not an event
                scan.annotations.push_back(
                    {entry.onset_s, entry.duration_s, std::move(entry.text)});
            }
        }
    }
    for (auto& annotation : scan.annotations) annotation.onset_s -= scan.first_record_s;
    std::stable_sort(
        scan.annotations.begin(), scan.annotations.end(),
        [](const Annotation& a, const Annotation& b) { return a.onset_s < b.onset_s; });
    return scan;
}

RecordingInfo info_with_annotations(const EdfHeader& header, AnnotationScan scan) {
    auto info = info_from_header(header);
    info.annotations = std::move(scan.annotations);
    if (!info.start.empty() && scan.first_record_s > 0 && scan.first_record_s < 1) {
        // Truncated, not rounded, to 7 digits (0.1 us): a stamp of 0.99999999 rounded to
        // "1.0000000", which left "...:00." (not ISO 8601) or, cut off, a start 1 s early.
        constexpr double kDigits = 1e7;
        std::array<char, 16> fraction{};
        std::snprintf(fraction.data(), fraction.size(), "%.7f",
                      std::floor(scan.first_record_s * kDigits) / kDigits);
        std::string digits(fraction.data() + 1);  // ".5000000"
        digits.erase(digits.find_last_not_of('0') + 1);
        if (digits != ".") info.start += digits;  // "." when below 0.1 us
    }
    return info;
}

// Digital to physical: phys = (dig - dmin) * (pmax - pmin) / (dmax - dmin) + pmin, folded into
// one multiply-add. A physical minimum above the maximum gives a negative gain: inverted polarity.
struct Scaling {
    double gain = 1, offset = 0;
    explicit Scaling(const ChannelInfo& channel) {
        gain = (channel.physical_max - channel.physical_min) /
               static_cast<double>(channel.digital_max - channel.digital_min);
        offset = channel.physical_min - gain * channel.digital_min;
    }
};

class EdfSampleReader final : public SampleReader {
  public:
    EdfSampleReader(EdfHeader header, std::vector<std::size_t> channel_indices)
        : header_(std::move(header)), file_(header_), info_(info_from_header(header_)) {
        first_record_s_ = first_record_stamp(header_, file_);
        const auto chosen = choose_channels(info_, std::move(channel_indices), sample_rate_hz_);
        const auto all = signal_channels(header_);
        std::vector<DecodeChannel> decode_channels;
        for (const auto index : chosen) {
            const Scaling scaling(all[index]->info);
            decode_channels.push_back({static_cast<std::size_t>(all[index]->byte_offset_in_record),
                                       scaling.gain, scaling.offset});
        }
        channel_count_ = chosen.size();
        frames_per_record_ = all[chosen.front()]->samples_per_record;
        decoder_.emplace(std::move(decode_channels), header_.bytes_per_sample());
        records_per_block_ = std::max<std::int64_t>(1, kBlockBytes / header_.record_bytes);
    }

    // The annotations are read on the first call: they cost one read per data record, and
    // detect_recording opens a file's readers after reading its info (read_edf_info) already.
    const RecordingInfo& info() const override {
        if (!annotations_read_) {
            info_ = info_with_annotations(header_, scan_annotations(header_));
            annotations_read_ = true;
        }
        return info_;
    }
    std::size_t channel_count() const override { return channel_count_; }
    double sample_rate_hz() const override { return sample_rate_hz_; }

    std::size_t read(std::span<float> out, std::size_t max_frames, double& start_s) override {
        const std::size_t n = channel_count_;
        if (out.size() < max_frames * n) {
            throw std::invalid_argument("SampleReader::read: output span smaller than max_frames");
        }
        std::size_t done = 0;
        while (done < max_frames && record_ < header_.record_count) {
            const unsigned char* record = current_record();
            if (start_record_ != record_) {
                record_start_ = record_start_s(header_, record_, record, first_record_s_);
                start_record_ = record_;
            }
            const double this_start = record_start_;
            if (record_ > 0 && this_start < expected_start_ - 0.5 / sample_rate_hz_) {
                // EDF+D records must follow each other in time; one that starts before its
                // predecessor ends gave negative or piled-up event times.
                throw InputError(header_.path.string() + ": data record " +
                                 std::to_string(record_) + " starts at " + number_text(this_start) +
                                 " s, before the previous one ends (" +
                                 number_text(expected_start_) + " s)");
            }
            if (done == 0) {
                start_s = this_start + static_cast<double>(frame_) / sample_rate_hz_;
            } else if (std::abs(this_start - expected_start_) > 0.5 / sample_rate_hz_) {
                break;  // a gap (EDF+D): the frames of one call stay contiguous in time
            }
            const auto available = static_cast<std::size_t>(frames_per_record_ - frame_);
            const std::size_t take = std::min(available, max_frames - done);
            decoder_->decode(record, static_cast<std::size_t>(frame_), take, out.data() + done * n);
            done += take;
            frame_ += static_cast<std::int64_t>(take);
            if (frame_ == frames_per_record_) {
                expected_start_ = this_start + header_.record_duration_s;
                frame_ = 0;
                ++record_;
            }
        }
        return done;
    }

  private:
    const unsigned char* current_record() {
        if (record_ < block_first_ || record_ >= block_first_ + block_count_) {
            block_first_ = record_;
            block_count_ = std::min(records_per_block_, header_.record_count - record_);
            file_.read(block_first_, block_count_, block_);
        }
        return block_.data() + (record_ - block_first_) * header_.record_bytes;
    }

    EdfHeader header_;
    RecordFile file_;
    mutable RecordingInfo info_;  // channels from the start, annotations once info() is called
    mutable bool annotations_read_ = false;
    double first_record_s_ = 0;  // subtracted from record time stamps (see scan_annotations)
    std::size_t channel_count_ = 0;
    std::optional<FrameDecoder> decoder_;  // set once the channels are chosen
    double sample_rate_hz_ = 0;
    std::int64_t frames_per_record_ = 0;
    std::int64_t records_per_block_ = 1;
    CacheLineVector<unsigned char> block_;  // on a cache line: the kernel copies into it faster
    std::int64_t block_first_ = 0, block_count_ = 0;
    std::int64_t record_ = 0, frame_ = 0;  // next frame to decode
    double expected_start_ = 0;            // where the next record starts if there is no gap
    std::int64_t start_record_ = -1;       // the record whose start record_start_ holds
    double record_start_ = 0;
};

}  // namespace

RecordingInfo read_edf_info(const std::filesystem::path& file) {
    const auto header = read_edf_header(file);
    return info_with_annotations(header, scan_annotations(header));
}

std::unique_ptr<SampleReader> open_edf_reader(const std::filesystem::path& file,
                                              std::vector<std::size_t> channel_indices) {
    return std::make_unique<EdfSampleReader>(read_edf_header(file), std::move(channel_indices));
}

}  // namespace twitchwatch::signal::io
