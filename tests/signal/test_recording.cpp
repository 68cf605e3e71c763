#include "twitchwatch/signal/recording.hpp"

#include <gtest/gtest.h>

#include "twitchwatch/errors.hpp"

namespace tws = twitchwatch::signal;

TEST(Recording, MissingFileIsInputError) {
    EXPECT_THROW(tws::read_recording_info("/nonexistent/file.edf"), twitchwatch::InputError);
}
