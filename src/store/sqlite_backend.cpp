// SQLite backend: one file, write-ahead log, a pool of connections in multi-thread mode.
//
// Durability: journal_mode=WAL with synchronous=NORMAL (default) writes every committed
// transaction into the WAL file before COMMIT returns; the file then lives in the operating
// system's cache, so a kill -9 of the process loses nothing. Only a power cut or kernel crash can
// lose the last transactions, which synchronous=FULL (an fsync per commit) also covers, at a cost
// in throughput. See docs/storage.md.
//
// Checkpoints (copying the WAL back into the database file, with an fsync of each) run on a
// background thread every kCheckpointInterval, so that no request pays for one: left to SQLite,
// the commit that crosses the WAL threshold runs the checkpoint itself, holding the write lock
// for the length of two fsyncs (measured: p99 of a write 27 ms instead of 0.1 ms).
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "sql.hpp"
#include "twitchwatch/store/store.hpp"

namespace twitchwatch::store::detail {
namespace {

// How long a writer of another process may hold the lock before our statement fails.
constexpr int kBusyTimeoutMs = 5000;
// Short, so each checkpoint is small: measured with wrk on this 2-core machine, p99 of a check-in
// was 103 ms with checkpoints every 1 s, 19 ms every 50 ms, 16.5 ms every 20 ms.
constexpr std::chrono::milliseconds kCheckpointInterval{20};
// A safety net should the background checkpoints fall behind: then a commit checkpoints itself
// once the WAL holds this many pages (about 40 MB).
constexpr int kAutoCheckpointPages = 10000;
constexpr long kWalSizeLimitBytes = 64L * 1024 * 1024;

struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
struct DatabaseDeleter {
    void operator()(sqlite3* database) const { sqlite3_close_v2(database); }
};

// A prepared statement with, for each SQLite parameter index, which $N value it takes.
struct Prepared {
    std::unique_ptr<sqlite3_stmt, StatementDeleter> statement;
    std::vector<std::size_t> value_of_parameter;  // index i (0-based) -> N-1
};

// Resets a statement when a query ends, so it does not keep a read snapshot open.
class ResetGuard {
  public:
    explicit ResetGuard(sqlite3_stmt* statement) : statement_(statement) {}
    ~ResetGuard() {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }
    ResetGuard(const ResetGuard&) = delete;
    ResetGuard& operator=(const ResetGuard&) = delete;

  private:
    sqlite3_stmt* statement_;
};

class SqliteConnection final : public Connection {
  public:
    SqliteConnection(const std::string& path, bool synchronous_full) {
        sqlite3* raw = nullptr;
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
        database_.reset(raw);
        if (rc != SQLITE_OK) {
            throw StoreError("cannot open SQLite database " + path + ": " +
                             (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
        }
        sqlite3_busy_timeout(database_.get(), kBusyTimeoutMs);
        sqlite3_extended_result_codes(database_.get(), 1);
        execute_script("PRAGMA journal_mode=WAL");
        execute_script(synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        execute_script("PRAGMA foreign_keys=ON");
        execute_script("PRAGMA wal_autocheckpoint=" + std::to_string(kAutoCheckpointPages));
        // After a burst, give the disk space of a grown WAL back when it is next reset.
        execute_script("PRAGMA journal_size_limit=" + std::to_string(kWalSizeLimitBytes));
    }

    // Copies what it can from the WAL into the database without waiting for (or blocking)
    // readers and writers. A failure is left for the next round.
    void checkpoint_passive() {
        sqlite3_wal_checkpoint_v2(database_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
    }

    void execute_script(const std::string& sql) override {
        char* message = nullptr;
        const int rc = sqlite3_exec(database_.get(), sql.c_str(), nullptr, nullptr, &message);
        if (rc != SQLITE_OK) {
            std::string text = message != nullptr ? message : sqlite3_errstr(rc);
            sqlite3_free(message);
            fail(rc, text);
        }
    }

    Rows query(const std::string& sql, const std::vector<Value>& params) override {
        Prepared& prepared = prepare(sql);
        sqlite3_stmt* statement = prepared.statement.get();
        ResetGuard reset(statement);
        for (std::size_t i = 0; i < prepared.value_of_parameter.size(); ++i) {
            bind(statement, static_cast<int>(i + 1), params.at(prepared.value_of_parameter[i]));
        }
        Rows rows;
        const int columns = sqlite3_column_count(statement);
        for (;;) {
            const int rc = sqlite3_step(statement);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) fail(rc, sqlite3_errmsg(database_.get()));
            std::vector<std::optional<std::string>> cells;
            cells.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) cells.push_back(column_text(statement, c));
            rows.emplace_back(std::move(cells));
        }
        return rows;
    }

    void begin_write() override { execute_script("BEGIN IMMEDIATE"); }
    void commit() override { execute_script("COMMIT"); }
    void rollback() override {
        if (sqlite3_get_autocommit(database_.get()) == 0) execute_script("ROLLBACK");
    }
    // BEGIN IMMEDIATE already holds the database's only write lock.
    void lock_for_migrations() override {}
    // A write transaction (BEGIN IMMEDIATE) already holds the database's only write lock.
    void lock_key(const std::string&) override {}
    // A connection left inside a transaction (a failed ROLLBACK) is not reused.
    bool healthy() const override { return sqlite3_get_autocommit(database_.get()) != 0; }

  private:
    [[noreturn]] static void fail(int rc, const std::string& message) {
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
            throw Conflict("unique value already taken: " + message);
        }
        throw StoreError("SQLite: " + message);
    }

    Prepared& prepare(const std::string& sql) {
        auto found = statements_.find(sql);
        if (found != statements_.end()) return found->second;
        sqlite3_stmt* raw = nullptr;
        const int rc = sqlite3_prepare_v3(database_.get(), sql.c_str(), int(sql.size()) + 1,
                                          SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
        Prepared prepared{std::unique_ptr<sqlite3_stmt, StatementDeleter>(raw), {}};
        if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(database_.get()));
        const int count = sqlite3_bind_parameter_count(raw);
        for (int i = 1; i <= count; ++i) {
            const char* name = sqlite3_bind_parameter_name(raw, i);
            if (name == nullptr || name[0] != '$') throw StoreError("SQL uses a non-$N parameter");
            prepared.value_of_parameter.push_back(std::stoul(name + 1) - 1);
        }
        return statements_.emplace(sql, std::move(prepared)).first->second;
    }

    static void bind(sqlite3_stmt* statement, int index, const Value& value) {
        int rc = SQLITE_OK;
        if (std::holds_alternative<std::nullptr_t>(value)) {
            rc = sqlite3_bind_null(statement, index);
        } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
            rc = sqlite3_bind_int64(statement, index, *integer);
        } else if (const auto* real = std::get_if<double>(&value)) {
            rc = sqlite3_bind_double(statement, index, *real);
        } else if (const auto* text = std::get_if<std::string>(&value)) {
            rc = sqlite3_bind_text(statement, index, text->data(), int(text->size()),
                                   SQLITE_TRANSIENT);
        } else {
            rc = sqlite3_bind_int(statement, index, std::get<bool>(value) ? 1 : 0);
        }
        if (rc != SQLITE_OK) throw StoreError("SQLite: cannot bind a parameter");
    }

    static std::optional<std::string> column_text(sqlite3_stmt* statement, int column) {
        switch (sqlite3_column_type(statement, column)) {
            case SQLITE_NULL:
                return std::nullopt;
            case SQLITE_FLOAT:
                return format_double(sqlite3_column_double(statement, column));
            default: {
                const auto* text =
                    reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
                return std::string(text, std::size_t(sqlite3_column_bytes(statement, column)));
            }
        }
    }

    // Declared first so that it is destroyed last, after the statements.
    std::unique_ptr<sqlite3, DatabaseDeleter> database_;
    std::unordered_map<std::string, Prepared> statements_;
};

class SqliteBackend final : public Backend {
  public:
    SqliteBackend(std::string path, bool synchronous_full)
        : path_(std::move(path)), synchronous_full_(synchronous_full) {
        const auto folder = std::filesystem::path(path_).parent_path();
        std::error_code error;
        if (!folder.empty()) std::filesystem::create_directories(folder, error);
        if (error) {
            throw StoreError("cannot create folder " + folder.string() + ": " + error.message());
        }
        checkpointer_ = std::jthread([connection = SqliteConnection(path_, synchronous_full_)](
                                         const std::stop_token& stop) mutable {
            std::mutex mutex;
            std::condition_variable_any wake;
            std::unique_lock lock(mutex);
            std::string last_version;
            for (;;) {
                // Nothing notifies `wake`: it only sleeps, and wakes early for the stop request.
                wake.wait_for(lock, stop, kCheckpointInterval, [] { return false; });
                if (stop.stop_requested()) return;
                try {
                    // data_version changes when another connection commits: idle, nothing done.
                    const auto version = connection.query("PRAGMA data_version", {}).at(0).text(0);
                    if (version == last_version) continue;
                    last_version = version;
                    connection.checkpoint_passive();
                } catch (const StoreError&) {
                    // Tried again next round; the commits' own auto-checkpoint is the fallback.
                }
            }
        });
    }
    std::string name() const override { return "sqlite"; }
    std::unique_ptr<Connection> connect() override {
        return std::make_unique<SqliteConnection>(path_, synchronous_full_);
    }
    // Readers run side by side in WAL mode; writes go through the WriteBatcher's connection.
    int default_pool_size() const override { return 16; }
    bool single_writer() const override { return true; }

  private:
    std::string path_;
    bool synchronous_full_;
    std::jthread checkpointer_;  // last: stopped and joined before the members above go away
};

}  // namespace

std::unique_ptr<Backend> make_sqlite_backend(const std::string& path, bool synchronous_full) {
    return std::make_unique<SqliteBackend>(path, synchronous_full);
}

}  // namespace twitchwatch::store::detail
