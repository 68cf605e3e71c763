#include "segment_pass.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>
#include <vector>

namespace twitchwatch::signal::detail {
namespace {

constexpr std::size_t kLanes = BiquadCascade::kStateLanes;
// Frames of a block handled at a time: the block's share of the raw, filtered and envelope
// arrays (3 x 8 KiB) stays in the L1 cache from one stage to the next.
constexpr std::size_t kChunkFrames = 128;
// Filter sections run together with their state in registers: 2 vectors each (the coefficients
// are broadcast from memory), so 8 sections and the envelope stage fit AVX-512's 32 registers.
constexpr std::size_t kGroupSections = 8;

// One value per channel of a block. GCC and Clang lower these vectors to the widest registers
// of each clone (one AVX-512 register, two AVX2 or four SSE ones). The arithmetic is lane by
// lane and in the order of the scalar code, so results do not depend on the clone.
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));
using LaneCounts = std::int32_t __attribute__((vector_size(kLanes * sizeof(std::int32_t))));

// Every helper below is forced inline into run_segment_pass: only there is it compiled for each
// clone's instruction set; a call to an out-of-line copy would run the baseline (SSE) code. GCC
// stops inlining on its own once the many small instantiations add up.
#define TW_PASS_INLINE [[gnu::always_inline]] inline

// Loads and stores through memcpy: the arrays are not aligned to the vector size. References,
// not values, so no vector crosses a function boundary (that would tie the ABI to the clone).
TW_PASS_INLINE void load(Lanes& v, const float* p) { std::memcpy(&v, p, sizeof v); }
TW_PASS_INLINE void store(float* p, const Lanes& v) { std::memcpy(p, &v, sizeof v); }
TW_PASS_INLINE void load(LaneCounts& v, const std::uint32_t* p) { std::memcpy(&v, p, sizeof v); }
TW_PASS_INLINE void store(std::uint32_t* p, const LaneCounts& v) { std::memcpy(p, &v, sizeof v); }

// Where one block's frame-major data lives: the caller's arrays for a whole block (stride =
// channels), zero-padded scratch for the last, partial one (stride = kLanes).
struct BlockView {
    std::size_t channel = 0;  // first channel of the block (index into per-channel arrays)
    std::size_t stride = 0;
    const float* raw = nullptr;
    float* filtered = nullptr;
    float* envelope = nullptr;
    float* decimated = nullptr;
    std::size_t readable_frames = 0;  // raw frames that exist from the segment's start
};

// Slow band: raw sums, and a row of means every `decimation` frames, added as the first group of
// the cascade reads the raw frames (a loop of its own waited on each add and on each frame's
// first read: 36.8 against 35.0 cycles per frame and block, measured as in run_group).
struct SlowSums {
    bool on = false;
    std::size_t summed = 0, row = 0;
    float scale = 0;
    Lanes sum{};

    [[gnu::always_inline]] void begin(const SegmentPass& p, const BlockView& b, std::size_t first) {
        on = p.decimation > 0;
        if (!on) return;
        summed = (p.decimation_phase + first) % p.decimation;
        row = (p.decimation_phase + first) / p.decimation;
        scale = 1.0f / static_cast<float>(p.decimation);
        load(sum, p.slow_sum + b.channel);
    }
    [[gnu::always_inline]] void add(const SegmentPass& p, const BlockView& b, const Lanes& x) {
        sum = sum + x;
        if (++summed == p.decimation) {
            store(b.decimated + row * b.stride, sum * scale);
            sum = Lanes{};
            summed = 0;
            ++row;
        }
    }
    [[gnu::always_inline]] void end(const SegmentPass& p, const BlockView& b) {
        if (on) store(p.slow_sum + b.channel, sum);
    }
};

// The envelope, band energy, count below the noise reference and gate counts of one block,
// carried in registers along the frames; the scalar definitions are in count_gates below.
struct EnvelopeStage {
    Lanes state, energy, reference, threshold, active_level;
    // Comparisons give -1 (true) or 0 per lane, so counting subtracts them; the previous
    // frame's state is a mask here and 0/1 in memory.
    LaneCounts below, previous_above, active, above, crossings;

    [[gnu::always_inline]] void begin(const SegmentPass& p, std::size_t c) {
        load(state, p.envelope_state + c);
        load(energy, p.band_energy + c);
        load(reference, p.noise_reference + c);
        load(threshold, p.threshold + c);
        load(active_level, p.active_level + c);
        load(below, p.below_reference + c);
        load(previous_above, p.previous_above + c);
        load(active, p.active_count + c);
        load(above, p.above_count + c);
        load(crossings, p.crossings + c);
        previous_above = -previous_above;
    }
    [[gnu::always_inline]] void step(const SegmentPass& p, const Lanes& x, float* envelope) {
        const Lanes square = x * x;
        state = state + p.envelope_alpha * (square - state);
        store(envelope, state);
        energy = energy + square;
        LaneCounts bits;  // |x| is x with the sign bit cleared, as std::abs computes it
        std::memcpy(&bits, &x, sizeof bits);
        bits &= 0x7fffffff;
        Lanes magnitude;
        std::memcpy(&magnitude, &bits, sizeof magnitude);
        below -= magnitude < reference;
        const LaneCounts is_above = state > threshold;
        active -= state > active_level;
        above -= is_above;
        crossings -= is_above & ~previous_above;
        previous_above = is_above;
    }
    [[gnu::always_inline]] void end(const SegmentPass& p, std::size_t c) {
        previous_above = -previous_above;
        store(p.envelope_state + c, state);
        store(p.band_energy + c, energy);
        store(p.below_reference + c, below);
        store(p.previous_above + c, previous_above);
        store(p.active_count + c, active);
        store(p.above_count + c, above);
        store(p.crossings + c, crossings);
    }
};

// For the earlier groups of a cascade longer than kGroupSections.
struct NoStage {
    [[gnu::always_inline]] void begin(const SegmentPass&, std::size_t) {}
    [[gnu::always_inline]] void step(const SegmentPass&, const Lanes&, float*) {}
    [[gnu::always_inline]] void end(const SegmentPass&, std::size_t) {}
};

// Frame f of a group's input. From the raw frames, the next chunk's frame goes towards the L2
// cache while this one is filtered: the next chunk's first group would otherwise wait on each.
TW_PASS_INLINE void read_frame(Lanes& x, const float* in, std::size_t f, bool raw,
                               const BlockView& b) {
    load(x, in + f * b.stride);
    if (raw && f + kChunkFrames < b.readable_frames) {
        __builtin_prefetch(in + (f + kChunkFrames) * b.stride, 0, 2);
    }
}

// One step of a group's skewed loop (run_group): section i filters frame t - i, the stage takes
// frame t - N. pending[i] holds section i's input and pending[N] the group's output, each left by
// the step before; the sections run from the last to the first so that each value is read before
// it is replaced. kGuarded: only frames within [first, end) (the loop's first and last N steps).
template <bool kGuarded, std::size_t N, class Stage, bool kSymmetric>
TW_PASS_INLINE void skewed_step(std::size_t t, std::size_t first, std::size_t end,
                                std::span<const BiquadCascade::Coefficients> coefficients,
                                std::array<Lanes, N>& s1, std::array<Lanes, N>& s2,
                                std::array<Lanes, N + 1>& pending, Stage& stage,
                                const SegmentPass& p, const BlockView& b) {
    if (!kGuarded || (t >= first + N && t - N < end)) {
        const std::size_t f = t - N;
        store(b.filtered + f * b.stride, pending[N]);
        stage.step(p, pending[N], b.envelope + f * b.stride);
    }
    for (std::size_t i = N; i-- > 0;) {
        if (kGuarded && !(t >= first + i && t - i < end)) continue;
        const auto& k = coefficients[i];
        const Lanes x = pending[i];
        const Lanes b0x = k.b0 * x;
        const Lanes y = b0x + s1[i];
        s1[i] = k.b1 * x - k.a1 * y + s2[i];
        s2[i] = (kSymmetric ? b0x : k.b2 * x) - k.a2 * y;
        pending[i + 1] = y;
    }
}

// Sections [first_section, first_section + N) over frames [first, first + count) of one block
// (transposed direct form II, exactly as BiquadCascade::execute computes it), then the stage.
// One loop for all: a single section's recursion alone would wait on its own latency. With
// kSymmetric (b2 == b0 in every section, as in the Butterworth and notch designs) the product
// b0 x serves for b2 x too: the same number, one multiplication fewer.
// The loop is skewed (skewed_step): no operation of a step waits on another of the same step. In
// frame order, a frame's envelope waited on a chain through every section (6 cycles each), and
// the out-of-order window did not reach far enough ahead to overlap that wait with the next
// frames' filtering: measured on one core with the usual five sections and 64 channels, 43 cycles
// per frame and block in frame order, 37 skewed (27 without the envelope stage at all).
template <std::size_t N, class Stage, bool kSymmetric>
TW_PASS_INLINE void run_group(BiquadCascade& band, std::size_t first_section, const SegmentPass& p,
                              const BlockView& b, std::size_t first, std::size_t count) {
    const float* in = first_section == 0 ? b.raw : b.filtered;
    const auto coefficients = band.coefficients().subspan(first_section, N);
    std::array<Lanes, N> s1, s2;
    for (std::size_t i = 0; i < N; ++i) {
        const float* state = band.section_state(first_section + i) + b.channel;
        load(s1[i], state);
        load(s2[i], state + band.state_stride());
    }
    Stage stage;
    stage.begin(p, b.channel);
    SlowSums slow;
    if (first_section == 0) slow.begin(p, b, first);
    std::array<Lanes, N + 1> pending{};
    const std::size_t end = first + count;
    const std::size_t steady = std::min(first + N, end);
    std::size_t t = first;
    for (; t < steady; ++t) {
        read_frame(pending[0], in, t, first_section == 0, b);
        if (slow.on) slow.add(p, b, pending[0]);
        skewed_step<true, N, Stage, kSymmetric>(t, first, end, coefficients, s1, s2, pending, stage,
                                                p, b);
    }
    for (; t < end; ++t) {
        read_frame(pending[0], in, t, first_section == 0, b);
        if (slow.on) slow.add(p, b, pending[0]);
        skewed_step<false, N, Stage, kSymmetric>(t, first, end, coefficients, s1, s2, pending,
                                                 stage, p, b);
    }
    for (; t < end + N; ++t) {
        skewed_step<true, N, Stage, kSymmetric>(t, first, end, coefficients, s1, s2, pending, stage,
                                                p, b);
    }
    stage.end(p, b.channel);
    slow.end(p, b);
    for (std::size_t i = 0; i < N; ++i) {
        float* state = band.section_state(first_section + i) + b.channel;
        store(state, s1[i]);
        store(state + band.state_stride(), s2[i]);
    }
}

// run_group<n, Stage, symmetric> for a run-time n from 0 to kGroupSections (no lambda: a lambda
// is a function of its own, compiled for the baseline instruction set rather than the clone's).
template <class Stage, bool kSymmetric, std::size_t... N>
TW_PASS_INLINE void run_sized_group(std::size_t n, std::index_sequence<N...>, BiquadCascade& band,
                                    std::size_t first_section, const SegmentPass& p,
                                    const BlockView& b, std::size_t first, std::size_t count) {
    ((n == N ? run_group<N, Stage, kSymmetric>(band, first_section, p, b, first, count) : void()),
     ...);
}

template <class Stage, std::size_t... N>
TW_PASS_INLINE void run_group_of(std::size_t n, std::index_sequence<N...> sizes,
                                 BiquadCascade& band, std::size_t first_section,
                                 const SegmentPass& p, const BlockView& b, std::size_t first,
                                 std::size_t count) {
    const auto group = band.coefficients().subspan(first_section, n);
    const bool symmetric = std::all_of(group.begin(), group.end(), [](const auto& k) {
        return std::bit_cast<std::uint32_t>(k.b0) == std::bit_cast<std::uint32_t>(k.b2);
    });
    if (symmetric) {
        run_sized_group<Stage, true>(n, sizes, band, first_section, p, b, first, count);
    } else {
        run_sized_group<Stage, false>(n, sizes, band, first_section, p, b, first, count);
    }
}

TW_PASS_INLINE void process_block(BiquadCascade& band, const SegmentPass& p, const BlockView& b,
                                  std::size_t first, std::size_t count) {
    const std::size_t sections = band.coefficients().size();
    std::size_t done = 0;
    for (; sections - done > kGroupSections; done += kGroupSections) {
        run_group_of<NoStage>(kGroupSections, std::index_sequence<kGroupSections>(), band, done, p,
                              b, first, count);
    }
    run_group_of<EnvelopeStage>(sections - done, std::make_index_sequence<kGroupSections + 1>(),
                                band, done, p, b, first, count);
}

}  // namespace

TW_SIMD_CLONES std::size_t run_segment_pass(BiquadCascade& band, const SegmentPass& p) {
    const std::size_t C = p.channels;
    const std::size_t whole_blocks = C / kLanes;
    const std::size_t tail = C % kLanes;
    const std::size_t rows = p.decimation > 0 ? (p.decimation_phase + p.frames) / p.decimation : 0;
    // The partial block runs on zero-padded copies (zeros keep its scratch lanes' state at 0).
    std::vector<float> padded;
    BlockView last;
    if (tail > 0) {
        padded.assign(kLanes * (3 * p.frames + rows + 1), 0.0f);
        last = {whole_blocks * kLanes,
                kLanes,
                padded.data(),
                padded.data() + kLanes * p.frames,
                padded.data() + 2 * kLanes * p.frames,
                padded.data() + 3 * kLanes * p.frames,
                p.frames};
        for (std::size_t f = 0; f < p.frames; ++f) {
            std::copy_n(p.raw + f * C + last.channel, tail, padded.data() + f * kLanes);
        }
    }
    for (std::size_t first = 0; first < p.frames; first += kChunkFrames) {
        const std::size_t count = std::min(kChunkFrames, p.frames - first);
        for (std::size_t block = 0; block < whole_blocks; ++block) {
            const std::size_t c = block * kLanes;
            process_block(band, p,
                          {c, C, p.raw + c, p.filtered + c, p.envelope + c, p.decimated + c,
                           std::max(p.frames, p.readable_frames)},
                          first, count);
        }
        if (tail > 0) process_block(band, p, last, first, count);
    }
    if (tail > 0) {
        for (std::size_t f = 0; f < p.frames; ++f) {
            std::copy_n(last.filtered + f * kLanes, tail, p.filtered + f * C + last.channel);
            std::copy_n(last.envelope + f * kLanes, tail, p.envelope + f * C + last.channel);
        }
        for (std::size_t r = 0; r < rows; ++r) {
            std::copy_n(last.decimated + r * kLanes, tail, p.decimated + r * C + last.channel);
        }
    }
    return rows;
}

// Per channel: frames with the envelope above the activity level and above the threshold, and
// upward threshold crossings (continuing from the last frame of the previous segment). Restrict
// pointers: without them GCC 12 re-checked the arrays' overlap before every frame.
inline void count_gates_frames(const float* __restrict envelope, std::size_t frames,
                               std::size_t channels, const float* __restrict threshold,
                               const float* __restrict active_level,
                               std::uint32_t* __restrict previous_above,
                               std::uint32_t* __restrict active_count,
                               std::uint32_t* __restrict above_count,
                               std::uint32_t* __restrict crossings) {
    for (std::size_t f = 0; f < frames; ++f) {
        for (std::size_t c = 0; c < channels; ++c) {
            const float v = envelope[f * channels + c];
            const std::uint32_t above = v > threshold[c] ? 1u : 0u;
            active_count[c] += v > active_level[c] ? 1u : 0u;
            above_count[c] += above;
            crossings[c] += above & (previous_above[c] ^ 1u);
            previous_above[c] = above;
        }
    }
}

TW_SIMD_CLONES void count_gates(const SegmentPass& p) {
    count_gates_frames(p.envelope, p.frames, p.channels, p.threshold, p.active_level,
                       p.previous_above, p.active_count, p.above_count, p.crossings);
}

}  // namespace twitchwatch::signal::detail
