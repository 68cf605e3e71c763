#pragma once
// Per channel, one quantile of the last `length` values pushed: the detector's noise floor (a
// low quantile of the recent segments' noise estimates) and the slow band's own floor.

#include <cstddef>
#include <span>
#include <vector>

namespace twitchwatch::signal::detail {

class RunningQuantile {
  public:
    // Until established, the quantile is recomputed at every push; after that, every
    // `update_every` pushes (it moves slowly, and the selection is the costly part).
    RunningQuantile(std::size_t channels, std::size_t length, double quantile,
                    std::size_t update_every);
    void reset();
    void push(std::span<const float> per_channel);
    float value(std::size_t channel) const { return result_[channel]; }

  private:
    void update();
    std::size_t channels_, length_;
    double quantile_;
    std::size_t update_every_;
    std::size_t count_ = 0, position_ = 0, pushes_ = 0;
    std::vector<float> values_;  // ring of `length_` rows of `channels_` values
    std::vector<float> sorted_;  // scratch of update(): the rows, sorted per channel
    std::vector<float> result_;
};

}  // namespace twitchwatch::signal::detail
