#pragma once
// Group commit for a database that allows one writer at a time (SQLite).
//
// Request threads hand their write transaction to one writer thread, which runs every request
// that is waiting in one database transaction, each inside its own SAVEPOINT, and commits once.
// A request that fails is rolled back to its savepoint alone; the others commit. run() returns
// only after the COMMIT, so what it wrote is as durable as a transaction of its own, and a
// request never spins in SQLite's busy handler or waits behind an unfair mutex: it waits at most
// for the batch in progress and then its own.

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "sql.hpp"

namespace twitchwatch::store::detail {

class WriteBatcher {
  public:
    explicit WriteBatcher(Backend& backend);
    ~WriteBatcher();
    WriteBatcher(const WriteBatcher&) = delete;
    WriteBatcher& operator=(const WriteBatcher&) = delete;

    // Runs body in a committed transaction; rethrows what body threw (nothing of it is then
    // written) or the error of the transaction as a whole.
    void run(const std::function<void(Connection&)>& body);

  private:
    struct Request {
        const std::function<void(Connection&)>* body;
        std::exception_ptr error;
        bool done = false;
        std::condition_variable finished;
    };

    void serve(const std::stop_token& stop);
    void execute(const std::vector<Request*>& batch);

    Backend& backend_;
    std::unique_ptr<Connection> connection_;  // used by the writer thread only
    std::mutex mutex_;
    std::condition_variable_any work_;
    std::vector<Request*> waiting_;
    std::jthread writer_;  // last: joined before the members above go away
};

}  // namespace twitchwatch::store::detail
