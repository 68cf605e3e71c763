// PostgreSQL backend through libpq: a pool of connections, each statement prepared once per
// connection and run with PQexecPrepared (parameters travel apart from the SQL text).
//
// Durability: COMMIT returns after the server has flushed its WAL (synchronous_commit=on, the
// server's default), so a kill -9 of this process loses nothing the server confirmed.
#include <libpq-fe.h>

#include <sstream>
#include <string>
#include <unordered_map>

#include "sql.hpp"
#include "twitchwatch/store/store.hpp"

namespace twitchwatch::store::detail {
namespace {

// Key of the advisory lock that serialises migrations of server instances starting together.
constexpr const char* kMigrationLockKey = "7466737472";  // any fixed 64-bit number
// First half of the advisory lock keys of lock_key() (the second is the key's hash), so they
// never meet the migration lock's single 64-bit key.
constexpr const char* kKeyLockClass = "7466";
constexpr const char* kUniqueViolation = "23505";

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;
struct ConnectionDeleter {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};

void ignore_notice(void* /*arg*/, const PGresult* /*result*/) {}

class PostgresConnection final : public Connection {
  public:
    explicit PostgresConnection(const std::string& conninfo)
        : connection_(PQconnectdb(conninfo.c_str())) {
        if (connection_ == nullptr) throw StoreError("PostgreSQL: out of memory");
        if (PQstatus(connection_.get()) != CONNECTION_OK) {
            throw StoreError("cannot connect to PostgreSQL: " + error_message());
        }
        // "relation already exists, skipping" and the like are not worth a log line.
        PQsetNoticeReceiver(connection_.get(), ignore_notice, nullptr);
    }

    void execute_script(const std::string& sql) override {
        check(Result(PQexec(connection_.get(), sql.c_str())));
    }

    Rows query(const std::string& sql, const std::vector<Value>& params) override {
        const std::string& name = prepare(sql);
        std::vector<std::string> texts(params.size());
        std::vector<const char*> pointers(params.size(), nullptr);
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (std::holds_alternative<std::nullptr_t>(params[i])) continue;
            texts[i] = to_text(params[i]);
            pointers[i] = texts[i].c_str();
        }
        Result result(PQexecPrepared(connection_.get(), name.c_str(), int(params.size()),
                                     pointers.data(), nullptr, nullptr, 0));
        check(result);
        Rows rows;
        const int count = PQntuples(result.get());
        const int columns = PQnfields(result.get());
        rows.reserve(std::size_t(count));
        for (int r = 0; r < count; ++r) {
            std::vector<std::optional<std::string>> cells;
            cells.reserve(std::size_t(columns));
            for (int c = 0; c < columns; ++c) {
                if (PQgetisnull(result.get(), r, c) != 0) {
                    cells.emplace_back(std::nullopt);
                } else {
                    cells.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                                   std::size_t(PQgetlength(result.get(), r, c))));
                }
            }
            rows.emplace_back(std::move(cells));
        }
        return rows;
    }

    void begin_write() override { execute_script("BEGIN"); }
    void commit() override { execute_script("COMMIT"); }
    void rollback() override {
        if (PQtransactionStatus(connection_.get()) != PQTRANS_IDLE) execute_script("ROLLBACK");
    }
    void lock_for_migrations() override {
        execute_script(std::string("SELECT pg_advisory_xact_lock(") + kMigrationLockKey + ")");
    }
    // A hash collision of two keys only makes them wait for each other.
    void lock_key(const std::string& key) override {
        query(std::string("SELECT pg_advisory_xact_lock(") + kKeyLockClass + ", hashtext($1))",
              {key});
    }
    bool healthy() const override {
        return PQstatus(connection_.get()) == CONNECTION_OK &&
               PQtransactionStatus(connection_.get()) == PQTRANS_IDLE;
    }

  private:
    // libpq's message on one line: it ends in a newline and may hold several lines ("Connection
    // refused\n\tIs the server running on that host...?", a DETAIL line), and a message on
    // stderr or in the log is one line. Its lines are joined by "; ", their indentation dropped.
    std::string error_message() const {
        std::istringstream lines(PQerrorMessage(connection_.get()));
        std::string message;
        for (std::string line; std::getline(lines, line);) {
            const auto start = line.find_first_not_of(" \t");
            const auto end = line.find_last_not_of(" \t\r");
            if (start == std::string::npos) continue;
            message += (message.empty() ? "" : "; ") + line.substr(start, end - start + 1);
        }
        return message;
    }

    void check(const Result& result) const {
        const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
        const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
        if (state != nullptr && std::string_view(state) == kUniqueViolation) {
            throw Conflict("unique value already taken: " + error_message());
        }
        if (PQstatus(connection_.get()) == CONNECTION_BAD) {
            throw ConnectionLost("PostgreSQL: " + error_message());
        }
        throw StoreError("PostgreSQL: " + error_message());
    }

    const std::string& prepare(const std::string& sql) {
        auto found = prepared_.find(sql);
        if (found != prepared_.end()) return found->second;
        std::string name = "tw" + std::to_string(prepared_.size());
        check(Result(PQprepare(connection_.get(), name.c_str(), sql.c_str(), 0, nullptr)));
        return prepared_.emplace(sql, std::move(name)).first->second;
    }

    static std::string to_text(const Value& value) {
        if (const auto* integer = std::get_if<std::int64_t>(&value)) {
            return std::to_string(*integer);
        }
        if (const auto* real = std::get_if<double>(&value)) return format_double(*real);
        if (const auto* text = std::get_if<std::string>(&value)) return *text;
        return std::get<bool>(value) ? "true" : "false";
    }

    std::unique_ptr<PGconn, ConnectionDeleter> connection_;
    std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

class PostgresBackend final : public Backend {
  public:
    explicit PostgresBackend(std::string conninfo) : conninfo_(std::move(conninfo)) {}
    std::string name() const override { return "postgresql"; }
    std::unique_ptr<Connection> connect() override {
        return std::make_unique<PostgresConnection>(conninfo_);
    }
    int default_pool_size() const override { return 8; }
    bool single_writer() const override { return false; }

  private:
    std::string conninfo_;
};

}  // namespace

std::unique_ptr<Backend> make_postgres_backend(const std::string& conninfo) {
    return std::make_unique<PostgresBackend>(conninfo);
}

}  // namespace twitchwatch::store::detail
