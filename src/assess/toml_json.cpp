#include "toml_json.hpp"

#include <sstream>
#include <stdexcept>
#include <toml.hpp>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::assess::detail {
namespace {

using nlohmann::json;

// toml11's message spans several lines (a caret under the column); keep the first line's words.
std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    const std::string tag = "[error] ";
    if (line.rfind(tag, 0) == 0) line.erase(0, tag.size());
    return line;
}

json to_json(const toml::value& value, const std::string& file) {
    switch (value.type()) {
        case toml::value_t::boolean:
            return value.as_boolean();
        case toml::value_t::integer:
            return value.as_integer();
        case toml::value_t::floating:
            return value.as_floating();
        case toml::value_t::string:
            return value.as_string().str;
        case toml::value_t::array: {
            json out = json::array();
            for (const auto& item : value.as_array()) out.push_back(to_json(item, file));
            return out;
        }
        case toml::value_t::table: {
            json out = json::object();
            for (const auto& [key, item] : value.as_table()) out[key] = to_json(item, file);
            return out;
        }
        default:
            throw InputError(file + ": line " + std::to_string(value.location().line()) +
                             ": dates and times are not used here");
    }
}

}  // namespace

namespace {

// Parses with `parse` (from a file or a text), naming `file` in every error.
template <class Parse>
json parsed(const std::string& file, Parse parse) {
    toml::value document;
    try {
        document = parse();
    } catch (const toml::exception& e) {
        throw InputError(file + ": line " + std::to_string(e.location().line()) +
                         ": not valid TOML: " + first_line(e.what()));
    } catch (const std::exception& e) {
        throw InputError(file + ": cannot read: " + first_line(e.what()));
    }
    return to_json(document, file);
}

}  // namespace

json read_toml_file(const std::filesystem::path& path) {
    const std::string file = path.string();
    if (!std::filesystem::is_regular_file(path))
        throw InputError(file + ": cannot read: no such file");
    return parsed(file, [&] { return toml::parse(file); });
}

json parse_toml_text(const std::string& text, const std::string& name) {
    return parsed(name, [&] {
        std::istringstream stream(text);
        return toml::parse(stream, name);
    });
}

}  // namespace twitchwatch::assess::detail
