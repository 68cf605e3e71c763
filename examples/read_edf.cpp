// Prints a recording's header and its first samples (skeleton; completed with the reader).
#include <iostream>

#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: example_read_edf FILE\n";
        return twitchwatch::kExitBadInput;
    }
    try {
        const auto info = twitchwatch::signal::read_recording_info(argv[1]);
        std::cout << info.format << ' ' << info.channels.size() << " channels\n";
    } catch (const twitchwatch::InputError& error) {
        std::cerr << error.what() << '\n';
        return twitchwatch::kExitBadInput;
    }
    return twitchwatch::kExitOk;
}
