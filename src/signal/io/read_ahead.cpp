#include "read_ahead.hpp"

#include <sched.h>

#include <system_error>
#include <utility>

namespace twitchwatch::signal::detail {

ReadAhead::ReadAhead(std::unique_ptr<SampleReader> reader, std::size_t block_frames,
                     bool background)
    : reader_(std::move(reader)), channels_(reader_->channel_count()), block_frames_(block_frames) {
    const std::size_t samples = block_frames_ * channels_;
    slots_[0].frames.resize(samples);
    if (background) {
        slots_[1].frames.resize(samples);
        try {
            thread_ = std::thread([this] { read_in_background(); });
        } catch (const std::system_error&) {
            // No thread to be had (a process or user limit): read in the caller's thread.
        }
    }
}

ReadAhead::~ReadAhead() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

void ReadAhead::fill(Slot& slot) {
    try {
        slot.frame_count = reader_->read(slot.frames, block_frames_, slot.start_s);
    } catch (...) {
        slot.frame_count = 0;
        slot.error = std::current_exception();
    }
}

// The slots alternate: the thread fills one while the caller holds the other. A slot is the
// thread's while not `filled`, the caller's from then until the caller asks for the next block.
void ReadAhead::read_in_background() {
    for (std::size_t i = 0;; i ^= 1) {
        Slot& slot = slots_[i];
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stopping_ || !slot.filled; });
            if (stopping_) return;
        }
        fill(slot);
        bool last = false;
        {
            std::lock_guard lock(mutex_);
            slot.filled = true;
            last = slot.frame_count == 0;  // the end, or an error (which stops the reader too)
        }
        changed_.notify_all();
        if (last) return;
    }
}

ReadBlock ReadAhead::next() {
    Slot* slot = &slots_[0];
    if (!thread_.joinable()) {
        if (ended_ == nullptr) fill(*slot);
    } else if (ended_ != nullptr) {
        slot = ended_;  // the thread has stopped: the end (or the error) again
    } else {
        std::unique_lock lock(mutex_);
        if (handed_out_) slots_[1 - next_slot_].filled = false;
        changed_.notify_all();
        slot = &slots_[next_slot_];
        changed_.wait(lock, [&] { return slot->filled; });
        handed_out_ = true;
        next_slot_ ^= 1;
    }
    if (slot->frame_count == 0) ended_ = slot;
    if (slot->error) std::rethrow_exception(slot->error);
    return {std::span<const float>(slot->frames).first(slot->frame_count * channels_),
            slot->frame_count, slot->start_s};
}

bool more_than_one_cpu() {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    if (sched_getaffinity(0, sizeof cpus, &cpus) != 0)
        return std::thread::hardware_concurrency() > 1;
    return CPU_COUNT(&cpus) > 1;
}

}  // namespace twitchwatch::signal::detail
