#include "named_entries.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::signal::detail {

std::vector<NamedEntry> read_named_entries(std::string_view text, const std::string& source,
                                           const std::string& kind,
                                           const std::vector<std::string_view>& names,
                                           std::initializer_list<std::string_view> extra_keys) {
    toml::value document;
    try {
        std::istringstream in{std::string(text)};
        document = toml::parse(in, source);
    } catch (const toml::exception& e) {
        throw InputError(source + ": line " + std::to_string(e.location().line()) +
                         ": not valid TOML");
    }
    std::set<std::string_view> allowed = {"value", "description"};
    allowed.insert(extra_keys.begin(), extra_keys.end());
    std::vector<NamedEntry> entries;
    for (const auto& [name, table] : document.as_table()) {
        const std::string where = source + ": [" + name + "]";
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            throw InputError(where + ": not a " + kind);
        }
        if (!table.is_table()) throw InputError(where + " must be a table");
        for (const auto& [key, item] : table.as_table()) {
            if (allowed.count(key) == 0) throw InputError(where + ": unknown key '" + key + "'");
        }
        if (!table.contains("value")) throw InputError(where + ": no value");
        if (!table.contains("description") || !table.at("description").is_string()) {
            throw InputError(where + ": no description");
        }
        entries.push_back({name, where, table});
    }
    for (const auto name : names) {
        const bool found = std::any_of(entries.begin(), entries.end(),
                                       [&](const NamedEntry& e) { return e.name == name; });
        if (!found) {
            throw InputError(source + ": [" + std::string(name) + "] is missing (every " + kind +
                             " needs one)");
        }
    }
    return entries;
}

double entry_number(const toml::value& item, const std::string& where) {
    if (item.is_floating()) return item.as_floating();
    if (item.is_integer()) return static_cast<double>(item.as_integer());
    throw InputError(where + " must be a number");
}

}  // namespace twitchwatch::signal::detail
