#pragma once
// The numbered schema migrations of each backend, compiled in from migrations/<backend>/*.sql.

#include <vector>

namespace twitchwatch::store::detail {

struct Migration {
    const char* backend;  // "sqlite" or "postgresql"
    int version;          // the number the file name starts with; applied in increasing order
    const char* name;     // the file name without .sql
    const char* sql;      // one or more statements, no parameters
};

// Every migration of every backend, in file-name order per backend.
const std::vector<Migration>& all_migrations();

}  // namespace twitchwatch::store::detail
