#pragma once
// Twitch (fasciculation potential) detection in resting surface EMG and accelerometer channels.
// Streaming: samples arrive frame-major (out[frame * channels + c]) block by block and memory
// stays bounded whatever the length of the recording. The method and every option with its
// default are described in docs/detection.md; the JSON report in docs/detect-output.md.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal {
namespace detail {
struct DetectorState;
}

// `other`: a signal that is neither muscle nor movement (ECG, EEG, EOG, respiration, temperature,
// oximetry, trigger or status lines), which recordings often carry next to the EMG.
enum class ChannelKind { emg, accelerometer, other };
std::string_view to_string(ChannelKind kind);
// Accelerometer when the unit is an acceleration ("g", "mg", "m/s2", "m/s^2") or the label or
// transducer names one ("acc", "accel", "imu"); other when a word of the label or transducer
// names one of the signals above ("ecg", "ekg", "eeg", "eog", "resp", "temp", "spo2", "pleth",
// "status", "trigger", "trig", "marker", "event") or the unit is one of theirs ("degC", "%",
// "bpm"); EMG otherwise.
ChannelKind classify_channel(std::string_view label, std::string_view physical_unit,
                             std::string_view transducer);

// The band's upper edge is lowered to at most this fraction of the sample rate (the filters'
// response bends away from the design near Nyquist).
inline constexpr double kBandTopFraction = 0.45;
// Channels sampled faster are skipped with a warning: surface EMG needs a few kHz, and the
// detector's buffers grow with the sample rate (64 channels at 1 MHz took 2.5 GB).
inline constexpr double kMaxDetectSampleRateHz = 100000;
// Channels x sample rate of one group (channels of one kind and rate) that the detector takes at
// once, about 170 MB of buffers (4096 channels at 4096 Hz); more is refused: choose channels.
inline constexpr double kMaxDetectSamplesPerSecond = 16777216;

struct DetectOptions {
    // The defaults of every option, for EMG and for accelerometer channels, are data:
    // knowledge/detection.toml, compiled into the library, with the reasoning behind each value.
    // What each option means, in the order of the method (docs/detection.md):
    DetectOptions();  // the defaults for EMG channels
    // Every number 0 and every text empty: the starting point of the defaults' loader.
    struct Blank {};
    explicit DetectOptions(Blank) {}

    // Band-pass (Butterworth, causal, applied as cascaded biquads): edges, and the order of the
    // high-pass and of the low-pass (even). The upper edge is lowered to 0.45 x sample rate.
    double band_low_hz{}, band_high_hz{};
    int band_order{};
    // Channels sampled more slowly than this are skipped (noise squeezed into too narrow a band
    // rings and crosses the threshold).
    double min_sample_rate_hz{};
    // Mains rejection: "auto" (find 50 or 60 Hz and which harmonics are present in the first
    // mains_probe_s), "off", "50" or "60" (notch every harmonic below the band's upper edge);
    // the highest harmonic considered, the -3 dB width of each notch, and the power at a
    // harmonic over the power beside it that counts it as present.
    std::string mains;
    int mains_harmonics{};
    double mains_notch_bandwidth_hz{}, mains_detect_ratio{}, mains_probe_s{};
    // In auto, mains is present at all only when one of the first three harmonics of 50 or
    // 60 Hz stands out by this ratio (stricter than mains_detect_ratio: white noise alone).
    double mains_presence_ratio{};
    // Envelope: squared band-passed signal smoothed by a one-pole low-pass.
    double envelope_time_constant_s{};
    // Noise floor: robust sigma (1.4826 x median |x|) per segment, a low quantile of the history.
    double segment_s{}, noise_history_s{}, noise_floor_quantile{};
    // The floor is never below this x the RMS that rounding to the channel's digital step
    // leaves in the band (step / sqrt 12 x sqrt(band width / (fs / 2))); 0: no such limit.
    double resolution_floor{};
    // An event starts when the envelope's RMS exceeds threshold x noise floor.
    double threshold{};
    // The onset reported is where the potential began, not where its envelope crossed the
    // threshold: the crossing is traced back, at most onset_lookback_s and not into the
    // channel's previous event, while the envelope stays above (onset_level x floor)^2, and
    // across dips below that level of at most onset_gap_s to an earlier stretch whose envelope
    // RMS rises above onset_phase_level x floor.
    double onset_lookback_s{}, onset_level{}, onset_gap_s{}, onset_phase_level{};
    // A new onset on a channel needs this much time after the last.
    double refractory_s{};
    // An event whose band-passed signal repeats itself at a lag of at least
    // doublet_min_interval_s (0: never), with a correlation of at least doublet_correlation
    // between its first part and the part that follows (about equal in size, within
    // echo_ratio), is a doublet: split into two twitches there.
    double doublet_min_interval_s{}, doublet_correlation{};
    // Shorter events are noise; longer ones are not twitches (dropped). However short
    // min_event_duration_s is at a low sample rate, an event lasts at least min_event_samples
    // samples.
    double min_event_duration_s{}, max_event_duration_s{};
    std::size_t min_event_samples{};
    // A glitch, not a twitch: an event whose raw signal at its peak jumps away and back within
    // at most glitch_max_s (whole samples, at most 4), each jump at least glitch_ratio x the
    // largest step beside and inside the excursion, the excursion alone making at least
    // glitch_share of the event's band-passed peak (an electrode pop, a bit error). 0: off.
    double glitch_max_s{}, glitch_ratio{}, glitch_share{};
    // An event smaller than echo_ratio x the peak of the event that began on the same channel
    // at most echo_window_s before it is that event's ringing or tail, not a twitch.
    double echo_window_s{}, echo_ratio{};
    // Peaks this close on different channels are one twitch.
    double merge_window_s{};
    // A weaker event (below echo_ratio x the twitch's peak over noise) that begins on another
    // channel at most copy_window_s after a twitch began is that twitch seen from farther away.
    double copy_window_s{};
    // Voluntary contraction: a segment in which some channel's robust noise estimate is above
    // voluntary_level x floor, or its envelope is above voluntary_level x floor for more than
    // voluntary_duty_cycle of the time, or crosses the event threshold
    // voluntary_crossings_per_s often; on voluntary_min_channels channels at once, for at least
    // voluntary_min_s.
    double voluntary_level{}, voluntary_duty_cycle{}, voluntary_crossings_per_s{};
    std::size_t voluntary_min_channels{};
    double voluntary_min_s{};
    // The first seconds are judged again against the floor reached by then; their results wait
    // that long.
    double start_review_s{};
    // Movement artefact: RMS in the slow band above artefact_ratio x its own floor (median of
    // the history; 0: no test), and also above artefact_level x the EMG noise floor and above
    // the band-passed RMS. Excluded stretches grow by exclusion_padding_s on either side.
    double artefact_band_low_hz{}, artefact_band_high_hz{}, artefact_ratio{}, artefact_level{};
    double exclusion_padding_s{};
    // The start of a recording while the filters settle (whole segments) is not analysed.
    double settling_s{};
    // The first quality_probe_s of every channel are checked before it is analysed: a channel
    // with no variation at all is flat, one with more than saturated_fraction of its samples at
    // the ends of its physical range is saturated; either is skipped with a warning.
    double quality_probe_s{}, saturated_fraction{};
    // Heartbeat (ECG picked up by the electrodes), method in src/signal/detect/heartbeat.hpp:
    // heartbeat_min_beats events in a row (0: no search) at a steady beat of
    // heartbeat_min_rate_per_min to heartbeat_max_rate_per_min, each within
    // heartbeat_seed_tolerance x the interval of where the last interval puts it and with peaks
    // (as SNR) within heartbeat_peak_ratio of each other, show a heartbeat; its rhythm is then
    // followed through the recording (each beat within heartbeat_tolerance of where the last
    // intervals put it; lost after more than heartbeat_max_missed beats in a row not seen).
    // Events from heartbeat_before_s before to heartbeat_after_s after a beat are not counted,
    // and that time is not analysed. Applied by detect_recording to the whole recording, after
    // the exclusions.
    // The seed is longer where events are dense: long enough for random events at the
    // recording's rate to form one by chance less than heartbeat_chance_seeds times.
    std::size_t heartbeat_min_beats{}, heartbeat_max_missed{};
    double heartbeat_chance_seeds{};
    double heartbeat_seed_tolerance{}, heartbeat_tolerance{};
    double heartbeat_min_rate_per_min{}, heartbeat_max_rate_per_min{};
    double heartbeat_peak_ratio{}, heartbeat_before_s{}, heartbeat_after_s{};
    // Where no steady beat is found, an irregular one (ectopic beats, atrial fibrillation): at
    // least heartbeat_irregular_min_beats events (0: no such search; heartbeat_min_beats 0
    // stops it too) on any channel, alike in peak (heartbeat_peak_ratio), duration
    // (heartbeat_irregular_duration_ratio) and channels seen, at
    // heartbeat_irregular_min_rate_per_min to heartbeat_max_rate_per_min, at least
    // heartbeat_irregular_share of their intervals within heartbeat_irregular_spread of the
    // median, and at most heartbeat_irregular_stray_share of them closer than the shortest beat
    // interval to the beat before.
    // Each class is grown around one event, its centre; of many events only every n-th is tried,
    // so that at most heartbeat_irregular_max_centres are (the search grows with the events
    // times the centres, not with the square of the events).
    std::size_t heartbeat_irregular_min_beats{}, heartbeat_irregular_max_centres{};
    double heartbeat_irregular_min_rate_per_min{}, heartbeat_irregular_duration_ratio{};
    double heartbeat_irregular_spread{}, heartbeat_irregular_share{};
    double heartbeat_irregular_stray_share{};
    // Once a heart is found, premature (ectopic) beats: at least heartbeat_ectopic_min_beats
    // events (0: none looked for) outside the beats' windows, alike as above, of which at least
    // heartbeat_irregular_share follow the beat before at one lag (within
    // heartbeat_ectopic_lag_tolerance of the median lag).
    std::size_t heartbeat_ectopic_min_beats{};
    double heartbeat_ectopic_lag_tolerance{};
    // An event the echo rule dropped because it followed a beat's larger event on its channel
    // is a twitch the beat hid, and counted, if it begins at least heartbeat_hidden_after_s
    // after the beat (and outside every beat's window).
    double heartbeat_hidden_after_s{};

    // The defaults for a kind of channel (other kinds get the EMG ones).
    static DetectOptions for_kind(ChannelKind kind);
    // Every option with its value and a one-line description (for --help and the docs).
    std::vector<std::pair<std::string, std::string>> describe() const;
    // Sets an option by name from text ("threshold=5"); throws InputError for unknown names.
    void set(std::string_view name, std::string_view value);
    // Throws InputError naming the first rule the options break ("detect: refractory_s must be
    // >= 0"; `which` goes before the rule, e.g. "accelerometer option "). Windows in seconds
    // have upper bounds too: memory and time grow with them.
    void validate(std::string_view which = {}) const;
};

struct DetectedEvent {
    double onset_s = 0;
    double duration_s = 0;
    std::size_t channel = 0;  // index among the detector's channels
    double peak = 0;          // largest |band-passed value|, physical unit
    double snr = 0;           // peak / noise floor of that channel
    std::size_t channels_seen = 1;
};

// An event dropped as the echo of a larger one shortly before it on the same channel
// (echo_window_s, echo_ratio). When that larger one proves to be a heartbeat's, the event was
// no echo but a twitch the beat hid (docs/detection.md, the heart's signal, step 6).
struct DroppedEcho {
    DetectedEvent event;       // on its own channel, not merged with others (channels_seen 1)
    double after_onset_s = 0;  // onset of the larger event it followed
};

// An event rejected as a glitch (a one- or two-sample electrode pop or bit error, glitch_max_s).
struct Glitch {
    double time_s = 0;  // of the band-passed peak
    std::size_t channel = 0;
};

struct Exclusion {
    double start_s = 0;
    double end_s = 0;
    std::string reason;  // "settling", "voluntary", "artefact", "flat"
};

// The whole pipeline for channels sharing one sample rate. execute() takes any block size.
class Detector {
  public:
    Detector(std::size_t channels, double sample_rate_hz, DetectOptions options = {});
    ~Detector();
    Detector(Detector&&) noexcept;
    Detector& operator=(Detector&&) noexcept;

    void reset();
    // start_s: recording time of the block's first frame (EDF+D files have gaps).
    void execute(std::span<const float> frames, std::size_t frame_count, double start_s);
    void execute(std::span<const float> frames, std::size_t frame_count);  // continues in time
    void finish();  // processes what is buffered; call once at the end

    // Events found so far (merged across channels), in onset order; take_events() hands them over.
    std::vector<DetectedEvent> take_events();
    // Events rejected as glitches so far; take_glitches() hands them over.
    std::vector<Glitch> take_glitches();
    // Events dropped as echoes so far; take_echoes() hands them over.
    std::vector<DroppedEcho> take_echoes();
    // The digital step of each channel in its physical unit, from the file's header (0: not
    // known, as in CSV); the detector also measures it from the data (docs/detection.md, step 4).
    // Call before execute().
    void set_resolution(std::span<const double> steps);
    const std::vector<Exclusion>& exclusions() const;
    double processed_s() const;
    double excluded_s() const;
    std::vector<double> noise_rms() const;  // mean robust noise sigma per channel (analysed time)
    double mains_hz() const;                // 0 when no mains was notched
    std::vector<double> notch_frequencies_hz() const;
    // Per channel: seconds in which its raw samples did not change at all (whole segments), in
    // all of the recording and in the time analysed (not excluded).
    std::vector<double> flat_s() const;
    std::vector<double> flat_analysed_s() const;

  private:
    std::unique_ptr<detail::DetectorState> state_;
};

// Flat (no variation) or saturated (more than saturated_fraction of the samples, and at least
// 8, at the ends of the physical range) channels cannot be analysed. Frames are fed in blocks,
// so memory does not grow with the probe's length or the sample rate. A sample is at an end when
// it lies within half a digital step of it (EDF, BDF) or equals it (CSV, whose range is its own
// data's: a single spike there must not make every other sample "near" the other end).
class ChannelQualityProbe {
  public:
    ChannelQualityProbe(std::span<const ChannelInfo> channels, double saturated_fraction);
    void add(std::span<const float> frames, std::size_t frame_count);  // frame-major
    // Per channel: an empty string when usable, else the reason ("flat", "saturated").
    std::vector<std::string> verdict() const;

  private:
    struct Channel {
        double low = 0, high = 0;                      // the physical range's ends
        double low_tolerance = 0, high_tolerance = 0;  // how near an end counts as at it
        float smallest = 0, largest = 0;               // of the samples seen
        std::size_t at_ends = 0;
    };
    std::vector<Channel> channels_;
    double saturated_fraction_;
    std::size_t frames_ = 0;
};

// A recording analysed end to end (reading through recording.hpp).
struct ChannelReport {
    std::string label;
    ChannelKind kind = ChannelKind::emg;
    std::string physical_unit;
    double sample_rate_hz = 0;
    std::size_t events = 0;
    double rate_per_min = 0;
    double noise_rms = 0;
    double peak_min = 0, peak_max = 0;
    std::string skipped;  // reason when the channel was not analysed
};
struct EventReport {
    double onset_s = 0, duration_s = 0;
    std::size_t channel = 0;  // index into DetectionReport::channels
    double peak = 0, snr = 0;
    std::size_t channels_seen = 1;
};
struct GlitchReport {
    double time_s = 0;
    std::size_t channel = 0;  // index into DetectionReport::channels
};
// Events of one kind of channel not counted because they came with a heartbeat, and the time
// around the beats that was therefore not analysed.
struct HeartbeatReport {
    ChannelKind kind = ChannelKind::emg;
    std::size_t events = 0;
    double beats_per_min = 0;
    double excluded_s = 0;
    std::vector<double> beats_s;                     // seen or not
    double window_before_s = 0, window_after_s = 0;  // around each beat: the heartbeat's
    bool irregular = false;  // found by its beats' sameness, not by a steady rhythm
};
struct DetectionReport {
    std::string file;
    std::string start;  // ISO 8601 start of the recording, if the header has one
    double duration_s = 0, analysed_s = 0, excluded_s = 0;
    double rate_per_min = 0;  // events of primary_kind() per analysed minute
    std::vector<ChannelReport> channels;
    std::vector<EventReport> events;
    std::vector<Exclusion> exclusions;
    std::vector<GlitchReport> glitches;  // rejected events in the analysed time
    std::vector<double> mains_notches_hz;
    std::vector<HeartbeatReport> heartbeat;
    std::vector<std::string> warnings;
};
struct DetectRequest {
    std::vector<std::string> channel_labels;  // empty = all signal channels
    DetectOptions emg = DetectOptions::for_kind(ChannelKind::emg);
    DetectOptions accelerometer = DetectOptions::for_kind(ChannelKind::accelerometer);
    double block_s = 1.0;
    // Read the next block on a second thread while this one is analysed, where the process may
    // run on more than one CPU. The report is the same either way.
    bool read_ahead = true;
    std::function<void(double fraction_done)> progress;  // may be empty
};
DetectionReport detect_recording(const std::filesystem::path& file, const DetectRequest& request);
// The kind whose events are counted: EMG when any EMG channel was analysed, else accelerometer.
ChannelKind primary_kind(const DetectionReport& report);
// Seconds excluded per reason: the exclusions' reasons, and "heartbeat" for the time around the
// beats of the primary kind's channels (together they make excluded_s), in reason order.
std::map<std::string, double> excluded_by_reason(const DetectionReport& report);

nlohmann::json to_json(const DetectionReport& report);

}  // namespace twitchwatch::signal
