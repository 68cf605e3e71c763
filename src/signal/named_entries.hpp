#pragma once
// Data files of named entries compiled into the library (knowledge/detection.toml,
// knowledge/simulation.toml): one TOML table per name, each with a `value` and a
// `description`, plus the keys a file allows besides.

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <toml.hpp>
#include <utility>
#include <vector>

namespace twitchwatch::signal::detail {

struct NamedEntry {
    std::string name;
    std::string where;  // "SOURCE: [name]", for error messages
    toml::value table;
};

// Every top-level key of `text` must be a table with a `value`, a text `description` and no
// keys but those and `extra_keys`; otherwise throws InputError naming `source`, the entry and
// the problem. `names` are the entries the reader of the file knows, each a `kind` ("detector
// option"): each must appear, and no other.
std::vector<NamedEntry> read_named_entries(std::string_view text, const std::string& source,
                                           const std::string& kind,
                                           const std::vector<std::string_view>& names,
                                           std::initializer_list<std::string_view> extra_keys);

// read_named_entries for a reader whose entries are `fields` (each with a `name`): each entry
// paired with the field of its name.
template <class Field>
std::vector<std::pair<NamedEntry, const Field*>> read_named_fields(
    std::string_view text, const std::string& source, const std::string& kind,
    const std::vector<Field>& fields, std::initializer_list<std::string_view> extra_keys) {
    std::vector<std::string_view> names;
    for (const auto& field : fields) names.emplace_back(field.name);
    std::vector<std::pair<NamedEntry, const Field*>> paired;
    for (auto& entry : read_named_entries(text, source, kind, names, extra_keys)) {
        const auto field = std::find_if(fields.begin(), fields.end(),
                                        [&](const Field& f) { return f.name == entry.name; });
        paired.emplace_back(std::move(entry), &*field);
    }
    return paired;
}

// A TOML integer or float as a double; otherwise throws InputError "`where` must be a number".
double entry_number(const toml::value& item, const std::string& where);

}  // namespace twitchwatch::signal::detail
