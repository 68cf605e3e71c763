#pragma once
// Errors shared by every part of twitchwatch.
//
// InputError is what a user can fix: a bad file, a bad field, a bad option. Executables map it to
// exit code 2 and print its message as one line; any other exception is a failure of ours (exit 1).

#include <cstdio>
#include <stdexcept>
#include <string>

namespace twitchwatch {

class InputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A number as a message shows it: at most 6 significant digits, exponent form when very large
// or small ("1e-300", "2.048e+303"). std::to_string prints "%f": 0.000000 for 1e-300 and 300
// digits for 1e300, both from real corrupt headers.
inline std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

// Exit codes of every executable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

}  // namespace twitchwatch
