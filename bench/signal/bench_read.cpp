// Time to read and decode a 64-channel, 2048 Hz, one-hour EDF+ file: twitchwatch's record-level
// SampleReader against EDFlib's per-sample reading of the same file. The file (about 0.9 GB) is
// generated once in the temporary directory, never in the repository.
//
//   cmake --preset release && cmake --build --preset release --target bench_read
//   build/release/bench/signal/bench_read
//
// Results and their discussion: docs/performance-signal-read.md.
#include <benchmark/benchmark.h>
#include <edflib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include "bench_support.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace tws = twitchwatch::signal;

namespace {

constexpr std::size_t kChannels = 64;
constexpr std::size_t kRateHz = 2048;
constexpr std::size_t kSeconds = 3600;
constexpr std::size_t kSamples = kChannels * kRateHz * kSeconds;

// Writes the file once per machine (a later run reuses it if its size is right).
const std::filesystem::path& recording() {
    static const std::filesystem::path path = [] {
        auto file = std::filesystem::temp_directory_path() / "twitchwatch-bench-64ch-2048Hz-1h.edf";
        const std::uintmax_t expected =
            256 * (kChannels + 2) + kSeconds * (kChannels * kRateHz * 2 + 114);
        std::error_code error;
        if (std::filesystem::file_size(file, error) == expected) return file;
        std::vector<tws::WriteChannel> channels;
        for (std::size_t c = 0; c < kChannels; ++c) {
            channels.push_back({"EMG " + std::to_string(c + 1), "uV", kRateHz, -5000, 5000, ""});
        }
        tws::EdfPlusWriter writer(file, channels);
        std::vector<float> second(kChannels * kRateHz);
        std::uint32_t state = 12345;  // a cheap generator: the content does not matter here
        for (std::size_t s = 0; s < kSeconds; ++s) {
            for (auto& value : second) {
                state = state * 1664525u + 1013904223u;
                value = static_cast<float>(static_cast<std::int32_t>(state >> 8) % 4000);
            }
            writer.write(second, kRateHz);
        }
        writer.close();
        return file;
    }();
    return path;
}

void report(benchmark::State& state, double checksum) {
    benchmark::DoNotOptimize(checksum);
    state.counters["samples_per_s"] =
        benchmark::Counter(static_cast<double>(kSamples) * static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate);
    state.counters["peak_rss_MiB"] = twitchwatch::bench::peak_rss_mib();
}

void BM_Twitchwatch_SampleReader(benchmark::State& state) {
    const auto& file = recording();
    const auto block_frames = static_cast<std::size_t>(state.range(0));
    double checksum = 0;
    for (auto _ : state) {
        auto reader = tws::SampleReader::open(file, {});
        std::vector<float> block(block_frames * reader->channel_count());
        double start_s = 0;
        std::size_t frames = 0;
        while (const auto got = reader->read(block, block_frames, start_s)) {
            checksum += block[0];
            frames += got;
        }
        if (frames != kRateHz * kSeconds) state.SkipWithError("wrong frame count");
    }
    report(state, checksum);
}
BENCHMARK(BM_Twitchwatch_SampleReader)->Arg(2048)->Unit(benchmark::kSecond)->Iterations(1);

// The floor: the file's bytes read in the same 4 MiB blocks, nothing decoded.
void BM_RawBytes(benchmark::State& state) {
    const auto& file = recording();
    std::vector<char> block(4 << 20);
    double checksum = 0;
    for (auto _ : state) {
        std::ifstream in(file, std::ios::binary);
        while (in.read(block.data(), static_cast<std::streamsize>(block.size())) ||
               in.gcount() > 0) {
            checksum += block[0];
        }
    }
    report(state, checksum);
}
BENCHMARK(BM_RawBytes)->Unit(benchmark::kSecond)->Iterations(1);

// EDFlib as its users call it: each channel read a data record's worth of samples at a time.
void BM_Edflib_PerSample(benchmark::State& state) {
    const auto& file = recording();
    double checksum = 0;
    for (auto _ : state) {
        edf_hdr_struct header{};
        if (edfopen_file_readonly(file.c_str(), &header, EDFLIB_DO_NOT_READ_ANNOTATIONS) != 0) {
            state.SkipWithError("EDFlib cannot open the file");
            return;
        }
        std::vector<double> buffer(kRateHz);
        for (long long record = 0; record < header.datarecords_in_file; ++record) {
            for (int c = 0; c < header.edfsignals; ++c) {
                edfread_physical_samples(header.handle, c, static_cast<int>(kRateHz),
                                         buffer.data());
                checksum += buffer[0];
            }
        }
        edfclose_file(header.handle);
    }
    report(state, checksum);
}
BENCHMARK(BM_Edflib_PerSample)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
