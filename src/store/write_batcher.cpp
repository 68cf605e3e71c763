#include "write_batcher.hpp"

#include <algorithm>

#include "twitchwatch/store/store.hpp"

namespace twitchwatch::store::detail {
namespace {

// Bounds how long one transaction holds the database's write lock.
constexpr std::size_t kMaxBatch = 64;

}  // namespace

WriteBatcher::WriteBatcher(Backend& backend)
    : backend_(backend),
      connection_(backend.connect()),
      writer_([this](const std::stop_token& stop) { serve(stop); }) {}

WriteBatcher::~WriteBatcher() {
    writer_.request_stop();
    writer_.join();
}

void WriteBatcher::run(const std::function<void(Connection&)>& body) {
    Request request{&body, nullptr, false, {}};
    std::unique_lock lock(mutex_);
    waiting_.push_back(&request);
    work_.notify_one();
    request.finished.wait(lock, [&] { return request.done; });
    if (request.error) std::rethrow_exception(request.error);
}

void WriteBatcher::serve(const std::stop_token& stop) {
    std::vector<Request*> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            work_.wait(lock, stop, [this] { return !waiting_.empty(); });
            if (waiting_.empty()) return;  // stop requested and nobody waits
            const auto count = std::min(waiting_.size(), kMaxBatch);
            batch.assign(waiting_.begin(), waiting_.begin() + std::ptrdiff_t(count));
            waiting_.erase(waiting_.begin(), waiting_.begin() + std::ptrdiff_t(count));
        }
        execute(batch);
        // Under the lock: a request lives on its caller's stack until its caller sees done.
        std::lock_guard lock(mutex_);
        for (Request* request : batch) {
            request->done = true;
            request->finished.notify_one();
        }
    }
}

void WriteBatcher::execute(const std::vector<Request*>& batch) {
    try {
        if (!connection_ || !connection_->healthy()) connection_ = backend_.connect();
        Connection& c = *connection_;
        c.begin_write();
        for (Request* request : batch) {
            c.execute_script("SAVEPOINT tw_request");
            try {
                (*request->body)(c);
                c.execute_script("RELEASE tw_request");
            } catch (...) {
                request->error = std::current_exception();
                // Should this fail too, the whole batch fails below.
                c.execute_script("ROLLBACK TO tw_request");
                c.execute_script("RELEASE tw_request");
            }
        }
        c.commit();
    } catch (...) {
        // BEGIN, a savepoint or COMMIT failed: nothing of the batch is written.
        const auto error = std::current_exception();
        try {
            if (connection_) connection_->rollback();
        } catch (const StoreError&) {
            connection_.reset();  // reopened for the next batch
        }
        for (Request* request : batch) {
            if (!request->error) request->error = error;
        }
    }
}

}  // namespace twitchwatch::store::detail
