#pragma once
// Reads a TOML file into JSON, the form the knowledge loader (and the test data readers) work on.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace twitchwatch::assess::detail {

// Throws InputError naming the file (and line) when it is missing or not valid TOML.
nlohmann::json read_toml_file(const std::filesystem::path& path);
// The same for TOML text held in memory; `name` stands for the file in errors.
nlohmann::json parse_toml_text(const std::string& text, const std::string& name);

}  // namespace twitchwatch::assess::detail
