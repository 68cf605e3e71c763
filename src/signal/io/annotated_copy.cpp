// A copy of a recording with extra annotations, written through EdfPlusWriter.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal {
namespace {

// Data record durations tried, in order, until every channel has a whole number of samples per
// record; 1 s is what most files use and what readers expect.
constexpr std::array<double, 12> kRecordDurations = {1.0, 0.5, 0.25, 0.2,  0.125, 0.1,
                                                     2.0, 4.0, 5.0,  10.0, 0.01,  0.001};

double record_duration_for(const RecordingInfo& info) {
    for (const double duration : kRecordDurations) {
        const bool whole =
            std::all_of(info.channels.begin(), info.channels.end(), [&](const auto& c) {
                const double per_record = c.sample_rate_hz * duration;
                return per_record >= 1 && std::abs(per_record - std::round(per_record)) < 1e-6;
            });
        if (whole) return duration;
    }
    throw InputError(info.path.string() +
                     ": its sample rates fit no EDF data record duration; cannot copy to EDF+");
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

// Channels of one sample rate, read together.
struct RateGroup {
    std::vector<std::size_t> channels;
    std::unique_ptr<SampleReader> reader;
    std::vector<float> frames;
    std::size_t frames_per_record = 0;
};

}  // namespace

void write_annotated_copy(const std::filesystem::path& in, const std::filesystem::path& out,
                          std::span<const Annotation> annotations) {
    const auto info = read_recording_info(in);
    const double record_duration_s = record_duration_for(info);

    std::vector<WriteChannel> channels;
    for (const auto& channel : info.channels) {
        // A CSV column that never changes has min == max; EDF needs a range.
        const bool flat = channel.physical_min == channel.physical_max;
        channels.push_back(
            {channel.label, channel.physical_unit, channel.sample_rate_hz, channel.physical_min,
             flat ? channel.physical_min + 1 : channel.physical_max, channel.transducer});
    }
    const bool bdf = info.format.rfind("BDF", 0) == 0;
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
            for (std::size_t k = 0; k < group.channels.size(); ++k) {
                auto& samples = record[group.channels[k]];
                samples.assign(group.frames_per_record, 0.0);  // a short last record is padded
                for (std::size_t f = 0; f < got; ++f) {
                    samples[f] = group.frames[f * group.channels.size() + k];
                }
            }
        }
        if (!any) break;
        writer.write_record(record);
    }
    const auto annotate = [&](const Annotation& annotation) {
        const double onset = gaps.copy_time(annotation.onset_s);
        const double end = gaps.copy_time(annotation.onset_s + annotation.duration_s);
        writer.annotate(onset, annotation.duration_s > 0 ? end - onset : annotation.duration_s,
                        annotation.text);
    };
    for (const auto& annotation : info.annotations) annotate(annotation);
    for (const auto& annotation : annotations) annotate(annotation);
    writer.close();
}

}  // namespace twitchwatch::signal
