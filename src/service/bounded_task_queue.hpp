#pragma once
// The connection queue of the HTTP server: a fixed number of worker threads and a bounded queue.
//
// cpp-httplib hands every accepted connection to a TaskQueue. Its default pool queues without
// limit, so a flood of connections (or keep-alive clients that hold every worker) would grow the
// queue forever. Here, when the queue is full, enqueue() waits: the listener stops accepting and
// new connections wait in the kernel's backlog instead of in our memory.

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace twitchwatch::service {

class BoundedTaskQueue final : public httplib::TaskQueue {
  public:
    BoundedTaskQueue(std::size_t worker_threads, std::size_t max_queued);
    ~BoundedTaskQueue() override;
    BoundedTaskQueue(const BoundedTaskQueue&) = delete;
    BoundedTaskQueue& operator=(const BoundedTaskQueue&) = delete;

    void enqueue(std::function<void()> task) override;
    // Runs the tasks already queued, then joins the workers.
    void shutdown() override;

  private:
    void work();

    const std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable task_available_;
    std::condition_variable space_available_;
    std::deque<std::function<void()>> tasks_;
    bool shutting_down_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace twitchwatch::service
