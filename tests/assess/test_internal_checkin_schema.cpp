// The check-in validator agrees with contracts/checkin.schema.json: for every field of the schema
// file (read here as plain JSON, independently of the validator's own compilation), values at and
// just past every limit, wrong types, unknown enum values and unknown fields are accepted or
// rejected as the schema says, with a message that names the field.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "assess/checkin_schema.hpp"
#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::assess {
namespace {

using nlohmann::json;

json contract() {
    std::ifstream in(TW_SOURCE_DIR "/contracts/checkin.schema.json");
    return json::parse(in);
}

struct Field {
    std::string path;  // dotted
    json schema;
};

void collect(const json& node, const std::string& path, std::vector<Field>& out) {
    if (node.contains("properties")) {
        for (const auto& [name, child] : node["properties"].items()) {
            collect(child, path.empty() ? name : path + "." + name, out);
        }
    } else {
        out.push_back({path, node});
    }
}

std::vector<Field> fields() {
    std::vector<Field> out;
    collect(contract(), "", out);
    return out;
}

json document_with(const std::string& path, const json& value) {
    json document = {{"hours_since_massage", 1}};
    json* node = &document;
    std::size_t start = 0;
    for (auto dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
        node = &(*node)[path.substr(start, dot - start)];
        start = dot + 1;
    }
    (*node)[path.substr(start)] = value;
    return document;
}

// Values the schema accepts for a field, and values it rejects (with the path the message names).
struct Cases {
    std::vector<json> valid;
    std::vector<std::pair<json, std::string>> invalid;
};

Cases cases_for(const Field& field) {
    Cases cases;
    const json& s = field.schema;
    if (s.contains("enum")) {
        for (const auto& value : s["enum"]) cases.valid.push_back(value);
        cases.invalid.push_back({"no_such_value", field.path});
        cases.invalid.push_back({true, field.path});
        return cases;
    }
    const std::string type = s.at("type").get<std::string>();
    if (type == "boolean") {
        cases.valid = {true, false};
        cases.invalid = {{1, field.path}, {"true", field.path}, {nullptr, field.path}};
    } else if (type == "number") {
        const double low = s.at("minimum").get<double>();
        const double high = s.at("maximum").get<double>();
        cases.valid = {low, high, (low + high) / 2, static_cast<long long>(high)};
        cases.invalid = {{low - 0.5, field.path},
                         {high + 0.5, field.path},
                         {"1", field.path},
                         {true, field.path},
                         {json::array(), field.path}};
    } else if (type == "array") {
        const auto max_items = s.at("maxItems").get<std::size_t>();
        const auto max_length = s["items"].at("maxLength").get<std::size_t>();
        cases.valid = {json::array(), json::array({"a"}),
                       json::array({std::string(max_length, 'x')}),
                       json(std::vector<std::string>(max_items, "b"))};
        cases.invalid = {
            {"a", field.path},
            {json::array({""}), field.path + "[0]"},
            {json::array({"ok", std::string(max_length + 1, 'x')}), field.path + "[1]"},
            {json::array({"ok", 3}), field.path + "[1]"},
            {json(std::vector<std::string>(max_items + 1, "b")), field.path}};
    } else {
        ADD_FAILURE() << field.path << ": the test does not know type " << type;
    }
    return cases;
}

std::string rejection(const json& document) {
    try {
        parse_checkin(document.dump());
    } catch (const InputError& e) {
        return e.what();
    }
    return "accepted";
}

TEST(assess, ValidatorAgreesWithTheSchemaOnEveryField) {
    const auto all = fields();
    ASSERT_GE(all.size(), 30u);
    for (const auto& field : all) {
        const Cases cases = cases_for(field);
        for (const auto& value : cases.valid) {
            json document = document_with(field.path, value);
            EXPECT_NO_THROW(parse_checkin(document.dump())) << field.path << " = " << value;
        }
        for (const auto& [value, named] : cases.invalid) {
            const std::string message = rejection(document_with(field.path, value));
            EXPECT_EQ(message.rfind(named + ": ", 0), 0u)
                << field.path << " = " << value.dump().substr(0, 60) << " gave: " << message;
        }
    }
}

TEST(assess, ValidatorRejectsAnUnknownFieldAtEveryLevel) {
    const json schema = contract();
    EXPECT_EQ(rejection({{"hours_since_massage", 1}, {"extra", 1}}), "extra: unknown field");
    for (const auto& [name, child] : schema["properties"].items()) {
        if (!child.contains("properties")) continue;
        ASSERT_EQ(child.value("additionalProperties", true), false) << name;
        EXPECT_EQ(rejection({{"hours_since_massage", 1}, {name, {{"extra", 1}}}}),
                  name + ".extra: unknown field");
    }
}

TEST(assess, ValidatorRequiresWhatTheSchemaRequires) {
    const json schema = contract();
    for (const auto& name : schema["required"]) {
        json document = {{"hours_since_massage", 1}};
        document.erase(name.get<std::string>());
        EXPECT_EQ(rejection(document).rfind(name.get<std::string>() + ": missing", 0), 0u);
    }
}

TEST(assess, CompiledSchemaHasEveryFieldOfTheContract) {
    std::vector<std::string> expected;
    for (const auto& field : fields()) expected.push_back(field.path);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(detail::leaf_fields(detail::checkin_schema()), expected);
}

TEST(assess, SchemaCompilerRefusesKeywordsItDoesNotCheck) {
    EXPECT_THROW(detail::compile_schema(json{{"type", "string"}, {"pattern", "^a"}}),
                 std::logic_error);
}

}  // namespace
}  // namespace twitchwatch::assess
