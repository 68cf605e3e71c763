#include "running_quantile.hpp"

#include <algorithm>
#include <bit>
#include <limits>

#include "simd_clones.hpp"

namespace twitchwatch::signal::detail {
namespace {

// Orders two rows channel by channel, the smaller value into `low` (a permutation: each pair is
// swapped or left). Written as a select on `b < a` in two loops rather than one loop on a run-time
// direction, so GCC lowers it to vector min/max; with the direction inside the loop it packed and
// widened masks and spent six times as long. Restrict pointers so the loop is vectorised.
inline void order_rows(float* __restrict low, float* __restrict high, std::size_t channels) {
    for (std::size_t c = 0; c < channels; ++c) {
        const float a = low[c], b = high[c];
        low[c] = b < a ? b : a;
        high[c] = b < a ? a : b;
    }
}

// Bitonic sorting network over `rows` rows (a power of two) of `channels` values: every channel
// is sorted at once, one SIMD lane per channel. Selecting with std::nth_element channel by
// channel took about a tenth of the detector's time, most of it in mispredicted branches; the
// network has none.
TW_SIMD_CLONES void sort_columns(float* rows_data, std::size_t rows, std::size_t channels) {
    for (std::size_t block = 2; block <= rows; block *= 2) {
        for (std::size_t distance = block / 2; distance > 0; distance /= 2) {
            for (std::size_t i = 0; i < rows; ++i) {
                const std::size_t partner = i ^ distance;
                if (partner <= i) continue;
                float* first = rows_data + i * channels;
                float* second = rows_data + partner * channels;
                if ((i & block) == 0) {
                    order_rows(first, second, channels);
                } else {
                    order_rows(second, first, channels);
                }
            }
        }
    }
}

}  // namespace

RunningQuantile::RunningQuantile(std::size_t channels, std::size_t length, double quantile,
                                 std::size_t update_every)
    : channels_(channels),
      length_(std::max<std::size_t>(1, length)),
      quantile_(quantile),
      update_every_(std::max<std::size_t>(1, update_every)) {
    values_.resize(channels_ * length_);
    result_.assign(channels_, 0.0f);
    minimum_.assign(channels_, 0.0f);
    finite_.assign(channels_, 0);
}

void RunningQuantile::reset() {
    count_ = 0;
    position_ = 0;
    pushes_ = 0;
    std::fill(result_.begin(), result_.end(), 0.0f);
    std::fill(finite_.begin(), finite_.end(), 0);
}

void RunningQuantile::set_minimum(std::size_t channel, float minimum) {
    minimum_[channel] = minimum;
    if (finite_[channel] > 0) result_[channel] = std::max(result_[channel], minimum);
}

void RunningQuantile::push(std::span<const float> per_channel) {
    float* row = values_.data() + position_ * channels_;
    constexpr float kNone = std::numeric_limits<float>::infinity();
    bool young = false;
    for (std::size_t c = 0; c < channels_; ++c) {
        if (count_ == length_ && row[c] != kNone) --finite_[c];
        row[c] = per_channel[c];
        if (row[c] != kNone) ++finite_[c];
        // A channel with few values yet (after a flat start) is not established either.
        young = young || (finite_[c] > 0 && finite_[c] <= 2 * update_every_);
    }
    position_ = (position_ + 1) % length_;
    count_ = std::min(count_ + 1, length_);
    ++pushes_;
    if (pushes_ <= 2 * update_every_ || pushes_ % update_every_ == 0 || young) update();
}

void RunningQuantile::update() {
    // Rows past the values held are +inf: they sort last and never reach the rank.
    const std::size_t rows = std::bit_ceil(count_);
    sorted_.assign(rows * channels_, std::numeric_limits<float>::infinity());
    std::copy_n(values_.begin(), count_ * channels_, sorted_.begin());
    sort_columns(sorted_.data(), rows, channels_);
    // No value (+inf) sorts last: the rank is among each channel's finite values.
    for (std::size_t c = 0; c < channels_; ++c) {
        const std::size_t n = finite_[c];
        if (n == 0) {
            result_[c] = 0.0f;
            continue;
        }
        const auto rank = static_cast<std::size_t>(quantile_ * static_cast<double>(n - 1) + 0.5);
        result_[c] = std::max(sorted_[rank * channels_ + c], minimum_[c]);
    }
}

}  // namespace twitchwatch::signal::detail
