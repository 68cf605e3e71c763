// A copy of a recording with extra annotations, written through EdfPlusWriter.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal {
namespace {

// EDFlib's data records: a multiple of 10 us from 1 ms to 60 s (EdfPlusWriter says the same).
constexpr double kRecordUnitsPerSecond = 100000.0;
constexpr double kShortestRecordS = 0.001, kLongestRecordS = 60.0;

// Whether every channel has a whole number of samples in a record of `duration` s that EDFlib
// writes, and whether those records also hold each channel's samples exactly (no padding).
struct RecordFit {
    bool writable = false, exact = false;
};

RecordFit fit_of(const RecordingInfo& info, double duration) {
    const double units = duration * kRecordUnitsPerSecond;
    if (!(duration >= kShortestRecordS && duration <= kLongestRecordS) ||
        std::abs(units - std::round(units)) > 1e-6) {
        return {};
    }
    RecordFit fit{true, true};
    for (const auto& channel : info.channels) {
        const double per_record = channel.sample_rate_hz * duration;
        if (!(per_record >= 1) || std::abs(per_record - std::round(per_record)) > 1e-6) return {};
        fit.exact = fit.exact && channel.sample_count % std::llround(per_record) == 0;
    }
    return fit;
}

struct RecordChoice {
    double duration_s = 0;
    bool padded = false;
};

// The copy's data record. An EDF or BDF input keeps its own, so the copy has its records and its
// length (0.1 s records of a 19.9 s file became 1 s ones, and the copy 20.0 s). Otherwise (CSV,
// or a record EDFlib cannot write) the writable record nearest 1 s, what most files use, among
// those that divide every channel's samples: padded to whole 1 s records, a 12.3 s CSV grew a
// step to 0 that the detector took for a twitch. Only when none divides is the copy padded.
RecordChoice record_duration_for(const RecordingInfo& info) {
    if (info.record_duration_s > 0) {
        const auto own = fit_of(info, info.record_duration_s);
        if (own.writable) return {info.record_duration_s, !own.exact};
    }
    const auto slowest = std::min_element(
        info.channels.begin(), info.channels.end(),
        [](const auto& a, const auto& b) { return a.sample_rate_hz < b.sample_rate_hz; });
    double best = 0;
    bool writable = false;
    const auto most = static_cast<std::int64_t>(slowest->sample_rate_hz * kLongestRecordS);
    for (std::int64_t n = 1; n <= most; ++n) {
        const double duration = static_cast<double>(n) / slowest->sample_rate_hz;
        const auto fit = fit_of(info, duration);
        if (fit.writable && !writable) best = duration;  // the first writable, for padding
        writable = writable || fit.writable;
        if (fit.exact && (best == 0 || !fit_of(info, best).exact ||
                          std::abs(std::log(duration)) < std::abs(std::log(best)))) {
            best = duration;
        }
    }
    if (!writable) {
        throw InputError(info.path.string() +
                         ": its sample rates fit no EDF data record duration; cannot copy to EDF+");
    }
    return {best, !fit_of(info, best).exact};
}

// Where a time of the recording lands in the copy. EDFlib writes continuous files only, so the
// gaps of an EDF+D input close up in the copy and every time after a gap moves earlier by the
// gaps before it; annotations keep the recording's times and must be moved with the data (they
// pointed at the wrong samples, or past the copy's end). A time inside a gap lands where the
// data resume.
class ClosedGaps {
  public:
    // `length_s` of data starting at `recording_s` in the recording follows in the copy.
    void add(double recording_s, double length_s) {
        constexpr double kSameTime = 1e-9;  // pieces read back to back are one stretch
        if (!stretches_.empty() && std::abs(stretches_.back().recording_s +
                                            stretches_.back().length_s - recording_s) < kSameTime) {
            stretches_.back().length_s += length_s;
        } else {
            stretches_.push_back({recording_s, copy_length_s_, length_s});
        }
        copy_length_s_ += length_s;
    }

    double copy_time(double recording_s) const {
        const auto after = std::upper_bound(
            stretches_.begin(), stretches_.end(), recording_s,
            [](double t, const Stretch& stretch) { return t < stretch.recording_s; });
        if (after == stretches_.begin()) return 0;
        const Stretch& stretch = *std::prev(after);
        const double into = recording_s - stretch.recording_s;
        return into < stretch.length_s ? stretch.copy_s + into
                                       : stretch.copy_s + stretch.length_s;  // in a gap
    }

  private:
    struct Stretch {
        double recording_s, copy_s, length_s;
    };
    std::vector<Stretch> stretches_;
    double copy_length_s_ = 0;
};

// The range a channel's copy declares. Samples outside the declared digital range are legal to
// store (EDF's 16 and BDF's 24 bits hold more than a 12-bit amplifier declares) and are read as
// they are, so a copy with the declared physical range clipped them. Where the declared digital
// range is narrower than the storage, the samples are read once first and the range widened to
// hold them: the copy's digital range is the whole storage, so its step stays as fine as the
// input's. Returns the widened ranges, one per channel (the declared one where nothing was
// outside), and a warning naming the channels widened.
struct CopyRanges {
    std::vector<std::pair<double, double>> min_max;
    std::vector<std::string> widened;
};

CopyRanges copy_ranges(const std::filesystem::path& in, const RecordingInfo& info, bool bdf) {
    CopyRanges ranges;
    const int storage_max = bdf ? 8388607 : 32767;
    std::vector<std::size_t> narrow;
    for (std::size_t c = 0; c < info.channels.size(); ++c) {
        const auto& channel = info.channels[c];
        ranges.min_max.emplace_back(channel.physical_min, channel.physical_max);
        const bool declared_narrower =
            channel.digital_min > -storage_max - 1 || channel.digital_max < storage_max;
        if (info.format != "CSV" && declared_narrower) narrow.push_back(c);
    }
    // Channels of one sample rate are read together.
    std::map<double, std::vector<std::size_t>> by_rate;
    for (auto c : narrow) by_rate[info.channels[c].sample_rate_hz].push_back(c);
    for (const auto& [rate, channels] : by_rate) {
        auto reader = SampleReader::open(in, channels);
        constexpr std::size_t kFrames = 4096;
        std::vector<float> frames(kFrames * channels.size());
        std::vector<float> lowest(channels.size(), std::numeric_limits<float>::infinity());
        std::vector<float> highest(channels.size(), -std::numeric_limits<float>::infinity());
        double start_s = 0;
        while (const auto n = reader->read(frames, kFrames, start_s)) {
            for (std::size_t f = 0; f < n; ++f) {
                for (std::size_t k = 0; k < channels.size(); ++k) {
                    const float v = frames[f * channels.size() + k];
                    lowest[k] = std::min(lowest[k], v);
                    highest[k] = std::max(highest[k], v);
                }
            }
        }
        for (std::size_t k = 0; k < channels.size(); ++k) {
            auto& [first, second] = ranges.min_max[channels[k]];
            const double low = std::min(first, second), high = std::max(first, second);
            if (lowest[k] >= low && highest[k] <= high) continue;
            const double new_low = std::min<double>(low, lowest[k]);
            const double new_high = std::max<double>(high, highest[k]);
            // Inverted polarity (minimum above maximum) stays inverted.
            if (first <= second) {
                first = new_low, second = new_high;
            } else {
                first = new_high, second = new_low;
            }
            ranges.widened.push_back(info.channels[channels[k]].label + " (" + number_text(low) +
                                     ".." + number_text(high) + " -> " + number_text(new_low) +
                                     ".." + number_text(new_high) + ")");
        }
    }
    return ranges;
}

// Channels of one sample rate, read together.
struct RateGroup {
    std::vector<std::size_t> channels;
    std::unique_ptr<SampleReader> reader;
    std::vector<float> frames;
    std::size_t frames_per_record = 0;
};

}  // namespace

std::vector<std::string> write_annotated_copy(const std::filesystem::path& in,
                                              const std::filesystem::path& out,
                                              std::span<const Annotation> annotations) {
    const auto info = read_recording_info(in);
    const auto [record_duration_s, padded] = record_duration_for(info);
    const bool bdf = info.format.rfind("BDF", 0) == 0;
    const auto ranges = copy_ranges(in, info, bdf);

    std::vector<WriteChannel> channels;
    for (std::size_t c = 0; c < info.channels.size(); ++c) {
        const auto& channel = info.channels[c];
        const auto [min, max] = ranges.min_max[c];
        // A CSV column that never changes has min == max; EDF needs a range.
        channels.push_back({channel.label, channel.physical_unit, channel.sample_rate_hz, min,
                            min == max ? min + 1 : max, channel.transducer});
    }
    EdfPlusWriter writer(out, std::move(channels), record_duration_s, bdf);
    if (!info.start.empty()) {
        try {
            writer.set_start(info.start);
        } catch (const InputError&) {
            // Outside EDFlib's 1985-2084: keep the anonymised default start.
        }
    }
    writer.reserve_annotations(info.annotations.size() + annotations.size(), info.duration_s);

    std::map<double, RateGroup> groups;
    for (std::size_t c = 0; c < info.channels.size(); ++c) {
        groups[info.channels[c].sample_rate_hz].channels.push_back(c);
    }
    for (auto& [rate, group] : groups) {
        group.reader = SampleReader::open(in, group.channels);
        group.frames_per_record = static_cast<std::size_t>(std::lround(rate * record_duration_s));
        group.frames.resize(group.frames_per_record * group.channels.size());
    }

    std::vector<std::vector<double>> record(info.channels.size());
    // Each channel's last sample: a short last record repeats it rather than falling to 0, a step
    // the detector would find in the copy.
    std::vector<double> last(info.channels.size(), 0.0);
    std::size_t padding_frames = 0;  // of the first group
    ClosedGaps gaps;  // every group shares the recording's time line: the first one draws it
    const RateGroup* timing = &groups.begin()->second;
    const double timing_rate = groups.begin()->first;
    while (true) {
        bool any = false;
        for (auto& [rate, group] : groups) {
            // Gaps of an EDF+D input close up: EDFlib writes continuous files only.
            std::size_t got = 0;
            double start_s = 0;
            while (got < group.frames_per_record) {
                const auto n = group.reader->read(
                    std::span<float>(group.frames).subspan(got * group.channels.size()),
                    group.frames_per_record - got, start_s);
                if (n == 0) break;
                if (&group == timing) gaps.add(start_s, static_cast<double>(n) / timing_rate);
                got += n;
            }
            any = any || got > 0;
            if (&group == timing && got > 0) padding_frames = group.frames_per_record - got;
            for (std::size_t k = 0; k < group.channels.size(); ++k) {
                const std::size_t channel = group.channels[k];
                auto& samples = record[channel];
                samples.resize(group.frames_per_record);
                for (std::size_t f = 0; f < got; ++f) {
                    samples[f] = group.frames[f * group.channels.size() + k];
                }
                if (got > 0) last[channel] = samples[got - 1];
                std::fill(samples.begin() + static_cast<std::ptrdiff_t>(got), samples.end(),
                          last[channel]);
            }
        }
        if (!any) break;
        writer.write_record(record);
    }
    std::vector<std::string> warnings;
    // BDF's 24-bit samples do not fit EDF's 16 without losing resolution, so a BDF input gives a
    // BDF+ copy whatever its name; a reader choosing by the name would take it for EDF.
    std::string extension = out.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (bdf && extension != ".bdf") {
        warnings.push_back(
            "the input is BDF, so the copy is BDF+ (24-bit samples) although not named .bdf");
    }
    if (!ranges.widened.empty()) {
        std::string names;
        for (const auto& name : ranges.widened) names += (names.empty() ? "" : ", ") + name;
        warnings.push_back(
            "samples outside the declared physical range; the copy's range was widened so that "
            "none is clipped: " +
            names);
    }
    if (padded) {
        warnings.push_back(
            "no EDF data record divides the recording's samples: the copy is padded to whole "
            "records of " +
            number_text(record_duration_s) + " s, its last " +
            number_text(static_cast<double>(padding_frames) / timing_rate) +
            " s repeating the last sample");
    }
    std::size_t shortened = 0;
    const auto annotate = [&](const Annotation& annotation) {
        const double onset = gaps.copy_time(annotation.onset_s);
        const double end = gaps.copy_time(annotation.onset_s + annotation.duration_s);
        shortened +=
            writer.annotate(onset, annotation.duration_s > 0 ? end - onset : annotation.duration_s,
                            annotation.text);
    };
    for (const auto& annotation : info.annotations) annotate(annotation);
    for (const auto& annotation : annotations) annotate(annotation);
    writer.close();
    if (shortened > 0) {
        warnings.push_back(std::to_string(shortened) + " annotation text(s) longer than the " +
                           std::to_string(EdfPlusWriter::kAnnotationTextBytes) +
                           " bytes EDFlib writes were shortened, at a character boundary");
    }
    return warnings;
}

}  // namespace twitchwatch::signal
