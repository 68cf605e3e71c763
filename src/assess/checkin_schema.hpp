#pragma once
// The check-in contract (contracts/checkin.schema.json), compiled once from the schema text that
// the build embeds. Validation is driven by the schema itself, so the parser accepts exactly what
// the contract accepts; the knowledge loader and the interactive questions use the same field
// descriptions.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twitchwatch::assess::detail {

// The subset of JSON Schema 2020-12 that the contract uses. An unsupported validation keyword in
// the schema is a build-time mistake and makes compile_schema throw.
struct SchemaNode {
    std::vector<std::string> types;  // empty: any type (an enum-only node)
    std::vector<nlohmann::json> enum_values;
    std::optional<double> minimum;
    std::optional<double> maximum;
    std::optional<std::size_t> min_length;
    std::optional<std::size_t> max_length;
    std::optional<std::size_t> max_items;
    std::map<std::string, SchemaNode, std::less<>> properties;
    std::vector<std::string> required;
    bool additional_properties = true;
    std::unique_ptr<SchemaNode> items;
    std::string description;
};

SchemaNode compile_schema(const nlohmann::json& schema);

// The contract this build embeds, compiled on first use.
const SchemaNode& checkin_schema();
const std::string& checkin_schema_text();

// Throws InputError naming the first field (dotted path, [i] for items) that breaks the schema.
void validate_against(const SchemaNode& schema, const nlohmann::json& document);

// The node for a dotted field path such as "symptoms.pain_0_10", or nullptr if the schema has none.
const SchemaNode* find_field(const SchemaNode& schema, std::string_view dotted_path);

// Every leaf field (not an object) of the schema, as dotted paths in alphabetical order.
std::vector<std::string> leaf_fields(const SchemaNode& schema);

// A number as people write it: 72, 1.5.
std::string format_number(double value);

// The largest check-in text accepted (1 MiB), and the InputError for a larger one. `bytes` is its
// size when it is known: a stream read only up to the limit has none to give.
inline constexpr std::size_t kMaxCheckinBytes = std::size_t{1024} * 1024;
[[noreturn]] void refuse_oversized_checkin(std::optional<std::uintmax_t> bytes);

}  // namespace twitchwatch::assess::detail
