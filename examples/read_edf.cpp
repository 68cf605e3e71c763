// Prints what twitchwatch reads from a recording: its header as one JSON line starting with "# ",
// then one line per frame, "time_s,value,value,..." in physical units.
//
//   example_read_edf FILE [MAX_FRAMES [CHANNEL_INDEX...]]
//
// MAX_FRAMES defaults to 10 (0 prints every frame); the channels (indices into the header's list,
// default all) must share one sample rate. tests/signal/compare_with_mne.py uses it as a dump tool.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace tws = twitchwatch::signal;

namespace {

nlohmann::json header_json(const tws::RecordingInfo& info) {
    nlohmann::json header = {{"format", info.format},
                             {"duration_s", info.duration_s},
                             {"start", info.start},
                             {"warnings", info.warnings},
                             {"channels", nlohmann::json::array()},
                             {"annotations", nlohmann::json::array()}};
    for (const auto& channel : info.channels) {
        header["channels"].push_back({{"label", channel.label},
                                      {"unit", channel.physical_unit},
                                      {"sample_rate_hz", channel.sample_rate_hz},
                                      {"physical_min", channel.physical_min},
                                      {"physical_max", channel.physical_max},
                                      {"digital_min", channel.digital_min},
                                      {"digital_max", channel.digital_max},
                                      {"sample_count", channel.sample_count}});
    }
    for (const auto& annotation : info.annotations) {
        header["annotations"].push_back({{"onset_s", annotation.onset_s},
                                         {"duration_s", annotation.duration_s},
                                         {"text", annotation.text}});
    }
    return header;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: example_read_edf FILE [MAX_FRAMES [CHANNEL_INDEX...]]\n";
        return twitchwatch::kExitBadInput;
    }
    try {
        const std::size_t max_frames = argc > 2 ? std::stoull(argv[2]) : 10;
        std::vector<std::size_t> channels;
        for (int i = 3; i < argc; ++i) channels.push_back(std::stoull(argv[i]));

        auto reader = tws::SampleReader::open(argv[1], channels);
        std::cout << "# " << header_json(reader->info()).dump() << '\n';

        constexpr std::size_t kBlockFrames = 4096;
        const std::size_t n = reader->channel_count();
        std::vector<float> block(kBlockFrames * n);
        std::size_t printed = 0;
        double start_s = 0;
        while (max_frames == 0 || printed < max_frames) {
            const std::size_t want =
                max_frames == 0 ? kBlockFrames : std::min(kBlockFrames, max_frames - printed);
            const std::size_t got = reader->read(block, want, start_s);
            if (got == 0) break;
            for (std::size_t f = 0; f < got; ++f) {
                std::printf("%.9g", start_s + static_cast<double>(f) / reader->sample_rate_hz());
                for (std::size_t c = 0; c < n; ++c) std::printf(",%.9g", block[f * n + c]);
                std::printf("\n");
            }
            printed += got;
        }
    } catch (const twitchwatch::InputError& error) {
        std::cerr << error.what() << '\n';
        return twitchwatch::kExitBadInput;
    } catch (const std::logic_error& error) {  // std::stoull on a bad number
        std::cerr << "bad argument: " << error.what() << '\n';
        return twitchwatch::kExitBadInput;
    }
    return twitchwatch::kExitOk;
}
