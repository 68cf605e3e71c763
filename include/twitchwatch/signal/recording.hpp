#pragma once
// Reading and writing physiological recordings: EDF, EDF+ (continuous and discontinuous), BDF,
// BDF+ and a simple CSV export. The format details, and how each oddity of real files is handled,
// are in docs/signal-formats.md.
//
// Every function here throws twitchwatch::InputError, with a one-line message naming the file and
// the problem, when a file is missing, truncated or malformed. Memory stays bounded whatever the
// length of the recording: samples are streamed in blocks and sizes read from a header are checked
// against the file before anything is allocated from them.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace twitchwatch::signal {

struct ChannelInfo {
    std::string label;          // trimmed; bytes outside printable ASCII are replaced by '?'
    std::string physical_unit;  // "uV", "mV", "g", "m/s2", ... ("" when the file does not say)
    std::string transducer;
    double sample_rate_hz = 0;
    double physical_min = 0, physical_max = 0;  // min > max is legal (inverted polarity)
    int digital_min = 0, digital_max = 0;
    std::int64_t sample_count = 0;  // samples of this channel that the file actually holds
};

struct Annotation {
    double onset_s = 0;     // seconds from the start of the recording
    double duration_s = 0;  // 0 when the file gives none
    std::string text;
};

struct RecordingInfo {
    std::filesystem::path path;
    std::string format;            // "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D", "CSV"
    double duration_s = 0;         // covered by the data records (gaps of EDF+D not included)
    double record_duration_s = 0;  // EDF/BDF: the header's data record duration; 0 for CSV
    std::string start;             // ISO 8601 start date-time from the header, "" if none (CSV)
    std::vector<ChannelInfo> channels;    // signal channels only (no annotation channels)
    std::vector<Annotation> annotations;  // from EDF+/BDF+ annotation channels, by onset
    // Things that were odd but readable (e.g. a record count of -1 or one that disagrees with the
    // file size): the reader used what the file holds and says so here, one line each.
    std::vector<std::string> warnings;
};

// Reads the header (and, for EDF+/BDF+, the annotations) of a recording. The format is chosen
// from the content: a file starting with "0       " is EDF, "\xFF" "BIOSEMI" is BDF, otherwise a
// file named *.csv is CSV. Throws InputError.
RecordingInfo read_recording_info(const std::filesystem::path& file);

// Streams chosen channels (all must share one sample rate) in bounded memory, frame-major
// ("interleaved": out[frame * channel_count() + c]), float, physical units.
class SampleReader {
  public:
    // channel_indices index RecordingInfo::channels; empty means all signal channels. Throws
    // InputError on a bad file, an index out of range or channels of different sample rates.
    static std::unique_ptr<SampleReader> open(const std::filesystem::path& file,
                                              std::vector<std::size_t> channel_indices);
    virtual ~SampleReader() = default;
    virtual const RecordingInfo& info() const = 0;
    virtual std::size_t channel_count() const = 0;
    virtual double sample_rate_hz() const = 0;
    // Reads up to max_frames frames into out (size >= max_frames * channel_count()); returns the
    // number of frames read (0 at the end). start_s gets the recording time of the first frame
    // (differs from the running count in EDF+D files with gaps). The frames of one call are
    // contiguous in time: a call never crosses a gap of an EDF+D file. Throws InputError on a
    // corrupt file.
    virtual std::size_t read(std::span<float> out, std::size_t max_frames, double& start_s) = 0;
};

// Writing (through EDFlib): EDF+ or BDF+ with signals and annotations.
struct WriteChannel {
    std::string label;
    std::string physical_unit;
    double sample_rate_hz = 0;  // times record_duration_s must be a whole number of samples
    double physical_min = 0, physical_max = 0;  // values outside are clipped to the range
    std::string transducer;
};

class EdfPlusWriter {  // RAII: closes the file in the destructor (errors there are swallowed)
  public:
    // EDFlib stores the first 40 bytes of an annotation's text, cut wherever they end.
    static constexpr std::size_t kAnnotationTextBytes = 40;

    // Throws InputError when the file cannot be created or the channels cannot be described.
    EdfPlusWriter(const std::filesystem::path& file, std::vector<WriteChannel> channels,
                  double record_duration_s = 1.0, bool bdf = false);
    ~EdfPlusWriter();
    EdfPlusWriter(EdfPlusWriter&&) noexcept;
    EdfPlusWriter& operator=(EdfPlusWriter&&) noexcept;
    EdfPlusWriter(const EdfPlusWriter&) = delete;
    EdfPlusWriter& operator=(const EdfPlusWriter&) = delete;

    // Appends frames, frame-major like the reader; whole data records are flushed as they fill.
    // A last partial record is padded with zeros (physical 0, clipped to the range) by close().
    // All channels must share one sample rate for this interleaved form.
    void write(std::span<const float> frames, std::size_t frame_count);
    // One whole data record given channel by channel (samples[c] holds sample_rate_hz *
    // record_duration_s values), for channels of different sample rates. Do not mix with a
    // partly filled record from write().
    void write_record(std::span<const std::vector<double>> samples);
    // Onset and duration are stored to 0.1 ms. A text longer than kAnnotationTextBytes is cut
    // before the first UTF-8 character that does not fit whole, and true is returned.
    bool annotate(double onset_s, double duration_s, std::string_view text);
    // Optional, before the first samples. Each EDF+ data record holds a limited number of
    // annotations: announce how many will come over how long a recording, so that enough room is
    // made (without it, room for one per data record).
    void reserve_annotations(std::size_t count, double recording_duration_s);
    // Optional, before the first samples: "YYYY-MM-DDThh:mm:ss", years 1985-2084. Without it the
    // file starts at 1985-01-01T00:00:00 (the anonymisation convention), so output is repeatable.
    void set_start(std::string_view iso8601);
    void close();  // idempotent; throws on failure

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// Copies a recording (any readable format, all its signal channels) to an EDF+ file (BDF+ when the
// input is BDF) and adds annotations to those it already has (for detect --annotate OUT.edf).
// The copy has the input's data records (EDF/BDF) or records that divide its samples (CSV), so it
// is as long as the input; where no record can, it is padded by repeating the last sample. Returns
// warnings, one line each, without the file's name: that padding, and texts shortened to fit.
std::vector<std::string> write_annotated_copy(const std::filesystem::path& in,
                                              const std::filesystem::path& out,
                                              std::span<const Annotation> annotations);

}  // namespace twitchwatch::signal
