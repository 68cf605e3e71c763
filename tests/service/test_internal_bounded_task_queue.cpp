// The connection queue: a full queue makes enqueue() wait instead of growing; every task runs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "bounded_task_queue.hpp"

namespace twitchwatch::service {
namespace {

TEST(service, bounded_task_queue_waits_when_full_and_runs_every_task) {
    BoundedTaskQueue queue(1, 1);
    std::promise<void> release_worker;
    std::shared_future<void> released = release_worker.get_future().share();
    std::promise<void> worker_busy;
    std::atomic<int> ran{0};

    queue.enqueue([&] {
        worker_busy.set_value();
        released.wait();
        ++ran;
    });
    worker_busy.get_future().wait();  // the only worker is held
    queue.enqueue([&] { ++ran; });    // fills the one queue slot
    auto third = std::async(std::launch::async, [&] { queue.enqueue([&] { ++ran; }); });
    // The queue is full: the third enqueue cannot return while the worker is held. (A slow
    // machine only makes this wait longer; it cannot make the check fail wrongly.)
    EXPECT_EQ(third.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);

    release_worker.set_value();
    third.get();
    queue.shutdown();
    EXPECT_EQ(ran.load(), 3);
}

TEST(service, bounded_task_queue_runs_tasks_on_several_workers) {
    BoundedTaskQueue queue(4, 16);
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i) queue.enqueue([&] { ++ran; });
    queue.shutdown();
    EXPECT_EQ(ran.load(), 100);
    queue.shutdown();  // a second shutdown (cpp-httplib's, then the destructor's) is harmless
}

}  // namespace
}  // namespace twitchwatch::service
