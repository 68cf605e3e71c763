#pragma once
// Errors shared by every part of twitchwatch.
//
// InputError is what a user can fix: a bad file, a bad field, a bad option. Executables map it to
// exit code 2 and print its message as one line; any other exception is a failure of ours (exit 1).

#include <stdexcept>
#include <string>

namespace twitchwatch {

class InputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Exit codes of every executable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

}  // namespace twitchwatch
