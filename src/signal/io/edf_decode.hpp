#pragma once
// EDF/BDF samples to frame-major floats. Records store each channel's samples together; callers
// (the detector) want every channel of one frame together. Decoding and interleaving happen in
// one pass: with AVX-512 the digital values of 8 channels x 8 frames are transposed in registers
// before they are scaled, so no planar copy is written and read back.
//
// The arithmetic is EDFlib's, bit for bit: static_cast<float>(digital * gain + offset) in double
// (tests/signal/test_recording_edflib.cpp and compare_with_mne.py hold the reader to it, and
// test_internal_edf_decode.cpp holds every code path here to the scalar formula).

#include <cstddef>
#include <span>
#include <vector>

namespace twitchwatch::signal::io {

// Where each selected channel's samples start in a data record, and its digital-to-physical
// scaling: physical = digital * gain + offset.
struct DecodeChannel {
    std::size_t byte_offset = 0;
    double gain = 1, offset = 0;
};

class FrameDecoder {
  public:
    FrameDecoder(std::vector<DecodeChannel> channels, int bytes_per_sample);
    // Decodes frames [first_frame, first_frame + frames) of the data record at `record` into
    // `out` (frames * channel count floats, frame after frame).
    void decode(const unsigned char* record, std::size_t first_frame, std::size_t frames,
                float* out);

    // The code paths, public for test_internal_edf_decode.cpp: the vector one (only when
    // vector_path_available()) and the portable one, which decode() uses on other CPUs.
    static bool vector_path_available();
    void decode_vector(const unsigned char* record, std::size_t first_frame, std::size_t frames,
                       float* out) const;
    void decode_portable(const unsigned char* record, std::size_t first_frame, std::size_t frames,
                         float* out);

  private:
    std::vector<std::size_t> byte_offsets_;
    std::vector<double> gains_, offsets_;  // contiguous, so 8 channels' load as one vector
    int bytes_per_sample_;
    bool use_vector_path_;
    std::vector<float> tile_;  // the portable path's planar scratch
};

}  // namespace twitchwatch::signal::io
