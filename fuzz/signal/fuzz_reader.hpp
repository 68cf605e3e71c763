#pragma once
// Shared body of the reader fuzz targets: the input goes to a file (the readers take paths),
// whose header is read and whose samples are streamed to the end.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace tw_fuzz {

inline void read_whole_recording(const std::uint8_t* data, std::size_t size,
                                 const std::string& extension) {
    static const auto path = std::filesystem::temp_directory_path() /
                             ("twitchwatch-fuzz-" + std::to_string(::getpid()) + extension);
    // Removed after every input, however it ends: libFuzzer leaves a process without running its
    // static destructors, and a file per run piled up in the temporary folder.
    struct RemoveAtEnd {
        ~RemoveAtEnd() {
            std::error_code ignored;
            std::filesystem::remove(path, ignored);
        }
    } remove_at_end;
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        const auto info = twitchwatch::signal::read_recording_info(path);
        // Channels of each sample rate in turn, as a caller with mixed rates does.
        for (std::size_t c = 0; c < info.channels.size(); ++c) {
            auto reader = twitchwatch::signal::SampleReader::open(path, {c});
            std::vector<float> block(64);
            double start_s = 0;
            while (reader->read(block, block.size(), start_s) > 0) {
            }
        }
    } catch (const twitchwatch::InputError&) {
        // Rejecting a malformed file with a message is the expected outcome.
    }
}

}  // namespace tw_fuzz
