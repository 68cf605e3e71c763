// A recording analysed end to end: channels grouped by kind and sample rate, unusable channels
// skipped with a warning, each group streamed through its own Detector.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "heartbeat.hpp"
#include "io/read_ahead.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/detect.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal {
namespace {

struct Group {
    ChannelKind kind;
    double sample_rate_hz;
    std::vector<std::size_t> file_channels;    // indices into RecordingInfo::channels
    std::vector<std::size_t> report_channels;  // the same channels in DetectionReport::channels
};

// "a+b" and "c" as "a+b+c", each reason once and in alphabetical order: one spelling whatever
// the order the stretches came in ("artefact+voluntary" and "voluntary+artefact" appeared in one
// report).
std::string joined_reasons(const std::string& first, const std::string& second) {
    std::set<std::string> reasons;
    for (const auto* text : {&first, &second}) {
        std::stringstream parts(*text);
        for (std::string part; std::getline(parts, part, '+');) reasons.insert(part);
    }
    std::string joined;
    for (const auto& reason : reasons) joined += (joined.empty() ? "" : "+") + reason;
    return joined;
}

// Union of sorted-or-not intervals, merged.
std::vector<Exclusion> merge_exclusions(std::vector<Exclusion> all) {
    std::sort(all.begin(), all.end(),
              [](const Exclusion& a, const Exclusion& b) { return a.start_s < b.start_s; });
    std::vector<Exclusion> merged;
    for (auto& e : all) {
        if (!merged.empty() && e.start_s <= merged.back().end_s + 1e-9) {
            auto& last = merged.back();
            last.end_s = std::max(last.end_s, e.end_s);
            last.reason = joined_reasons(last.reason, e.reason);
        } else {
            merged.push_back(std::move(e));
        }
    }
    return merged;
}

// The stretches that lie in every one of the lists (each sorted, not overlapping itself).
std::vector<Exclusion> intersect(const std::vector<Exclusion>& a, const std::vector<Exclusion>& b) {
    std::vector<Exclusion> both;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const double start = std::max(a[i].start_s, b[j].start_s);
        const double end = std::min(a[i].end_s, b[j].end_s);
        if (end > start + 1e-9) both.push_back({start, end, a[i].reason});
        if (a[i].end_s < b[j].end_s) {
            ++i;
        } else {
            ++j;
        }
    }
    return both;
}

bool inside(const std::vector<Exclusion>& stretches, double t) {
    const auto it =
        std::upper_bound(stretches.begin(), stretches.end(), t,
                         [](double value, const Exclusion& e) { return value < e.start_s; });
    return it != stretches.begin() && t <= std::prev(it)->end_s;
}

// Seconds of [start, end) outside the stretches (sorted, not overlapping).
double outside(const std::vector<Exclusion>& stretches, double start, double end) {
    double length = end - start;
    for (const auto& x : stretches) {
        if (x.start_s >= end) break;
        length -= std::max(0.0, std::min(end, x.end_s) - std::max(start, x.start_s));
    }
    return std::max(0.0, length);
}

// Events the echo rule dropped (DroppedEcho), on their channels in the report.
struct ReportEcho {
    EventReport event;
    double after_onset_s = 0;
};

// Events that came with a heartbeat are the ECG, not twitches (heartbeat.hpp): they leave the
// report's events, the time around the beats leaves the analysed time of the kind counted, and
// the report says how many, at what rate, for each kind of channel. Events the echo rule dropped
// after a beat (`echoes`, ascending) were twitches the beat hid: they are counted after all.
void remove_heartbeat(DetectionReport& report, const std::vector<ReportEcho>& echoes,
                      const DetectRequest& request, ChannelKind primary) {
    std::vector<char> heartbeat(report.events.size(), 0);
    std::vector<EventReport> restored;
    for (const auto kind : {ChannelKind::emg, ChannelKind::accelerometer}) {
        const auto& o = kind == ChannelKind::emg ? request.emg : request.accelerometer;
        std::vector<std::size_t> of_kind;
        std::vector<double> onsets, snrs;
        std::vector<detail::BeatCandidate> candidates;
        for (std::size_t i = 0; i < report.events.size(); ++i) {
            const auto& e = report.events[i];
            if (report.channels[e.channel].kind != kind) continue;
            of_kind.push_back(i);
            onsets.push_back(e.onset_s);
            snrs.push_back(std::max(e.snr, 1e-9));  // a ratio of peaks needs them above 0
            candidates.push_back({e.onset_s, snrs.back(), e.duration_s, e.channels_seen});
        }
        const auto rule = detail::heartbeat_rule(o);
        auto found = detail::find_heartbeat(onsets, snrs, rule);
        if (found.beats_s.empty()) found = detail::find_irregular_heartbeat(candidates, rule);
        if (found.beats_s.empty()) continue;
        detail::add_ectopic_beats(candidates, found, rule);
        HeartbeatReport said{kind,
                             0,
                             found.beats_per_min,
                             0,
                             found.beats_s,
                             o.heartbeat_before_s,
                             o.heartbeat_after_s,
                             found.irregular};
        std::size_t beat = 0;
        for (std::size_t k = 0; k < of_kind.size(); ++k) {
            while (beat < found.beats_s.size() &&
                   found.beats_s[beat] + o.heartbeat_after_s < onsets[k]) {
                ++beat;
            }
            if (beat < found.beats_s.size() &&
                found.beats_s[beat] - o.heartbeat_before_s <= onsets[k]) {
                heartbeat[of_kind[k]] = 1;
                ++said.events;
            }
        }
        // The windows never overlap (before_s + after_s is below the shortest interval).
        for (double b : found.beats_s) {
            said.excluded_s += outside(report.exclusions, std::max(0.0, b - o.heartbeat_before_s),
                                       std::min(report.duration_s, b + o.heartbeat_after_s));
        }
        char line[280];
        std::snprintf(line, sizeof line,
                      "%zu %s events with a heartbeat (about %.0f beats/min%s) not counted, and "
                      "%.1f s around the beats not analysed: the electrodes pick up the heart's "
                      "signal (ECG)",
                      said.events, std::string(to_string(kind)).c_str(), said.beats_per_min,
                      said.irregular ? ", irregular" : "", said.excluded_s);
        report.warnings.emplace_back(line);
        if (kind == primary) {  // the excluded time then includes the beats' windows
            report.analysed_s = std::max(0.0, report.analysed_s - said.excluded_s);
            report.excluded_s = report.duration_s - report.analysed_s;
        }
        report.heartbeat.push_back(said);
        std::vector<detail::BeatCandidate> left;
        std::vector<std::size_t> left_of;  // their indices into report.events
        for (std::size_t k = 0; k < of_kind.size(); ++k) {
            if (heartbeat[of_kind[k]] != 0) continue;
            left.push_back(candidates[k]);
            left_of.push_back(of_kind[k]);
        }
        std::vector<detail::HiddenCandidate> dropped;
        std::vector<const ReportEcho*> dropped_of;
        for (const auto& echo : echoes) {
            const auto& e = echo.event;
            if (report.channels[e.channel].kind != kind) continue;
            dropped.push_back(
                {e.onset_s, e.duration_s, std::max(e.snr, 1e-9), e.channel, echo.after_onset_s});
            dropped_of.push_back(&echo);
        }
        for (const auto& h :
             detail::hidden_by_beats(dropped, found.beats_s, left, rule,
                                     {o.echo_window_s, o.echo_ratio, o.merge_window_s})) {
            const auto& e = dropped_of[h.echo]->event;
            if (!h.joins) {
                restored.push_back(e);
                restored.back().channels_seen = h.channels_seen;
                continue;
            }
            // Merged across channels as if no beat had hidden it: placed where it is largest.
            auto& twitch = report.events[left_of[*h.joins]];
            const std::size_t seen = twitch.channels_seen + 1;
            if (e.snr > twitch.snr) twitch = e;
            twitch.channels_seen = seen;
        }
    }
    std::vector<EventReport> counted;
    for (std::size_t i = 0; i < report.events.size(); ++i) {
        if (heartbeat[i] == 0) counted.push_back(report.events[i]);
    }
    if (!restored.empty()) {
        counted.insert(counted.end(), restored.begin(), restored.end());
        std::stable_sort(
            counted.begin(), counted.end(),
            [](const EventReport& a, const EventReport& b) { return a.onset_s < b.onset_s; });
    }
    report.events = std::move(counted);
}

// Seen from farther away, a long potential is widened and weaker, and its envelope can cross the
// threshold twice on one electrode: its first phases barely, a later phase again after
// refractory_s. The first crossing joins the twitch (merging across channels); the second,
// which comes while the twitch still lasts on its own channel, cannot join it there, since a
// channel gives a twitch one event. Such an event is seen on its electrode alone and stands
// below echo_ratio of the twitch above the noise: it is the same potential, not a twitch of its
// own. It is one phase of that potential, shorter than refractory_s (the time within which the
// detector takes crossings for the phases of one potential); an event lasting longer is a whole
// potential. A unit firing again (a doublet) shows again on the electrodes that saw it, as one
// event on several channels, or as a whole potential on one: either stays. Done after the
// heartbeat search, which judges the events of a heart's complex as they came
// (docs/detection.md, step 7). copy_window_s 0 turns it off with the late copies.
void join_lone_copies(DetectionReport& report, const DetectRequest& request) {
    std::vector<char> joined(report.events.size(), 0);
    for (std::size_t i = 0; i < report.events.size(); ++i) {
        const auto& e = report.events[i];
        const auto& channel = report.channels[e.channel];
        const auto& o = channel.kind == ChannelKind::emg ? request.emg : request.accelerometer;
        if (e.channels_seen != 1 || o.copy_window_s <= 0 || !(e.duration_s < o.refractory_s))
            continue;
        // The twitch it may belong to began before it (events in onset order) and lasts until
        // at least its onset; no event is longer than max_event_duration_s.
        for (std::size_t k = i; k-- > 0;) {
            const auto& twitch = report.events[k];
            if (twitch.onset_s < e.onset_s - o.max_event_duration_s) break;
            const auto& its = report.channels[twitch.channel];
            if (joined[k] != 0 || twitch.channel == e.channel || its.kind != channel.kind ||
                its.sample_rate_hz != channel.sample_rate_hz ||
                e.onset_s > twitch.onset_s + twitch.duration_s ||
                !(e.snr < o.echo_ratio * twitch.snr)) {
                continue;
            }
            joined[i] = 1;
            break;
        }
    }
    std::vector<EventReport> kept;
    for (std::size_t i = 0; i < report.events.size(); ++i) {
        if (joined[i] == 0) kept.push_back(report.events[i]);
    }
    report.events = std::move(kept);
}

}  // namespace

ChannelKind primary_kind(const DetectionReport& report) {
    const bool any_emg = std::any_of(report.channels.begin(), report.channels.end(), [](auto& c) {
        return c.kind == ChannelKind::emg && c.skipped.empty();
    });
    return any_emg ? ChannelKind::emg : ChannelKind::accelerometer;
}

std::map<std::string, double> excluded_by_reason(const DetectionReport& report) {
    std::map<std::string, double> seconds;
    for (const auto& x : report.exclusions) seconds[x.reason] += x.end_s - x.start_s;
    const auto primary = primary_kind(report);
    for (const auto& h : report.heartbeat) {
        if (h.kind == primary) seconds["heartbeat"] += h.excluded_s;
    }
    return seconds;
}

DetectionReport detect_recording(const std::filesystem::path& file, const DetectRequest& request) {
    // Both sets of options are checked whatever the file holds: a wrong --set-acc is wrong
    // whether or not this recording has an accelerometer.
    request.emg.validate();
    request.accelerometer.validate("accelerometer option ");
    const RecordingInfo info = read_recording_info(file);
    DetectionReport report;
    report.file = file.string();
    report.start = info.start;
    report.duration_s = info.duration_s;
    report.warnings = info.warnings;

    // Which channels, in file order.
    std::vector<std::size_t> chosen;
    if (request.channel_labels.empty()) {
        for (std::size_t i = 0; i < info.channels.size(); ++i) chosen.push_back(i);
    } else {
        for (const auto& label : request.channel_labels) {
            const auto labelled = [&](const ChannelInfo& ch) { return ch.label == label; };
            const auto it = std::find_if(info.channels.begin(), info.channels.end(), labelled);
            if (it == info.channels.end()) {
                // A label holding a comma was split by --channels: name the whole label.
                const auto longer = std::find_if(
                    info.channels.begin(), info.channels.end(), [&](const ChannelInfo& ch) {
                        return ch.label.find(',') != std::string::npos &&
                               ch.label.find(label) != std::string::npos;
                    });
                throw InputError(
                    file.string() + ": no channel labelled '" + label + "'" +
                    (longer == info.channels.end()
                         ? ""
                         : " (a channel is labelled '" + longer->label +
                               "': a label with a comma is given to --channels in double quotes, "
                               "as a CSV field writes it)"));
            }
            // A label that names two channels, or a channel named twice, is not guessed at.
            if (std::count_if(info.channels.begin(), info.channels.end(), labelled) > 1) {
                throw InputError(file.string() + ": more than one channel is labelled '" + label +
                                 "'");
            }
            const auto index = static_cast<std::size_t>(it - info.channels.begin());
            if (std::find(chosen.begin(), chosen.end(), index) != chosen.end()) {
                throw InputError(file.string() + ": channel '" + label + "' is chosen twice");
            }
            chosen.push_back(index);
        }
    }
    if (chosen.empty()) throw InputError(file.string() + ": no signal channels");
    // The report lists channels in file order, whatever order --channels named them in.
    std::sort(chosen.begin(), chosen.end());

    std::vector<Group> groups;
    for (auto index : chosen) {
        const auto& ch = info.channels[index];
        ChannelReport channel;
        channel.label = ch.label;
        channel.kind = classify_channel(ch.label, ch.physical_unit, ch.transducer);
        channel.physical_unit = ch.physical_unit;
        channel.sample_rate_hz = ch.sample_rate_hz;
        if (channel.kind == ChannelKind::other) {
            // ECG, trigger lines and the like are not analysed unless picked by label, which
            // says the user knows it is muscle.
            if (request.channel_labels.empty()) {
                channel.skipped = "not a muscle or movement signal";
                report.warnings.push_back("channel " + channel.label +
                                          " is not a muscle or movement signal: skipped");
                report.channels.push_back(channel);
                continue;
            }
            channel.kind = ChannelKind::emg;
        }
        // A channel sampled too slowly for its band cannot show a twitch: skipped and said so,
        // rather than analysed without its high-pass and reported as flat. The band must span
        // an octave at least: squeezed between its low edge and kBandTopFraction x the sample rate,
        // white noise turns into a ringing tone whose envelope crosses the threshold (80 "twitches"
        // a minute in noise at 46-64 Hz).
        const auto& band = channel.kind == ChannelKind::emg ? request.emg : request.accelerometer;
        if (ch.sample_rate_hz < band.min_sample_rate_hz) {
            channel.skipped = "sample rate too low";
            report.warnings.push_back(
                "channel " + channel.label + " is sampled at " + number_text(ch.sample_rate_hz) +
                " Hz, below the " + number_text(band.min_sample_rate_hz) +
                " Hz the detector needs (" + std::string(to_string(channel.kind)) +
                " min_sample_rate_hz): skipped");
            report.channels.push_back(channel);
            continue;
        }
        if (band.band_low_hz > 0 &&
            !(2 * band.band_low_hz <= kBandTopFraction * ch.sample_rate_hz)) {
            char needed[32];
            std::snprintf(needed, sizeof needed, "%.0f",
                          std::ceil(2 * band.band_low_hz / kBandTopFraction));
            channel.skipped = "sample rate too low";
            report.warnings.push_back("channel " + channel.label + " is sampled too slowly for " +
                                      "its band (at least " + needed + " Hz needed): skipped");
            report.channels.push_back(channel);
            continue;
        }
        if (ch.sample_rate_hz > kMaxDetectSampleRateHz) {
            channel.skipped = "sample rate too high";
            report.warnings.push_back("channel " + channel.label + " is sampled at " +
                                      number_text(ch.sample_rate_hz) +
                                      " Hz, above the detector's " +
                                      number_text(kMaxDetectSampleRateHz) + " Hz: skipped");
            report.channels.push_back(channel);
            continue;
        }
        report.channels.push_back(channel);
        auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
            return g.kind == channel.kind && g.sample_rate_hz == ch.sample_rate_hz;
        });
        if (group == groups.end()) {
            groups.push_back({channel.kind, ch.sample_rate_hz, {}, {}});
            group = std::prev(groups.end());
        }
        group->file_channels.push_back(index);
        group->report_channels.push_back(report.channels.size() - 1);
    }

    // The detector's buffers hold a second of every channel of a group: bounded here rather
    // than by the machine (4096 channels at 100 kHz took 3.2 GB for a 1 MB file).
    for (const auto& g : groups) {
        const double per_second = static_cast<double>(g.file_channels.size()) * g.sample_rate_hz;
        if (per_second > kMaxDetectSamplesPerSecond) {
            throw InputError(
                file.string() + ": " + std::to_string(g.file_channels.size()) + " channels at " +
                number_text(g.sample_rate_hz) + " Hz are " + number_text(per_second) +
                " samples a second, more than the detector " + "takes at once (" +
                number_text(kMaxDetectSamplesPerSecond) + "); choose channels with --channels");
        }
    }
    double total_frames = 0;
    for (const auto& g : groups) total_frames += info.duration_s * g.sample_rate_hz;
    double done_frames = 0;

    std::vector<Exclusion> all_exclusions;
    // Flat stretches (no channel of a group changed at all) count for the recording only where
    // every group analysed is flat: a still accelerometer below its resolution does not stop
    // the EMG beside it from being analysed.
    std::vector<std::vector<Exclusion>> flat_exclusions;
    std::vector<std::vector<double>> peaks(report.channels.size());
    std::vector<ReportEcho> echoes;
    for (auto& group : groups) {
        // Skip flat or saturated channels (judged on the first seconds).
        const auto& options = group.kind == ChannelKind::emg ? request.emg : request.accelerometer;
        {
            auto reader = SampleReader::open(file, group.file_channels);
            const std::size_t C = reader->channel_count();
            std::vector<ChannelInfo> probed;
            for (auto index : group.file_channels) probed.push_back(info.channels[index]);
            ChannelQualityProbe probe(probed, options.saturated_fraction);
            auto probe_frames = static_cast<std::size_t>(
                std::max(1.0, options.quality_probe_s * group.sample_rate_hz));
            const auto block_frames = std::min(
                probe_frames,
                static_cast<std::size_t>(std::max(1.0, request.block_s * group.sample_rate_hz)));
            std::vector<float> block(block_frames * C);
            double start_s = 0;
            while (probe_frames > 0) {
                const std::size_t n =
                    reader->read(block, std::min(block_frames, probe_frames), start_s);
                if (n == 0) break;
                probe.add(block, n);
                probe_frames -= n;
            }
            const auto verdict = probe.verdict();
            Group kept{group.kind, group.sample_rate_hz, {}, {}};
            for (std::size_t i = 0; i < C; ++i) {
                // A channel flat in the probe is analysed all the same: flat stretches are
                // excluded as such, and a channel flat throughout is skipped afterwards.
                if (verdict[i].empty() || verdict[i] == "flat") {
                    kept.file_channels.push_back(group.file_channels[i]);
                    kept.report_channels.push_back(group.report_channels[i]);
                } else {
                    auto& channel = report.channels[group.report_channels[i]];
                    channel.skipped = verdict[i];
                    report.warnings.push_back("channel " + channel.label + " is " + verdict[i] +
                                              ": skipped");
                }
            }
            group = std::move(kept);
        }
        if (group.file_channels.empty()) {
            done_frames += info.duration_s * group.sample_rate_hz;
            continue;
        }
        const std::size_t C = group.file_channels.size();
        Detector detector(C, group.sample_rate_hz, options);
        // The digital step of each channel (EDF, BDF; CSV has none: the detector measures it).
        std::vector<double> steps;
        for (auto index : group.file_channels) {
            const auto& ch = info.channels[index];
            const int levels = ch.digital_max - ch.digital_min;
            steps.push_back(levels > 0 ? std::abs(ch.physical_max - ch.physical_min) / levels
                                       : 0.0);
        }
        detector.set_resolution(steps);
        std::vector<Glitch> glitches;
        const auto block_frames =
            static_cast<std::size_t>(std::max(1.0, request.block_s * group.sample_rate_hz));
        detail::ReadAhead blocks(SampleReader::open(file, group.file_channels), block_frames,
                                 request.read_ahead && detail::more_than_one_cpu());
        auto collect = [&] {
            for (const auto& g : detector.take_glitches()) glitches.push_back(g);
            for (const auto& d : detector.take_echoes()) {
                const auto& e = d.event;
                echoes.push_back(
                    {{e.onset_s, e.duration_s, group.report_channels[e.channel], e.peak, e.snr, 1},
                     d.after_onset_s});
            }
            for (const auto& e : detector.take_events()) {
                const auto channel = group.report_channels[e.channel];
                report.events.push_back(
                    {e.onset_s, e.duration_s, channel, e.peak, e.snr, e.channels_seen});
            }
        };
        for (auto block = blocks.next(); block.frame_count > 0; block = blocks.next()) {
            detector.execute(block.frames, block.frame_count, block.start_s);
            collect();
            done_frames += static_cast<double>(block.frame_count);
            if (request.progress && total_frames > 0) request.progress(done_frames / total_frames);
        }
        detector.finish();
        collect();
        const auto noise = detector.noise_rms();
        const auto flat = detector.flat_s(), flat_analysed = detector.flat_analysed_s();
        const double processed = detector.processed_s();
        std::size_t flat_throughout = 0;
        for (std::size_t i = 0; i < C; ++i) {
            auto& channel = report.channels[group.report_channels[i]];
            channel.noise_rms = noise[i];
            if (flat[i] >= processed) {
                // No variation at all, from start to end: nothing to analyse.
                channel.skipped = "flat";
                report.warnings.push_back("channel " + channel.label + " is flat: skipped");
                ++flat_throughout;
            } else if (flat_analysed[i] > 0) {
                char seconds[32];
                std::snprintf(seconds, sizeof seconds, "%.3g", flat_analysed[i]);
                report.warnings.push_back("channel " + channel.label +
                                          " was flat (no signal) for " + seconds +
                                          " s of the analysed time");
            }
        }
        if (flat_throughout == C) continue;  // nothing of this group was analysed
        for (const auto& g : glitches) {
            report.glitches.push_back({g.time_s, group.report_channels[g.channel]});
        }
        for (double f : detector.notch_frequencies_hz()) {
            if (std::find(report.mains_notches_hz.begin(), report.mains_notches_hz.end(), f) ==
                report.mains_notches_hz.end()) {
                report.mains_notches_hz.push_back(f);
            }
        }
        std::vector<Exclusion> flat_stretches;
        for (const auto& e : detector.exclusions()) {
            (e.reason == "flat" ? flat_stretches : all_exclusions).push_back(e);
        }
        flat_exclusions.push_back(std::move(flat_stretches));
    }

    // One time line for all groups: a stretch excluded by any group is excluded for all, a
    // flat one where all groups are flat.
    for (std::size_t g = 1; g < flat_exclusions.size(); ++g) {
        flat_exclusions[0] = intersect(flat_exclusions[0], flat_exclusions[g]);
    }
    if (!flat_exclusions.empty()) {
        all_exclusions.insert(all_exclusions.end(), flat_exclusions[0].begin(),
                              flat_exclusions[0].end());
    }
    report.exclusions = merge_exclusions(std::move(all_exclusions));
    for (const auto& e : report.exclusions) report.excluded_s += e.end_s - e.start_s;
    report.excluded_s = std::min(report.excluded_s, report.duration_s);
    // With every channel skipped nothing was analysed, however long the recording.
    const bool any_analysed = std::any_of(report.channels.begin(), report.channels.end(),
                                          [](const ChannelReport& c) { return c.skipped.empty(); });
    report.analysed_s = any_analysed ? report.duration_s - report.excluded_s : 0.0;
    if (!any_analysed) {
        report.warnings.push_back("nothing analysed: every channel was skipped");
    } else if (report.analysed_s <= 0) {
        // A rate of 0 per minute would read as "no twitches": say that nothing was looked at.
        std::string reasons;
        for (const auto& e : report.exclusions) {
            reasons = reasons.empty() ? e.reason : joined_reasons(reasons, e.reason);
        }
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.3g", report.duration_s);
        report.warnings.push_back(std::string("nothing analysed: the whole recording (") + seconds +
                                  " s) is excluded (" + reasons + ")");
    }
    std::erase_if(report.events,
                  [&](const EventReport& e) { return inside(report.exclusions, e.onset_s); });
    std::erase_if(echoes,
                  [&](const ReportEcho& e) { return inside(report.exclusions, e.event.onset_s); });
    std::sort(echoes.begin(), echoes.end(), [](const ReportEcho& a, const ReportEcho& b) {
        return a.event.onset_s < b.event.onset_s;
    });
    std::erase_if(report.glitches,
                  [&](const GlitchReport& g) { return inside(report.exclusions, g.time_s); });
    std::sort(report.glitches.begin(), report.glitches.end(),
              [](const GlitchReport& a, const GlitchReport& b) { return a.time_s < b.time_s; });
    if (!report.glitches.empty()) {
        report.warnings.push_back(std::to_string(report.glitches.size()) + " glitch" +
                                  (report.glitches.size() == 1 ? "" : "es") +
                                  " (a jump of one or two samples: electrode pop or bit error) "
                                  "not counted as twitches");
    }
    std::sort(report.events.begin(), report.events.end(),
              [](const EventReport& a, const EventReport& b) { return a.onset_s < b.onset_s; });
    const ChannelKind primary = primary_kind(report);
    const double analysed_before_heartbeat_s = report.analysed_s;
    remove_heartbeat(report, echoes, request, primary);
    join_lone_copies(report, request);
    const double minutes = report.analysed_s / 60.0;
    // A kind's events were taken out around its own heartbeats only: its channels' rates are over
    // the time analysed less those (an accelerometer keeps the time of the EMG's beats).
    const auto minutes_of = [&](ChannelKind kind) {
        double seconds = analysed_before_heartbeat_s;
        for (const auto& h : report.heartbeat) seconds -= h.kind == kind ? h.excluded_s : 0;
        return kind == primary ? minutes : std::max(0.0, seconds) / 60.0;
    };
    std::size_t primary_events = 0;
    for (const auto& e : report.events) {
        auto& channel = report.channels[e.channel];
        if (channel.events == 0 || e.peak < channel.peak_min) channel.peak_min = e.peak;
        channel.peak_max = std::max(channel.peak_max, e.peak);
        ++channel.events;
        if (channel.kind == primary) ++primary_events;
    }
    for (auto& channel : report.channels) {
        const double channel_minutes = minutes_of(channel.kind);
        channel.rate_per_min =
            channel_minutes > 0 ? static_cast<double>(channel.events) / channel_minutes : 0;
    }
    report.rate_per_min = minutes > 0 ? static_cast<double>(primary_events) / minutes : 0;
    return report;
}

nlohmann::json to_json(const DetectionReport& report) {
    nlohmann::json channels = nlohmann::json::array();
    for (const auto& c : report.channels) {
        nlohmann::json channel = {
            {"label", c.label},         {"kind", std::string(to_string(c.kind))},
            {"unit", c.physical_unit},  {"sample_rate_hz", c.sample_rate_hz},
            {"events", c.events},       {"rate_per_min", c.rate_per_min},
            {"noise_rms", c.noise_rms}, {"peak_min", c.peak_min},
            {"peak_max", c.peak_max}};
        if (!c.skipped.empty()) channel["skipped"] = c.skipped;
        channels.push_back(std::move(channel));
    }
    // events: the counted twitches (the primary kind, as in rate_per_min); other_events: those
    // of the other kind, which see the same twitches again (an accelerometer after the EMG).
    const ChannelKind primary = primary_kind(report);
    nlohmann::json events = nlohmann::json::array(), other_events = nlohmann::json::array();
    for (const auto& e : report.events) {
        auto& list = report.channels[e.channel].kind == primary ? events : other_events;
        list.push_back({{"onset_s", e.onset_s},
                        {"duration_s", e.duration_s},
                        {"channel", report.channels[e.channel].label},
                        {"channel_index", e.channel},
                        {"peak", e.peak},
                        {"snr", e.snr},
                        {"channels_seen", e.channels_seen}});
    }
    nlohmann::json heartbeat = nlohmann::json::array();
    for (const auto& h : report.heartbeat) {
        heartbeat.push_back({{"kind", std::string(to_string(h.kind))},
                             {"events", h.events},
                             {"beats_per_min", h.beats_per_min},
                             {"excluded_s", h.excluded_s},
                             {"window_s", {h.window_before_s, h.window_after_s}},
                             {"rhythm", h.irregular ? "irregular" : "steady"},
                             {"beats_s", h.beats_s}});
    }
    nlohmann::json exclusions = nlohmann::json::array();
    for (const auto& e : report.exclusions) {
        exclusions.push_back({{"start_s", e.start_s}, {"end_s", e.end_s}, {"reason", e.reason}});
    }
    nlohmann::json glitches = nlohmann::json::array();
    for (const auto& g : report.glitches) {
        glitches.push_back({{"time_s", g.time_s},
                            {"channel", report.channels[g.channel].label},
                            {"channel_index", g.channel}});
    }
    return {{"file", report.file},
            {"start", report.start},
            {"duration_s", report.duration_s},
            {"analysed_s", report.analysed_s},
            {"excluded_s", report.excluded_s},
            {"rate_per_min", report.rate_per_min},
            {"channels", channels},
            {"events", events},
            {"other_events", other_events},
            {"exclusions", exclusions},
            {"glitches", glitches},
            {"mains_notches_hz", report.mains_notches_hz},
            {"heartbeat", heartbeat},
            {"warnings", report.warnings}};
}

}  // namespace twitchwatch::signal
