// Throughput of the whole detect pipeline on a simulated 64-channel, 2048 Hz, one-hour EDF+
// recording (generated once into the temporary directory), next to the time to merely read it,
// and of the detector alone on the first two minutes held in memory (the slice the SciPy
// reference times). Peak memory and user / system CPU time from getrusage.
//
//   cmake --preset release && cmake --build --preset release --target bench_detect
//   build/release/bench/signal/bench_detect
//
// bench/signal/run.sh runs this, the SciPy reference and the F1 table; results in
// docs/performance-signal.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "bench_support.hpp"
#include "twitchwatch/signal/detect.hpp"
#include "twitchwatch/signal/recording.hpp"
#include "twitchwatch/signal/simulate.hpp"

namespace tws = twitchwatch::signal;

namespace {

constexpr std::size_t kChannels = 64;
constexpr double kRateHz = 2048;
constexpr double kSeconds = 3600;

tws::SimulationOptions bench_simulation() {
    tws::SimulationOptions o;
    o.duration_s = kSeconds;
    o.emg_channels = kChannels;
    o.sample_rate_hz = kRateHz;
    o.rate_per_min = 40;  // the median of SPiQE's ALS recordings
    o.snr = 8;
    o.mains_hz = 50;
    o.bursts_per_min = 0.5;
    o.artefacts_per_min = 0.2;
    o.seed = 2026;
    return o;
}

// The recording, written once (a later run reuses it when its size is right).
const std::filesystem::path& recording() {
    static const std::filesystem::path path = [] {
        auto file =
            std::filesystem::temp_directory_path() / "twitchwatch-bench-detect-64ch-2048Hz-1h.edf";
        const auto samples = static_cast<std::uintmax_t>(kChannels * kRateHz);
        const std::uintmax_t expected =
            256 * (kChannels + 2) + static_cast<std::uintmax_t>(kSeconds) * (samples * 2 + 114);
        std::error_code error;
        if (std::filesystem::file_size(file, error) == expected) return file;
        tws::Simulator simulator(bench_simulation());
        std::vector<tws::WriteChannel> channels;
        for (const auto& label : simulator.channel_labels()) {
            channels.push_back({label, "uV", kRateHz, -3000, 3000, "simulated surface EMG"});
        }
        tws::EdfPlusWriter writer(file, channels);
        std::vector<float> second(kChannels * static_cast<std::size_t>(kRateHz));
        while (const std::size_t n =
                   simulator.generate(second, static_cast<std::size_t>(kRateHz))) {
            writer.write(second, n);
        }
        writer.close();
        return file;
    }();
    return path;
}

// The floor: read and decode every sample, nothing else.
void BM_ReadOnly(benchmark::State& state) {
    const auto& file = recording();
    std::size_t frames = 0;
    for (auto _ : state) {
        auto reader = tws::SampleReader::open(file, {});
        std::vector<float> block(reader->channel_count() * 2048);
        double start = 0;
        frames = 0;
        while (const std::size_t n = reader->read(block, 2048, start)) frames += n;
        benchmark::DoNotOptimize(block.data());
    }
    state.counters["samples_per_s"] = benchmark::Counter(
        static_cast<double>(frames * kChannels), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_rss_MiB"] = twitchwatch::bench::peak_rss_mib();
}

// What `twitchwatch detect FILE` does: read, check, filter, detect, exclude, merge, report.
void BM_DetectFile(benchmark::State& state) {
    const auto& file = recording();
    tws::DetectionReport report;
    const auto before = twitchwatch::bench::cpu_times();
    for (auto _ : state) report = tws::detect_recording(file, {});
    const auto after = twitchwatch::bench::cpu_times();
    state.counters["user_s"] = after.user_s - before.user_s;
    state.counters["system_s"] = after.system_s - before.system_s;
    state.counters["samples_per_s"] = benchmark::Counter(
        report.duration_s * kRateHz * kChannels, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["events"] = static_cast<double>(report.events.size());
    state.counters["rate_per_min"] = report.rate_per_min;
    state.counters["excluded_s"] = report.excluded_s;
    state.counters["peak_rss_MiB"] = twitchwatch::bench::peak_rss_mib();
}

// The whole file in wall-clock time, without (0) and with (1) the read-ahead thread, which reads
// the next block while the detector works on this one (DetectRequest::read_ahead). It can only
// help where a second CPU is free, so run.sh runs this one apart, without taskset.
void BM_DetectFileWallTime(benchmark::State& state) {
    const auto& file = recording();
    tws::DetectRequest request;
    request.read_ahead = state.range(0) != 0;
    tws::DetectionReport report;
    const auto before = twitchwatch::bench::cpu_times();
    for (auto _ : state) report = tws::detect_recording(file, request);
    const auto after = twitchwatch::bench::cpu_times();
    const auto runs = static_cast<double>(state.iterations());
    state.counters["user_s"] = (after.user_s - before.user_s) / runs;
    state.counters["system_s"] = (after.system_s - before.system_s) / runs;
    state.counters["samples_per_s"] = benchmark::Counter(
        report.duration_s * kRateHz * kChannels, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["events"] = static_cast<double>(report.events.size());
}

// The detector alone on samples already in memory (no reading): the first two minutes of the
// same file, the slice scripts/scipy_reference.py times, so the two are compared like for like.
void BM_DetectorInMemory(benchmark::State& state) {
    constexpr std::size_t kSliceFrames = static_cast<std::size_t>(120 * kRateHz);
    std::vector<float> samples(kSliceFrames * kChannels);
    {
        auto reader = tws::SampleReader::open(recording(), {});
        double start = 0;
        std::size_t have = 0;
        while (have < kSliceFrames) {
            const std::size_t n = reader->read(std::span<float>(samples).subspan(have * kChannels),
                                               kSliceFrames - have, start);
            if (n == 0) break;
            have += n;
        }
    }
    const auto before = twitchwatch::bench::cpu_times();
    for (auto _ : state) {
        tws::Detector detector(kChannels, kRateHz);
        for (std::size_t f = 0; f < kSliceFrames; f += 2048) {
            const std::size_t n = std::min<std::size_t>(2048, kSliceFrames - f);
            detector.execute(std::span<const float>(samples).subspan(f * kChannels), n);
        }
        detector.finish();
        benchmark::DoNotOptimize(detector.take_events());
    }
    const auto after = twitchwatch::bench::cpu_times();
    const auto iterations = static_cast<double>(state.iterations());
    state.counters["samples_per_s"] = benchmark::Counter(
        static_cast<double>(samples.size()), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["user_s"] = (after.user_s - before.user_s) / iterations;
    state.counters["system_s"] = (after.system_s - before.system_s) / iterations;
}

}  // namespace

BENCHMARK(BM_ReadOnly)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_DetectFile)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_DetectFileWallTime)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kSecond)
    ->Iterations(3)
    ->UseRealTime();
BENCHMARK(BM_DetectorInMemory)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK_MAIN();
