#pragma once
// A progress bar on stderr for long work (`detect`, `simulate`), drawn only when stderr is a
// terminal: a pipe or a log file gets none of its carriage returns.

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <string>

namespace twitchwatch::cli {

class ProgressBar {
  public:
    explicit ProgressBar(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {}
    ~ProgressBar() {  // the bar is wiped, so what follows starts on a clean line
        if (enabled_ && drawn_) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
    }
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    // Takes the fraction done (0 to 1); redraws only when the whole percent changes. Empty when
    // there is no bar, so a caller can skip working out the fraction.
    std::function<void(double)> callback() {
        if (!enabled_) return {};
        return [this](double fraction) { show(fraction); };
    }

  private:
    void show(double fraction) {
        const int percent = std::clamp(static_cast<int>(fraction * 100), 0, 100);
        if (percent == last_) return;
        last_ = percent;
        drawn_ = true;
        constexpr int kWidth = 40;
        const int filled = percent * kWidth / 100;
        std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
                  << std::string(static_cast<std::size_t>(kWidth - filled), ' ') << "] " << percent
                  << " %" << std::flush;
    }

    bool enabled_;
    bool drawn_ = false;
    int last_ = -1;
};

}  // namespace twitchwatch::cli
