#pragma once
// Reading the next block of a recording on a second thread while the caller analyses the one
// before. Reading and decoding are about a third of `detect`'s time (docs/performance-signal.md);
// on a machine with a second CPU they overlap with the detector instead of adding to it. The
// blocks, their times and the errors are exactly those of the reader: only the thread differs.

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "cache_line_vector.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace twitchwatch::signal::detail {

struct ReadBlock {
    std::span<const float> frames;  // frame-major, frame_count x channel_count()
    std::size_t frame_count = 0;    // 0 at the end of the recording
    double start_s = 0;             // as SampleReader::read gives it
};

class ReadAhead {
  public:
    // Blocks of up to block_frames frames. With `background` the reader runs on a thread of its
    // own, one block ahead (memory: two blocks); otherwise, or when no thread can be started,
    // next() reads in the caller's thread.
    ReadAhead(std::unique_ptr<SampleReader> reader, std::size_t block_frames, bool background);
    ~ReadAhead();  // stops the thread after the read it is in, if any
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;

    // The next block, valid until the next call. Rethrows what the reader threw (InputError for
    // a corrupt file), at the block where it threw.
    ReadBlock next();

  private:
    struct Slot {
        CacheLineVector<float> frames;
        std::size_t frame_count = 0;
        double start_s = 0;
        bool filled = false;
        std::exception_ptr error;
    };
    void fill(Slot& slot);
    void read_in_background();

    std::unique_ptr<SampleReader> reader_;  // the thread's alone once it runs
    std::size_t channels_, block_frames_;
    Slot slots_[2];
    std::size_t next_slot_ = 0;
    bool handed_out_ = false;  // slots_[1 - next_slot_] is the caller's until the next call
    Slot* ended_ = nullptr;    // the slot that held the end or an error, once the caller saw it
    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::thread thread_;  // last: started after everything it uses exists
};

// Whether this process may run on more than one CPU (its affinity mask; `taskset -c 0` gives
// one), so that reading ahead overlaps rather than takes turns with the caller.
bool more_than_one_cpu();

}  // namespace twitchwatch::signal::detail
