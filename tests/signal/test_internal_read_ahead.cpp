// ReadAhead against the reader it wraps: the same blocks, times and errors, in the caller's
// thread or one block ahead on a thread of its own.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "io/read_ahead.hpp"
#include "test_recording_edf_builder.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace tws = twitchwatch::signal;
using tws::detail::ReadAhead;

namespace {

struct Blocks {
    std::vector<std::size_t> counts;
    std::vector<double> starts;
    std::vector<float> values;
};

// 3 channels at 100 Hz, 10.5 s: blocks of 64 frames end inside a data record and the last is
// short.
std::filesystem::path three_channels() {
    const auto file = tw_test::temp_file("read_ahead.edf");
    std::vector<tws::WriteChannel> channels;
    for (const char* label : {"a", "b", "c"}) channels.push_back({label, "uV", 100, -500, 500, ""});
    tws::EdfPlusWriter writer(file, channels, 0.5);
    std::vector<float> frames(1050 * 3);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        frames[i] = static_cast<float>(400 * std::sin(0.01 * static_cast<double>(i * (i % 7))));
    }
    writer.write(frames, 1050);
    return file;
}

Blocks through_reader(const std::filesystem::path& file, std::size_t block_frames) {
    auto reader = tws::SampleReader::open(file, {});
    std::vector<float> block(block_frames * reader->channel_count());
    Blocks blocks;
    double start_s = 0;
    while (const auto n = reader->read(block, block_frames, start_s)) {
        blocks.counts.push_back(n);
        blocks.starts.push_back(start_s);
        blocks.values.insert(blocks.values.end(), block.begin(),
                             block.begin() + static_cast<std::ptrdiff_t>(n * 3));
    }
    return blocks;
}

Blocks through_read_ahead(ReadAhead& read_ahead) {
    Blocks blocks;
    for (auto block = read_ahead.next(); block.frame_count > 0; block = read_ahead.next()) {
        EXPECT_EQ(block.frames.size(), block.frame_count * 3);
        blocks.counts.push_back(block.frame_count);
        blocks.starts.push_back(block.start_s);
        blocks.values.insert(blocks.values.end(), block.frames.begin(), block.frames.end());
    }
    return blocks;
}

// Gives `good` blocks of one frame, then throws: a file found corrupt in the middle.
class FailingReader : public tws::SampleReader {
  public:
    explicit FailingReader(std::size_t good) : good_(good) {}
    const tws::RecordingInfo& info() const override { return info_; }
    std::size_t channel_count() const override { return 1; }
    double sample_rate_hz() const override { return 1; }
    std::size_t read(std::span<float> out, std::size_t, double& start_s) override {
        if (given_ == good_) throw twitchwatch::InputError("rec.edf: data record 7 is corrupt");
        out[0] = static_cast<float>(given_);
        start_s = static_cast<double>(given_++);
        return 1;
    }

  private:
    tws::RecordingInfo info_;
    std::size_t good_, given_ = 0;
};

}  // namespace

TEST(ReadAhead, GivesTheReadersBlocksInEitherThread) {
    const auto file = three_channels();
    const auto expected = through_reader(file, 64);
    ASSERT_EQ(expected.counts.size(), 17u);  // 16 of 64 frames and one of 26
    for (const bool background : {false, true}) {
        ReadAhead read_ahead(tws::SampleReader::open(file, {}), 64, background);
        const auto got = through_read_ahead(read_ahead);
        EXPECT_EQ(got.counts, expected.counts) << "background " << background;
        EXPECT_EQ(got.starts, expected.starts) << "background " << background;
        EXPECT_EQ(got.values, expected.values) << "background " << background;
        // Past the end: the end again, not a wait for a block that never comes.
        EXPECT_EQ(read_ahead.next().frame_count, 0u);
        EXPECT_EQ(read_ahead.next().frame_count, 0u);
    }
}

TEST(ReadAhead, RethrowsTheReadersErrorAtItsBlock) {
    for (const bool background : {false, true}) {
        ReadAhead read_ahead(std::make_unique<FailingReader>(3), 1, background);
        for (int i = 0; i < 3; ++i) {
            const auto block = read_ahead.next();
            ASSERT_EQ(block.frame_count, 1u);
            EXPECT_EQ(block.frames[0], static_cast<float>(i));
            EXPECT_EQ(block.start_s, static_cast<double>(i));
        }
        for (int again = 0; again < 2; ++again) {
            try {
                (void)read_ahead.next();
                ADD_FAILURE() << "no error after the third block, background " << background;
            } catch (const twitchwatch::InputError& e) {
                EXPECT_STREQ(e.what(), "rec.edf: data record 7 is corrupt");
            }
        }
    }
}

TEST(ReadAhead, StopsWhenLeftInTheMiddle) {
    // The caller stops after one block (an error of its own): the destructor ends the thread,
    // whether it waits for a free slot or is still reading.
    const auto file = three_channels();
    for (const std::size_t block_frames : {1u, 64u}) {
        ReadAhead read_ahead(tws::SampleReader::open(file, {}), block_frames, true);
        EXPECT_EQ(read_ahead.next().frame_count, block_frames);
    }
    ReadAhead never_asked(tws::SampleReader::open(file, {}), 64, true);
}
