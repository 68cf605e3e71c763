// Format detection and the parts shared by every reader.
#include "twitchwatch/signal/recording.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "io/edf_header.hpp"
#include "io/readers.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal {
namespace {

enum class Format { kEdf, kCsv };

// EDF and BDF are recognised by their first bytes whatever the file is called; CSV has no magic,
// so it is recognised by its name.
Format detect_format(const std::filesystem::path& file) {
    std::error_code error;
    if (std::filesystem::is_directory(file, error)) {
        throw InputError(file.string() + ": is a directory, not a recording");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file.string() + ": cannot open the file");
    std::string first(8, '\0');
    in.read(first.data(), static_cast<std::streamsize>(first.size()));
    first.resize(static_cast<std::size_t>(in.gcount()));
    if (first.empty()) throw InputError(file.string() + ": the file is empty");
    if (io::looks_like_edf(first)) return Format::kEdf;
    auto extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (extension == ".csv") return Format::kCsv;
    throw InputError(file.string() + ": not an EDF, BDF or CSV file (unknown content)");
}

}  // namespace

RecordingInfo read_recording_info(const std::filesystem::path& file) {
    return detect_format(file) == Format::kEdf ? io::read_edf_info(file) : io::read_csv_info(file);
}

std::unique_ptr<SampleReader> SampleReader::open(const std::filesystem::path& file,
                                                 std::vector<std::size_t> channel_indices) {
    return detect_format(file) == Format::kEdf
               ? io::open_edf_reader(file, std::move(channel_indices))
               : io::open_csv_reader(file, std::move(channel_indices));
}

namespace io {

std::vector<std::size_t> choose_channels(const RecordingInfo& info,
                                         std::vector<std::size_t> channel_indices,
                                         double& sample_rate_hz) {
    if (info.channels.empty()) throw InputError(info.path.string() + ": has no signal channels");
    if (channel_indices.empty()) {
        channel_indices.resize(info.channels.size());
        for (std::size_t i = 0; i < channel_indices.size(); ++i) channel_indices[i] = i;
    }
    for (const auto index : channel_indices) {
        if (index >= info.channels.size()) {
            throw InputError(info.path.string() + ": channel index " + std::to_string(index) +
                             " out of range (" + std::to_string(info.channels.size()) +
                             " channels)");
        }
    }
    sample_rate_hz = info.channels[channel_indices.front()].sample_rate_hz;
    for (const auto index : channel_indices) {
        const double rate = info.channels[index].sample_rate_hz;
        if (std::abs(rate - sample_rate_hz) > 1e-9 * sample_rate_hz) {
            throw InputError(info.path.string() + ": channels '" +
                             info.channels[channel_indices.front()].label + "' and '" +
                             info.channels[index].label +
                             "' have different sample rates; read them separately");
        }
    }
    return channel_indices;
}

}  // namespace io
}  // namespace twitchwatch::signal
