// Every code path of the EDF/BDF frame decoder against the scalar formula that EDFlib uses,
// static_cast<float>(digital * gain + offset) in double, bit for bit: on random bytes, the extreme
// digital values, channel counts around the vector width, picked channels in any order, and frame
// ranges that start and end anywhere in a record.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "io/edf_decode.hpp"

namespace tio = twitchwatch::signal::io;

namespace {

// A record of `signals` signals of `samples` samples each, random bytes, with the extreme digital
// values planted at the start and the end of every signal.
std::vector<unsigned char> random_record(std::size_t signals, std::size_t samples,
                                         int bytes_per_sample, std::mt19937& random) {
    std::vector<unsigned char> record(signals * samples * bytes_per_sample);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : record) b = static_cast<unsigned char>(byte(random));
    for (std::size_t s = 0; s < signals; ++s) {
        unsigned char* first = record.data() + s * samples * bytes_per_sample;
        unsigned char* last = first + (samples - 1) * bytes_per_sample;
        // Most negative value first (0x80 in the top byte), most positive last (0x7f).
        std::memset(first, 0, bytes_per_sample);
        first[bytes_per_sample - 1] = 0x80;
        std::memset(last, 0xff, bytes_per_sample);
        last[bytes_per_sample - 1] = 0x7f;
    }
    return record;
}

// The reference: the digital value assembled as a signed integer from its bytes, then scaled.
float expected_value(const unsigned char* sample, int bytes_per_sample, double gain,
                     double offset) {
    std::int64_t digital = 0;
    for (int b = bytes_per_sample - 1; b >= 0; --b) digital = digital * 256 + sample[b];
    const std::int64_t range = std::int64_t{1} << (8 * bytes_per_sample);
    if (digital >= range / 2) digital -= range;
    return static_cast<float>(static_cast<double>(digital) * gain + offset);
}

struct Case {
    std::size_t signals, samples, first_frame, frames;
    std::vector<std::size_t> picked;  // signal indices, any order, repeats allowed
};

void check_all_paths(const Case& c, int bytes_per_sample, std::mt19937& random) {
    const auto record = random_record(c.signals, c.samples, bytes_per_sample, random);
    std::uniform_real_distribution<double> gain(-0.5, 0.5), offset(-100, 100);
    std::vector<tio::DecodeChannel> channels;
    for (const auto s : c.picked) {
        channels.push_back({s * c.samples * bytes_per_sample, gain(random), offset(random)});
    }
    std::vector<float> expected(c.frames * channels.size());
    for (std::size_t f = 0; f < c.frames; ++f) {
        for (std::size_t k = 0; k < channels.size(); ++k) {
            const unsigned char* sample =
                record.data() + channels[k].byte_offset + (c.first_frame + f) * bytes_per_sample;
            expected[f * channels.size() + k] =
                expected_value(sample, bytes_per_sample, channels[k].gain, channels[k].offset);
        }
    }
    tio::FrameDecoder decoder(channels, bytes_per_sample);
    auto same_bits = [&](const std::vector<float>& got, const char* path) {
        ASSERT_EQ(got.size(), expected.size());
        EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0)
            << path << ": " << bytes_per_sample * 8 << "-bit, " << channels.size()
            << " channels, frames " << c.first_frame << "+" << c.frames;
    };
    std::vector<float> out(expected.size());
    decoder.decode(record.data(), c.first_frame, c.frames, out.data());
    same_bits(out, "decode");
    std::fill(out.begin(), out.end(), 0.0f);
    decoder.decode_portable(record.data(), c.first_frame, c.frames, out.data());
    same_bits(out, "portable");
    if (tio::FrameDecoder::vector_path_available()) {
        std::fill(out.begin(), out.end(), 0.0f);
        decoder.decode_vector(record.data(), c.first_frame, c.frames, out.data());
        same_bits(out, "vector");
    }
}

std::vector<std::size_t> first_n(std::size_t n) {
    std::vector<std::size_t> picked(n);
    for (std::size_t i = 0; i < n; ++i) picked[i] = i;
    return picked;
}

}  // namespace

TEST(SignalEdfDecode, EveryPathEqualsTheScalarFormula) {
    std::mt19937 random(20261126);
    for (const int bytes_per_sample : {2, 3}) {
        // Channel counts below, at and above multiples of the vector width (8), whole records
        // and ranges that start and end between vector steps and tiles (64 frames).
        for (const std::size_t n : {1u, 7u, 8u, 9u, 16u, 17u, 64u, 66u}) {
            check_all_paths({n, 256, 0, 256, first_n(n)}, bytes_per_sample, random);
            check_all_paths({n, 250, 3, 247, first_n(n)}, bytes_per_sample, random);
            check_all_paths({n, 200, 61, 70, first_n(n)}, bytes_per_sample, random);
            check_all_paths({n, 9, 0, 9, first_n(n)}, bytes_per_sample, random);
            check_all_paths({n, 5, 1, 3, first_n(n)}, bytes_per_sample, random);
        }
        // Picked channels out of order and repeated, as --channels may give them.
        check_all_paths({12, 128, 5, 100, {11, 0, 3, 3, 7, 1, 10, 2, 9, 4}}, bytes_per_sample,
                        random);
        check_all_paths({20, 64, 0, 64, {19, 18, 17, 16, 15, 14, 13, 12, 11}}, bytes_per_sample,
                        random);
    }
}

TEST(SignalEdfDecode, InvertedPolarityAndUnitScalingAreExact) {
    // gain -1 and offset 0 (physical minimum above maximum, digital = physical): every value
    // comes out as the negated digital value, exactly representable in a float.
    for (const int bytes_per_sample : {2, 3}) {
        std::mt19937 random(7);
        const std::size_t n = 9, samples = 80;
        const auto record = random_record(n, samples, bytes_per_sample, random);
        std::vector<tio::DecodeChannel> channels;
        for (std::size_t s = 0; s < n; ++s) {
            channels.push_back({s * samples * bytes_per_sample, s % 2 ? -1.0 : 1.0, 0.0});
        }
        tio::FrameDecoder decoder(channels, bytes_per_sample);
        std::vector<float> out(samples * n);
        decoder.decode(record.data(), 0, samples, out.data());
        const float top = bytes_per_sample == 2 ? 32767.0f : 8388607.0f;
        for (std::size_t s = 0; s < n; ++s) {
            const float sign = s % 2 ? -1.0f : 1.0f;
            EXPECT_EQ(out[s], sign * -(top + 1)) << "signal " << s;
            EXPECT_EQ(out[(samples - 1) * n + s], sign * top) << "signal " << s;
        }
    }
}
