// Sensitivity, precision and F1 of the detector per SNR and condition on simulated recordings
// (8 channels, 5 minutes, 40 twitches/min, every twitch exactly SNR x noise RMS; a hit is within
// +-20 ms on the right channel), then the same for an accelerometer. Printed as Markdown tables
// for docs/performance-signal.md.
//
//   build/release/bench/signal/bench_detect_f1
#include <algorithm>
#include <cstdio>
#include <vector>

#include "twitchwatch/signal/detect.hpp"
#include "twitchwatch/signal/simulate.hpp"

namespace tws = twitchwatch::signal;

namespace {

// Whether a true onset lies in the analysed time: outside every exclusion widened by `margin_s`
// (the truth is scored over the analysed time only).
bool analysed(const tws::Detector& detector, double onset_s, double margin_s) {
    const auto& stretches = detector.exclusions();
    return std::none_of(stretches.begin(), stretches.end(), [&](const auto& x) {
        return onset_s >= x.start_s - margin_s && onset_s <= x.end_s + margin_s;
    });
}

// One accelerometer over 2 twitching EMG channels: it feels every twitch, as the simulator's
// skin acceleration (twitch_acceleration), 15 ms after the potential (knowledge/simulation.toml);
// a twitch of relative size r (U(1, amplitude_spread)) peaks at r x 10 noise RMS. Doublets are left
// out: their two discharges 10-110 ms apart fuse into one movement, which the 0.1 s refractory
// period counts once. A hit is within +-50 ms of the potential's onset plus the delay (the
// movement's rise is slow). Defaults of DetectOptions::for_kind(accelerometer).
void print_accelerometer_table() {
    struct Condition {
        const char* name;
        double spread, bursts, artefacts;
    };
    const Condition conditions[] = {{"sizes 1 (10 x noise)", 1, 0, 0},
                                    {"sizes 1-3 (10-30 x noise)", 3, 0, 0},
                                    {"sizes 1-3, bursts 1/min", 3, 1, 0},
                                    {"sizes 1-3, artefacts 1/min", 3, 0, 1}};
    std::printf("\n| accelerometer | sensitivity | precision | F1 | excluded s |\n");
    std::printf("|---|---|---|---|---|\n");
    for (const auto& c : conditions) {
        tws::SimulationOptions o;
        o.duration_s = 300;
        o.emg_channels = 2;
        o.accelerometer_channels = 1;
        o.rate_per_min = 30;
        o.snr = 8;
        o.amplitude_spread = c.spread;  // relative sizes U(1, spread)
        o.doublet_probability = 0;
        o.bursts_per_min = c.bursts;
        o.artefacts_per_min = c.artefacts;
        o.seed = 42;
        tws::Simulator sim(o);
        const std::size_t channels = sim.channel_count();
        tws::Detector detector(1, o.sample_rate_hz,
                               tws::DetectOptions::for_kind(tws::ChannelKind::accelerometer));
        std::vector<float> block(2048 * channels), accelerometer(2048);
        while (const std::size_t n = sim.generate(block, 2048)) {
            for (std::size_t f = 0; f < n; ++f) accelerometer[f] = block[f * channels + 2];
            detector.execute(accelerometer, n);
        }
        detector.finish();
        std::vector<tws::ScoredEvent> found;
        for (const auto& e : detector.take_events()) found.push_back({e.onset_s, 0});
        std::vector<tws::TruthEvent> truth;
        for (auto t : sim.truth().events) {
            if (!analysed(detector, t.onset_s, 0.05)) continue;
            t.channel = 0;
            t.onset_s += 0.015;
            truth.push_back(t);
        }
        const auto score = tws::score_events(truth, found, 0.050);
        std::printf("| %s | %.3f | %.3f | %.3f | %.1f |\n", c.name, score.sensitivity(),
                    score.precision(), score.f1(), detector.excluded_s());
    }
}

}  // namespace

int main() {
    struct Condition {
        const char* name;
        double mains, drift, bursts, artefacts;
    };
    const Condition conditions[] = {
        {"clean", 0, 0, 0, 0},           {"mains 50 Hz", 50, 0, 0, 0},
        {"drift 150 uV", 0, 150, 0, 0},  {"bursts 1/min", 0, 0, 1, 0},
        {"artefacts 1/min", 0, 0, 0, 1}, {"all of them", 50, 150, 1, 1}};
    std::printf("| condition | SNR | sensitivity | precision | F1 | excluded s |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const auto& c : conditions) {
        for (double snr : {2.0, 3.0, 4.0, 5.0, 8.0, 20.0}) {
            tws::SimulationOptions o;
            o.duration_s = 300;
            o.emg_channels = 8;
            o.rate_per_min = 40;
            o.snr = snr;
            o.amplitude_spread = 1;
            o.doublet_probability = 0.15;
            o.mains_hz = c.mains;
            o.drift_amplitude_uv = c.drift;
            o.bursts_per_min = c.bursts;
            o.artefacts_per_min = c.artefacts;
            o.seed = 42;
            tws::Simulator sim(o);
            tws::Detector detector(sim.channel_count(), o.sample_rate_hz);
            std::vector<float> block(2048 * sim.channel_count());
            while (const std::size_t n = sim.generate(block, 2048)) detector.execute(block, n);
            detector.finish();
            std::vector<tws::ScoredEvent> found;
            for (const auto& e : detector.take_events()) found.push_back({e.onset_s, e.channel});
            std::vector<tws::TruthEvent> truth;
            for (const auto& t : sim.truth().events) {
                if (analysed(detector, t.onset_s, 0.02)) truth.push_back(t);
            }
            const auto score = tws::score_events(truth, found, 0.020);
            std::printf("| %s | %.0f | %.3f | %.3f | %.3f | %.1f |\n", c.name, snr,
                        score.sensitivity(), score.precision(), score.f1(), detector.excluded_s());
        }
    }
    print_accelerometer_table();
    return 0;
}
