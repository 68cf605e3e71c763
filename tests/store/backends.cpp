#include "backends.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace twitchwatch::store::testing {
namespace {

std::atomic<int> scratch_counter{0};

// Runs one statement on a PostgreSQL database; the first cell of the result, if any.
std::optional<std::string> run_on_server(const std::string& server_url, const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(server_url.c_str()),
                                                            &PQfinish);
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to " + server_url + ": " +
                                 PQerrorMessage(connection.get()));
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                         &PQclear);
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error(sql + ": " + PQerrorMessage(connection.get()));
    }
    if (PQntuples(result.get()) == 0 || PQnfields(result.get()) == 0) return std::nullopt;
    return std::string(PQgetvalue(result.get(), 0, 0));
}

std::optional<std::string> run_on_sqlite(const std::string& path, const std::string& sql) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> database(raw, &sqlite3_close);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sql + ": " + sqlite3_errmsg(raw));
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> owned(statement, &sqlite3_finalize);
    const int step = sqlite3_step(statement);
    if (step == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
        return std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        throw std::runtime_error(sql + ": " + sqlite3_errmsg(raw));
    }
    return std::nullopt;
}

// postgresql://user@host:port/postgres -> postgresql://user@host:port/<database>
std::string with_database(const std::string& server_url, const std::string& database) {
    const auto slash = server_url.rfind('/');
    return server_url.substr(0, slash + 1) + database;
}

}  // namespace

std::string backend_name(Backend backend) {
    return backend == Backend::sqlite ? "sqlite" : "postgresql";
}

std::optional<std::string> query_directly(const std::string& url, const std::string& sql) {
    const std::string prefix = "sqlite:";
    if (url.rfind(prefix, 0) == 0) return run_on_sqlite(url.substr(prefix.size()), sql);
    return run_on_server(url, sql);
}

std::optional<std::string> postgres_server_url() {
    const char* file = std::getenv("TW_PG_URL_FILE");
    if (file == nullptr || *file == '\0') return std::nullopt;
    std::ifstream in(file);
    std::string url;
    if (!(in >> url)) {
        throw std::runtime_error(std::string("TW_PG_URL_FILE: cannot read a URL from ") + file +
                                 " (did the fixture store.postgres_server_start fail?)");
    }
    return url;
}

ScratchDatabase::ScratchDatabase(Backend backend) : backend_(backend) {
    const std::string unique =
        std::to_string(::getpid()) + "_" + std::to_string(scratch_counter.fetch_add(1));
    if (backend == Backend::sqlite) {
        folder_ = std::filesystem::temp_directory_path() / ("twitchwatch-store-test-" + unique);
        std::filesystem::remove_all(folder_);
        // A folder that does not exist yet: open_store must create it.
        url_ = "sqlite:" + (folder_ / "sub" / "test.sqlite3").string();
        return;
    }
    server_url_ = postgres_server_url().value();
    database_name_ = "tw_store_test_" + unique;
    run_on_server(server_url_, "CREATE DATABASE " + database_name_);
    url_ = with_database(server_url_, database_name_);
}

ScratchDatabase::~ScratchDatabase() {
    try {
        if (backend_ == Backend::sqlite) {
            std::filesystem::remove_all(folder_);
        } else {
            run_on_server(server_url_,
                          "DROP DATABASE IF EXISTS " + database_name_ + " WITH (FORCE)");
        }
    } catch (const std::exception&) {
        // Leftovers of a test database are not worth failing a test for; the fixture's stop
        // removes the whole cluster anyway.
    }
}

}  // namespace twitchwatch::store::testing
