// libFuzzer target: the CSV reader (header row, numbers, time column regularity).
#include "fuzz_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tw_fuzz::read_whole_recording(data, size, ".csv");
    return 0;
}
