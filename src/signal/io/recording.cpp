// Skeleton: the readers and the writer arrive in the next commits.
#include "twitchwatch/signal/recording.hpp"

#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal {

RecordingInfo read_recording_info(const std::filesystem::path& file) {
    throw InputError(file.string() + ": reading recordings is not implemented yet");
}

std::unique_ptr<SampleReader> SampleReader::open(const std::filesystem::path& file,
                                                 std::vector<std::size_t> /*channel_indices*/) {
    throw InputError(file.string() + ": reading recordings is not implemented yet");
}

class EdfPlusWriter::Impl {};

EdfPlusWriter::EdfPlusWriter(const std::filesystem::path& file, std::vector<WriteChannel>, double,
                             bool) {
    throw InputError(file.string() + ": writing recordings is not implemented yet");
}
EdfPlusWriter::~EdfPlusWriter() = default;
EdfPlusWriter::EdfPlusWriter(EdfPlusWriter&&) noexcept = default;
EdfPlusWriter& EdfPlusWriter::operator=(EdfPlusWriter&&) noexcept = default;
void EdfPlusWriter::write(std::span<const float>, std::size_t) {}
void EdfPlusWriter::annotate(double, double, std::string_view) {}
void EdfPlusWriter::close() {}

void write_annotated_copy(const std::filesystem::path& in, const std::filesystem::path&,
                          std::span<const Annotation>) {
    throw InputError(in.string() + ": writing recordings is not implemented yet");
}

}  // namespace twitchwatch::signal
