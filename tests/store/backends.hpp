#pragma once
// Test support: a fresh, empty database for each test, on each backend.
//
// SQLite: a file in a new temporary folder. PostgreSQL: a new database on the server started by
// the ctest fixture `postgres_server` (its URL is in the file named by TW_PG_URL_FILE); without
// that variable the PostgreSQL cases are skipped, so a developer without PostgreSQL can still run
// the SQLite ones.

#include <filesystem>
#include <optional>
#include <string>

namespace twitchwatch::store::testing {

enum class Backend { sqlite, postgresql };

std::string backend_name(Backend backend);

// The URL of the fixture server, or nullopt when TW_PG_URL_FILE is not set. Throws when it is set
// but the file cannot be read (the fixture failed).
std::optional<std::string> postgres_server_url();

// Runs one statement directly on the database at `url` (a store URL as open_store takes it,
// without options), bypassing the Store; returns the first column of the first row, if any.
std::optional<std::string> query_directly(const std::string& url, const std::string& sql);

// A new empty database, dropped (PostgreSQL) or deleted (SQLite) when this object goes away.
class ScratchDatabase {
  public:
    explicit ScratchDatabase(Backend backend);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    const std::string& url() const { return url_; }

  private:
    Backend backend_;
    std::string url_;
    std::filesystem::path folder_;  // SQLite
    std::string server_url_;        // PostgreSQL: where to drop the database from
    std::string database_name_;
};

}  // namespace twitchwatch::store::testing
