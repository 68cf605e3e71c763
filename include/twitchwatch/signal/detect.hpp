#pragma once
// Twitch (fasciculation potential) detection in resting surface EMG and accelerometer channels.
// Streaming: samples arrive frame-major (out[frame * channels + c]) block by block and memory
// stays bounded whatever the length of the recording. The method and every option with its
// default are described in docs/detection.md; the JSON report in docs/detect-output.md.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

struct DetectOptions {
    // Band-pass (Butterworth, causal, applied as cascaded biquads).
    double band_low_hz = 20.0;
    double band_high_hz = 450.0;  // lowered to 0.45 x sample rate when above it
    int band_order = 2;           // order of the high-pass and of the low-pass (even)
    // Mains rejection: "auto" (find 50 or 60 Hz and which harmonics are present in the first
    // mains_probe_s), "off", "50" or "60" (notch every harmonic below the band's upper edge).
    std::string mains = "auto";
    int mains_harmonics = 8;  // highest harmonic considered
    // -3 dB width of each notch. Narrow notches ring less after a large twitch (the ringing's
    // amplitude grows with the width) but need a stable mains frequency.
    double mains_notch_bandwidth_hz = 2.0;
    double mains_detect_ratio = 10.0;  // harmonic power / power beside it to count as present
    double mains_probe_s = 1.0;
    // Envelope: squared band-passed signal smoothed by a one-pole low-pass.
    double envelope_time_constant_s = 0.003;
    // Noise floor: robust sigma (1.4826 x median |x|) per segment, a low quantile of the history.
    double segment_s = 0.25;
    double noise_history_s = 30.0;
    // The floor is this quantile of the history, not its median, so that contractions filling
    // most of the history (or the start of a recording) do not lift it.
    double noise_floor_quantile = 0.2;
    // An event starts when the envelope's RMS exceeds threshold x noise floor.
    double threshold = 3.5;
    // The onset reported is where the potential began, not where its envelope crossed the
    // threshold (which for a wide potential is late): the crossing is traced back, at most
    // onset_lookback_s and not into the channel's previous event, while the envelope stays
    // above (onset_level x floor)^2.
    double onset_lookback_s = 0.020;
    double onset_level = 1.5;
    // ...and across dips below that level of at most onset_gap_s to an earlier stretch whose
    // envelope RMS rises above onset_phase_level x floor (where a biphasic potential changes
    // sign its envelope falls; a first phase below the threshold is still part of it).
    double onset_gap_s = 0.005;
    double onset_phase_level = 2.0;
    // A new onset on a channel needs this much time after the last. 20 ms, not less: a long
    // (20-30 ms) bi- or polyphasic potential dips below the threshold between its phases and
    // would otherwise be counted twice (docs/independent-check.md). A doublet within it is
    // found by its repetition (below).
    double refractory_s = 0.020;
    // A doublet (one unit firing twice, 10-110 ms apart) gives one event when the second
    // discharge begins before the first has died away or within refractory_s: an event whose
    // band-passed signal repeats itself at a lag of at least doublet_min_interval_s, with a
    // correlation of at least doublet_correlation between its first part and the part that
    // follows (about equal in size, within echo_ratio), is split into two twitches there.
    double doublet_min_interval_s = 0.015;
    double doublet_correlation = 0.9;
    double min_event_duration_s = 0.002;
    double max_event_duration_s = 0.100;  // longer is not a twitch (dropped)
    // An event smaller than echo_ratio x the peak of the event that began on the same channel
    // at most echo_window_s before it is that event's filter ringing or the band-passed tail of
    // a long potential (0.5-0.65 of its peak), not a twitch; a doublet's second discharge is
    // about as large as the first.
    double echo_window_s = 0.3;
    double echo_ratio = 0.7;
    // Peaks this close on different channels = one twitch: the peak of a long potential falls
    // on different phases on different electrodes, up to about 15 ms apart.
    double merge_window_s = 0.020;
    // A weaker event (below echo_ratio x the twitch's peak over noise) that begins on another
    // channel at most copy_window_s after a twitch began is that twitch seen from farther away.
    double copy_window_s = 0.030;
    // Voluntary contraction: a segment in which some channel's robust noise estimate is above
    // voluntary_level x floor, or its envelope is above voluntary_level x floor for more than
    // voluntary_duty_cycle of the time.
    double voluntary_level = 2.5;
    double voluntary_duty_cycle = 0.5;
    // ...or in which the envelope crosses the event threshold this often (per second).
    double voluntary_crossings_per_s = 16.0;
    std::size_t voluntary_min_channels = 1;
    double voluntary_min_s = 0.5;  // shorter activity is not a voluntary contraction
    // The first seconds are judged again against the floor reached by then (a contraction at the
    // very start would otherwise set the floor); their results wait that long.
    double start_review_s = 10.0;
    // Movement artefact: RMS in the slow band above artefact_ratio x its own floor (median of
    // the history)...
    double artefact_band_low_hz = 1.0;
    double artefact_band_high_hz = 15.0;
    double artefact_ratio = 8.0;
    // ...and also above artefact_level x the EMG noise floor and above the band-passed RMS.
    double artefact_level = 20.0;
    double exclusion_padding_s = 0.5;  // also excluded on either side of a stretch
    // The start of a recording while the filters settle (whole segments) is not analysed.
    double settling_s = 0.1;

    // Defaults for a kind of channel: EMG as above; accelerometers use 1-40 Hz, no mains notch,
    // a longer envelope and no slow-band artefact test (the slow band is the signal).
    static DetectOptions for_kind(ChannelKind kind);
    // Every option with its value and a one-line description (for --help and the docs).
    std::vector<std::pair<std::string, std::string>> describe() const;
    // Sets an option by name from text ("threshold=5"); throws InputError for unknown names.
    void set(std::string_view name, std::string_view value);
};

struct DetectedEvent {
    double onset_s = 0;
    double duration_s = 0;
    std::size_t channel = 0;  // index among the detector's channels
    double peak = 0;          // largest |band-passed value|, physical unit
    double snr = 0;           // peak / noise floor of that channel
    std::size_t channels_seen = 1;
};

struct Exclusion {
    double start_s = 0;
    double end_s = 0;
    std::string reason;  // "voluntary", "artefact"
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
    const std::vector<Exclusion>& exclusions() const;
    double processed_s() const;
    double excluded_s() const;
    std::vector<double> noise_rms() const;  // mean robust noise sigma per channel (analysed time)
    double mains_hz() const;                // 0 when no mains was notched
    std::vector<double> notch_frequencies_hz() const;

  private:
    std::unique_ptr<detail::DetectorState> state_;
};

// Flat (no variation) or saturated (stuck at the physical limits) channels cannot be analysed.
// Returns, per channel, an empty string when usable or the reason ("flat", "saturated").
std::vector<std::string> check_channel_quality(std::span<const float> frames,
                                               std::size_t frame_count, std::size_t channels,
                                               std::span<const double> physical_min,
                                               std::span<const double> physical_max);

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
struct DetectionReport {
    std::string file;
    std::string start;  // ISO 8601 start of the recording, if the header has one
    double duration_s = 0, analysed_s = 0, excluded_s = 0;
    double rate_per_min = 0;  // events of primary_kind() per analysed minute
    std::vector<ChannelReport> channels;
    std::vector<EventReport> events;
    std::vector<Exclusion> exclusions;
    std::vector<double> mains_notches_hz;
    std::vector<std::string> warnings;
};
struct DetectRequest {
    std::vector<std::string> channel_labels;  // empty = all signal channels
    DetectOptions emg = DetectOptions::for_kind(ChannelKind::emg);
    DetectOptions accelerometer = DetectOptions::for_kind(ChannelKind::accelerometer);
    double block_s = 1.0;
    std::function<void(double fraction_done)> progress;  // may be empty
};
DetectionReport detect_recording(const std::filesystem::path& file, const DetectRequest& request);
// The kind whose events are counted: EMG when any EMG channel was analysed, else accelerometer.
ChannelKind primary_kind(const DetectionReport& report);

nlohmann::json to_json(const DetectionReport& report);

}  // namespace twitchwatch::signal
