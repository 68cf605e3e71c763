// libFuzzer target: EDF/EDF+/BDF/BDF+ header parsing, TAL parsing and sample decoding.
#include "fuzz_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tw_fuzz::read_whole_recording(data, size, ".edf");
    return 0;
}
