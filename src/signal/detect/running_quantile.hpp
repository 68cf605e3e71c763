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
    // A value of +inf is no value (a flat segment of that channel): it is held like the others
    // but the quantile is taken over the finite values only; with none, the value is 0.
    void push(std::span<const float> per_channel);
    float value(std::size_t channel) const { return result_[channel]; }
    // The value is never below `minimum` while the channel has a finite value in its history.
    void set_minimum(std::size_t channel, float minimum);

  private:
    void update();
    std::size_t channels_, length_;
    double quantile_;
    std::size_t update_every_;
    std::size_t count_ = 0, position_ = 0, pushes_ = 0;
    std::vector<float> values_;  // ring of `length_` rows of `channels_` values
    std::vector<float> sorted_;  // scratch of update(): the rows, sorted per channel
    std::vector<float> result_;
    std::vector<float> minimum_;       // per channel, 0 = none
    std::vector<std::size_t> finite_;  // per channel: finite values held
};

}  // namespace twitchwatch::signal::detail
