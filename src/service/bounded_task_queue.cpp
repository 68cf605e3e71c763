#include "bounded_task_queue.hpp"

#include <algorithm>

namespace twitchwatch::service {

BoundedTaskQueue::BoundedTaskQueue(std::size_t worker_threads, std::size_t max_queued)
    : max_queued_(std::max<std::size_t>(max_queued, 1)) {
    const std::size_t count = std::max<std::size_t>(worker_threads, 1);
    workers_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) workers_.emplace_back([this] { work(); });
}

BoundedTaskQueue::~BoundedTaskQueue() { shutdown(); }

void BoundedTaskQueue::enqueue(std::function<void()> task) {
    std::unique_lock lock(mutex_);
    space_available_.wait(lock, [this] { return tasks_.size() < max_queued_ || shutting_down_; });
    // After shutdown the task still runs (inline): it owns an accepted socket that must be closed.
    if (shutting_down_) {
        lock.unlock();
        task();
        return;
    }
    tasks_.push_back(std::move(task));
    lock.unlock();
    task_available_.notify_one();
}

void BoundedTaskQueue::shutdown() {
    {
        std::lock_guard lock(mutex_);
        if (shutting_down_ && workers_.empty()) return;
        shutting_down_ = true;
    }
    task_available_.notify_all();
    space_available_.notify_all();
    for (auto& worker : workers_) {
        if (worker.joinable()) worker.join();
    }
    workers_.clear();
}

void BoundedTaskQueue::work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            task_available_.wait(lock, [this] { return !tasks_.empty() || shutting_down_; });
            if (tasks_.empty()) return;  // shutting down and drained
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        space_available_.notify_one();
        task();
    }
}

}  // namespace twitchwatch::service
