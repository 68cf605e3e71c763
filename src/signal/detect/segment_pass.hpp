#pragma once
// The detector's one pass over the samples of a segment: slow-band sums, band-pass cascade,
// envelope and the per-channel counts the later steps need, for blocks of
// BiquadCascade::kStateLanes channels at a time. Each block keeps the filter state in registers
// while it runs along time, and the raw samples are read once; the earlier design (one sweep per
// filter section over all channels, then one per stage) spent most of its time loading and
// storing the same state and samples.

#include <cstddef>
#include <cstdint>

#include "filters.hpp"

namespace twitchwatch::signal::detail {

// What one segment's pass reads and writes. Frame-major arrays have `channels` floats a frame;
// per-channel arrays hold at least `channels` rounded up to BiquadCascade::kStateLanes entries
// (the lanes past `channels` are scratch).
struct SegmentPass {
    std::size_t frames = 0, channels = 0;
    const float* raw = nullptr;  // input, not modified
    float* filtered = nullptr;   // out: band-passed (and notched) samples
    float* envelope = nullptr;   // out: one-pole low-pass of the squared band-passed samples

    float envelope_alpha = 0;
    float* envelope_state = nullptr;
    float* band_energy = nullptr;              // += band-passed sample squared
    const float* noise_reference = nullptr;    // for below_reference
    std::uint32_t* below_reference = nullptr;  // += |band-passed| < noise_reference

    // Gates against thresholds known before the pass (see Detector: they are counted again when
    // the noise floor moves after this segment's estimate).
    const float* threshold = nullptr;
    const float* active_level = nullptr;
    std::uint32_t* previous_above = nullptr;  // 0/1, the envelope above threshold, last frame
    std::uint32_t* active_count = nullptr;    // += envelope > active_level
    std::uint32_t* above_count = nullptr;     // += envelope > threshold
    std::uint32_t* crossings = nullptr;       // += upward threshold crossings

    // Slow band (decimation 0: none): raw samples are summed and every `decimation` frames the
    // mean of each channel becomes one row of `decimated` (frame-major, `channels` a row).
    std::size_t decimation = 0;
    std::size_t decimation_phase = 0;  // frames summed before this segment, < decimation
    float* slow_sum = nullptr;
    float* decimated = nullptr;  // room for frames / decimation + 1 rows

    // Frames readable at `raw` (0 = `frames`): when the caller's block goes on past the segment,
    // the pass fetches the next segment's first frames ahead of time.
    std::size_t readable_frames = 0;
};

// Runs the pass; returns the number of decimated rows written.
std::size_t run_segment_pass(BiquadCascade& band, const SegmentPass& pass);

// The gates alone (counts added to, previous_above updated), for when the thresholds changed.
void count_gates(const SegmentPass& pass);

}  // namespace twitchwatch::signal::detail
