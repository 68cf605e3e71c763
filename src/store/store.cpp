// open_store: picks the backend from the URL; normalized_email: the therapists' login names;
// reports_discomfort: the one definition of "a report with discomfort" used for the discomfort
// shares.
#include "twitchwatch/store/store.hpp"

#include "sql.hpp"

namespace twitchwatch::store {
namespace {

bool starts_with(const std::string& text, std::string_view prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// "PATH?synchronous=full" -> PATH and whether every commit is fsynced.
std::unique_ptr<detail::Backend> sqlite_backend_for(std::string location) {
    bool synchronous_full = false;
    if (const auto question = location.find('?'); question != std::string::npos) {
        const std::string options = location.substr(question + 1);
        location.erase(question);
        if (options == "synchronous=full") {
            synchronous_full = true;
        } else if (options != "synchronous=normal") {
            throw InputError("--db: unknown SQLite option '" + options +
                             "' (known: synchronous=normal, synchronous=full)");
        }
    }
    if (location.empty()) location = kDefaultDatabase;
    return detail::make_sqlite_backend(location, synchronous_full);
}

}  // namespace

std::string normalized_email(std::string_view email) {
    std::string normalized(email);
    for (char& c : normalized) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return normalized;
}

std::unique_ptr<Store> open_store(const std::string& url, int pool_size) {
    if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
        return detail::make_sql_store(detail::make_postgres_backend(url), pool_size);
    }
    if (!starts_with(url, "sqlite:"))
        return detail::make_sql_store(sqlite_backend_for(url), pool_size);
    // An explicit "sqlite:" names a file: without one it is a mistake (a variable left empty in
    // a service file), not a request for the default database.
    const std::string location = url.substr(7);
    if (location.empty() || location.front() == '?') {
        throw InputError("--db: sqlite: needs a file path, e.g. sqlite:./data/twitchwatch.sqlite3");
    }
    return detail::make_sql_store(sqlite_backend_for(location), pool_size);
}

bool reports_discomfort(const nlohmann::json& checkin_document) {
    const auto value_at = [&](const char* pointer) -> const nlohmann::json* {
        const auto path = nlohmann::json::json_pointer(pointer);
        return checkin_document.contains(path) ? &checkin_document.at(path) : nullptr;
    };
    if (const auto* painful = value_at("/twitching/painful"); painful && painful->is_boolean()) {
        if (painful->get<bool>()) return true;
    }
    if (const auto* pain = value_at("/symptoms/pain_0_10"); pain && pain->is_number()) {
        if (pain->get<double>() > 0) return true;
    }
    if (const auto* soreness = value_at("/symptoms/soreness"); soreness && soreness->is_string()) {
        const auto level = soreness->get<std::string>();
        if (level == "moderate" || level == "severe") return true;
    }
    return false;
}

}  // namespace twitchwatch::store
