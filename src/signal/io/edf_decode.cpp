#include "io/edf_decode.hpp"

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#define TW_DECODE_VECTOR_PATH 1
// GCC and Clang both compile one function for AVX-512 under this attribute and let the rest of
// the program run on any x86-64; decode() calls it only when the CPU has the instructions.
#define TW_AVX512 __attribute__((target("avx2,avx512f,avx512bw,avx512vl")))
#else
#define TW_DECODE_VECTOR_PATH 0
#endif

#include "simd_clones.hpp"

namespace twitchwatch::signal::io {
namespace {

// Frames decoded together. The portable path's tile (64 channels x 64 frames x 4 bytes = 16 KiB
// of planar scratch, then as much output) stays in the L1 cache; 128 frames measured slower. The
// vector path fills the output of its tile 8 channels at a time, and 128 frames (32 KiB for 64
// channels) measured 5% faster than 64 on the one-hour file; 256 no faster than 128.
constexpr std::size_t kTileFrames = 64;
constexpr std::size_t kVectorTileFrames = 128;

// A 16-bit or 24-bit little-endian two's complement sample.
std::int32_t digital_at(const unsigned char* p, int bytes_per_sample) {
    if (bytes_per_sample == 2) {
        return static_cast<std::int16_t>(static_cast<std::uint16_t>(p[0] | (p[1] << 8)));
    }
    // Sign-extend the 24-bit value through the top byte.
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(p[0]) << 8 |
                                     static_cast<std::uint32_t>(p[1]) << 16 |
                                     static_cast<std::uint32_t>(p[2]) << 24) >>
           8;
}

float physical(std::int32_t digital, double gain, double offset) {
    return static_cast<float>(digital * gain + offset);
}

// One channel's frames [first, first + frames), written with a stride of `stride` floats.
void decode_channel_scalar(const unsigned char* samples, int bytes_per_sample, std::size_t frames,
                           double gain, double offset, float* out, std::size_t stride) {
    for (std::size_t f = 0; f < frames; ++f) {
        out[f * stride] =
            physical(digital_at(samples + f * bytes_per_sample, bytes_per_sample), gain, offset);
    }
}

// The portable path: each channel's tile decoded into a planar scratch by loops the compiler
// vectorises (they run along contiguous samples with no branches), then interleaved.
TW_SIMD_CLONES void decode_16bit(const unsigned char* __restrict samples, std::size_t count,
                                 double gain, double offset, float* __restrict out) {
    for (std::size_t i = 0; i < count; ++i)
        out[i] = physical(digital_at(samples + i * 2, 2), gain, offset);
}

TW_SIMD_CLONES void decode_24bit(const unsigned char* __restrict samples, std::size_t count,
                                 double gain, double offset, float* __restrict out) {
    for (std::size_t i = 0; i < count; ++i)
        out[i] = physical(digital_at(samples + i * 3, 3), gain, offset);
}

void interleave(const float* __restrict planar, std::size_t frames, std::size_t n_channels,
                float* __restrict out) {
    std::size_t c = 0;
#if defined(__SSE2__)
    // Four channels by four frames per SSE transpose: element-wise copying cost as much as the
    // decoding itself.
    const std::size_t whole_quads = frames - frames % 4;
    for (; c + 4 <= n_channels; c += 4) {
        const float* row = planar + c * kTileFrames;
        for (std::size_t f = 0; f < whole_quads; f += 4) {
            __m128 r0 = _mm_loadu_ps(row + f);
            __m128 r1 = _mm_loadu_ps(row + kTileFrames + f);
            __m128 r2 = _mm_loadu_ps(row + 2 * kTileFrames + f);
            __m128 r3 = _mm_loadu_ps(row + 3 * kTileFrames + f);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            _mm_storeu_ps(out + f * n_channels + c, r0);
            _mm_storeu_ps(out + (f + 1) * n_channels + c, r1);
            _mm_storeu_ps(out + (f + 2) * n_channels + c, r2);
            _mm_storeu_ps(out + (f + 3) * n_channels + c, r3);
        }
        for (std::size_t f = whole_quads; f < frames; ++f) {
            for (std::size_t k = 0; k < 4; ++k) {
                out[f * n_channels + c + k] = row[k * kTileFrames + f];
            }
        }
    }
#endif
    for (; c < n_channels; ++c) {
        for (std::size_t f = 0; f < frames; ++f) {
            out[f * n_channels + c] = planar[c * kTileFrames + f];
        }
    }
}

#if TW_DECODE_VECTOR_PATH

constexpr std::size_t kGroup = 8;  // channels and frames per register transpose

// Eight rows of eight 32-bit values (one row per channel) become eight rows of one frame each:
// an 8x8 transpose within and then across the 128-bit lanes.
TW_AVX512 inline void transpose_8x8_epi32(__m256i (&r)[kGroup]) {
    const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

// Eight channels' digital values of one frame to physical values: the scalar formula in eight
// double lanes (separate multiply and add, as the library is built without contraction). The
// conversions are the masked forms with every lane selected: GCC 12's unmasked ones pass an
// undefined register and trip -Wmaybe-uninitialized; the instructions are the same.
TW_AVX512 inline void scale_and_store(__m256i digital, __m512d gain, __m512d offset, float* out) {
    constexpr __mmask8 kAll = 0xff;
    const __m512d value = _mm512_mask_cvtepi32_pd(_mm512_setzero_pd(), kAll, digital);
    const __m512d scaled = _mm512_add_pd(_mm512_mul_pd(value, gain), offset);
    _mm256_storeu_ps(out, _mm512_mask_cvtpd_ps(_mm256_setzero_ps(), kAll, scaled));
}

// Eight 24-bit samples (24 bytes; the load never touches a byte beyond them) as 32-bit values.
TW_AVX512 inline __m256i load_8x24bit(const unsigned char* p) {
    const __m256i bytes = _mm256_maskz_loadu_epi8(0x00ffffff, p);
    // Bytes 0-11 to the low 128-bit lane and 12-23 to the high one, then each 3-byte sample to the
    // top of its 32-bit slot and shifted down with its sign.
    const __m256i lanes =
        _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0));
    const __m256i spread = _mm256_shuffle_epi8(
        lanes, _mm256_setr_epi8(-1, 0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 0, 1, 2,
                                -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11));
    return _mm256_srai_epi32(spread, 8);
}

// Frames [first, first + frames) (at most kVectorTileFrames) of `n` channels of kBytes-byte
// samples; `out` has n floats a frame. EDF and BDF take the same route: each channel's 8 samples
// widened to 32-bit values, 8 channels transposed, 8 frames scaled (widening EDF's 16-bit values
// before the transpose measured faster than transposing them as they are).
template <int kBytes>
TW_AVX512 void decode_tile_avx512(const unsigned char* record, const std::size_t* byte_offsets,
                                  const double* gains, const double* offsets, std::size_t n,
                                  std::size_t first, std::size_t frames, float* out) {
    const std::size_t whole = frames - frames % kGroup;
    std::size_t c = 0;
    for (; c + kGroup <= n; c += kGroup) {
        const __m512d gain = _mm512_loadu_pd(gains + c);
        const __m512d offset = _mm512_loadu_pd(offsets + c);
        const unsigned char* samples[kGroup];
        for (std::size_t k = 0; k < kGroup; ++k) {
            samples[k] = record + byte_offsets[c + k] + first * kBytes;
        }
        for (std::size_t f = 0; f < whole; f += kGroup) {
            __m256i rows[kGroup];
            for (std::size_t k = 0; k < kGroup; ++k) {
                if constexpr (kBytes == 2) {
                    rows[k] = _mm256_cvtepi16_epi32(
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(samples[k] + f * 2)));
                } else {
                    rows[k] = load_8x24bit(samples[k] + f * 3);
                }
            }
            transpose_8x8_epi32(rows);
            for (std::size_t k = 0; k < kGroup; ++k) {
                scale_and_store(rows[k], gain, offset, out + (f + k) * n + c);
            }
        }
        for (std::size_t k = 0; k < kGroup; ++k) {
            decode_channel_scalar(samples[k] + whole * kBytes, kBytes, frames - whole, gains[c + k],
                                  offsets[c + k], out + whole * n + c + k, n);
        }
    }
    for (; c < n; ++c) {
        decode_channel_scalar(record + byte_offsets[c] + first * kBytes, kBytes, frames, gains[c],
                              offsets[c], out + c, n);
    }
}

#endif  // TW_DECODE_VECTOR_PATH

}  // namespace

FrameDecoder::FrameDecoder(std::vector<DecodeChannel> channels, int bytes_per_sample)
    : bytes_per_sample_(bytes_per_sample), use_vector_path_(vector_path_available()) {
    for (const auto& channel : channels) {
        byte_offsets_.push_back(channel.byte_offset);
        gains_.push_back(channel.gain);
        offsets_.push_back(channel.offset);
    }
}

bool FrameDecoder::vector_path_available() {
#if TW_DECODE_VECTOR_PATH
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
    return false;
#endif
}

void FrameDecoder::decode(const unsigned char* record, std::size_t first_frame, std::size_t frames,
                          float* out) {
    if (use_vector_path_) {
        decode_vector(record, first_frame, frames, out);
    } else {
        decode_portable(record, first_frame, frames, out);
    }
}

void FrameDecoder::decode_vector([[maybe_unused]] const unsigned char* record,
                                 [[maybe_unused]] std::size_t first_frame,
                                 [[maybe_unused]] std::size_t frames,
                                 [[maybe_unused]] float* out) const {
#if TW_DECODE_VECTOR_PATH
    const std::size_t n = byte_offsets_.size();
    for (std::size_t tile = 0; tile < frames; tile += kVectorTileFrames) {
        const std::size_t count = std::min(kVectorTileFrames, frames - tile);
        if (bytes_per_sample_ == 2) {
            decode_tile_avx512<2>(record, byte_offsets_.data(), gains_.data(), offsets_.data(), n,
                                  first_frame + tile, count, out + tile * n);
        } else {
            decode_tile_avx512<3>(record, byte_offsets_.data(), gains_.data(), offsets_.data(), n,
                                  first_frame + tile, count, out + tile * n);
        }
    }
#endif
}

void FrameDecoder::decode_portable(const unsigned char* record, std::size_t first_frame,
                                   std::size_t frames, float* out) {
    const std::size_t n = byte_offsets_.size();
    tile_.resize(n * kTileFrames);  // once: the size never changes
    for (std::size_t tile = 0; tile < frames; tile += kTileFrames) {
        const std::size_t count = std::min(kTileFrames, frames - tile);
        for (std::size_t c = 0; c < n; ++c) {
            const unsigned char* samples =
                record + byte_offsets_[c] + (first_frame + tile) * bytes_per_sample_;
            float* planar = tile_.data() + c * kTileFrames;
            if (bytes_per_sample_ == 2) {
                decode_16bit(samples, count, gains_[c], offsets_[c], planar);
            } else {
                decode_24bit(samples, count, gains_[c], offsets_[c], planar);
            }
        }
        interleave(tile_.data(), count, n, out + tile * n);
    }
}

}  // namespace twitchwatch::signal::io
