#pragma once
// The format-specific readers behind read_recording_info and SampleReader::open.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal::io {

RecordingInfo read_edf_info(const std::filesystem::path& file);
std::unique_ptr<SampleReader> open_edf_reader(const std::filesystem::path& file,
                                              std::vector<std::size_t> channel_indices);

RecordingInfo read_csv_info(const std::filesystem::path& file);
std::unique_ptr<SampleReader> open_csv_reader(const std::filesystem::path& file,
                                              std::vector<std::size_t> channel_indices);

// Checks the chosen channels against `info` (empty = all) and returns them with their shared
// sample rate. Throws InputError for an index out of range or differing sample rates.
std::vector<std::size_t> choose_channels(const RecordingInfo& info,
                                         std::vector<std::size_t> channel_indices,
                                         double& sample_rate_hz);

}  // namespace twitchwatch::signal::io
