#pragma once
// The small SQL layer both backends implement: parameterised queries with $1, $2, ... placeholders
// (PostgreSQL's syntax; SQLite binds them by name), rows as text, transactions, and a pool of
// connections shared by the threads of the process.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "twitchwatch/store/store.hpp"

namespace twitchwatch::store::detail {

// A query parameter. bool is bound as the backend's boolean (SQLite: 0/1).
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, bool>;

// One result row: each column as text (numbers in their shortest exact form), nullopt for NULL.
class Row {
  public:
    explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
    bool is_null(std::size_t column) const { return !cells_.at(column).has_value(); }
    const std::string& text(std::size_t column) const;
    std::int64_t integer(std::size_t column) const;
    double real(std::size_t column) const;
    bool boolean(std::size_t column) const;  // "1"/"0" (SQLite) or "t"/"f" (PostgreSQL)
    std::optional<std::int64_t> optional_integer(std::size_t column) const;

  private:
    std::vector<std::optional<std::string>> cells_;
};
using Rows = std::vector<Row>;

// A statement failed because the connection to the database is gone (PostgreSQL: closed by the
// server, e.g. when it restarted, or by the network). The connection is then unusable.
class ConnectionLost : public StoreError {
  public:
    using StoreError::StoreError;
};

// One database connection, used by one thread at a time (the pool guarantees it).
class Connection {
  public:
    virtual ~Connection() = default;
    // Several statements without parameters (migrations).
    virtual void execute_script(const std::string& sql) = 0;
    // One statement; throws Conflict on a unique violation, ConnectionLost when the connection
    // is gone, StoreError on any other failure.
    virtual Rows query(const std::string& sql, const std::vector<Value>& params) = 0;
    // A transaction that will write: SQLite takes the write lock at once (BEGIN IMMEDIATE), so
    // two writers never deadlock upgrading a read lock.
    virtual void begin_write() = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    // Inside a write transaction: wait until no other process is migrating the same database.
    virtual void lock_for_migrations() = 0;
    // Inside a write transaction: wait until no other transaction holds `key`, then hold it until
    // this transaction ends (check-then-write steps on one key, e.g. the login limit).
    virtual void lock_key(const std::string& key) = 0;
    // False when the connection is broken and must not go back to the pool.
    virtual bool healthy() const = 0;
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;  // "sqlite" or "postgresql"
    virtual std::unique_ptr<Connection> connect() = 0;
    virtual int default_pool_size() const = 0;
    // SQLite allows one writer per database: this process then funnels its writes through one
    // writer thread (WriteBatcher) rather than letting them spin in SQLite's busy handler.
    virtual bool single_writer() const = 0;
};

// At most `capacity` connections, opened when first needed; a thread waits for a free one.
class Pool {
  public:
    Pool(Backend& backend, int capacity);

    class Lease {
      public:
        Lease(Pool& pool, std::unique_ptr<Connection> connection, bool reused)
            : pool_(&pool), connection_(std::move(connection)), reused_(reused) {}
        Lease(Lease&&) = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        Connection& operator*() const { return *connection_; }
        Connection* operator->() const { return connection_.get(); }
        // The connection waited idle in the pool since its last use, so the server may have
        // closed it meanwhile without libpq knowing yet; false for one opened for this lease.
        bool reused() const { return reused_; }

      private:
        Pool* pool_;
        std::unique_ptr<Connection> connection_;
        bool reused_;
    };

    // An idle connection when there is one, else a new one.
    Lease acquire();
    // Always a newly opened connection (an idle one is closed to make room when the pool is
    // full): for the retry after a reused connection was found lost, when the other idle ones
    // are likely lost as well (a database restart ends them all).
    Lease acquire_new();

  private:
    Lease take(bool open_new);
    void give_back(std::unique_ptr<Connection> connection);

    Backend& backend_;
    const int capacity_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_ = 0;  // connections that exist (idle or leased)
};

std::unique_ptr<Backend> make_sqlite_backend(const std::string& path, bool synchronous_full);
std::unique_ptr<Backend> make_postgres_backend(const std::string& conninfo);

// Shortest text that reads back as the same double.
std::string format_double(double value);

// The Store over a backend: migrates the database, then serves every method from the pool.
std::unique_ptr<Store> make_sql_store(std::unique_ptr<Backend> backend, int pool_size);
}  // namespace twitchwatch::store::detail
