#pragma once
// Conditions over a check-in: the small declarative format of knowledge/rules.toml, compiled once
// at load (field paths split, thresholds resolved, named definitions inlined) and evaluated per
// check-in without allocation.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkin_schema.hpp"

namespace twitchwatch::assess::detail {

// includes: a list of names (twitching.regions) has an item naming one of the values;
// outside: a list of names has an item that no item of another reported list (massage.regions)
// names. Names match loosely (see names_match in condition.cpp).
enum class Op { eq, ne, lt, le, gt, ge, in, nonempty, absent, includes, outside };

struct Threshold {
    double value = 0;
    std::string unit;
    std::string description;
    std::vector<std::string> sources;
};
using Thresholds = std::map<std::string, Threshold, std::less<>>;

struct Condition {
    enum class Kind { all, any, none, test };
    Kind kind = Kind::test;
    std::vector<Condition> children;  // all / any / none
    // test
    std::string field;              // dotted, as written
    std::vector<std::string> keys;  // field split at the dots
    Op op = Op::eq;
    nlohmann::json operand;               // the value, or the threshold's value
    std::string threshold;                // the threshold's name when the operand came from one
    std::vector<std::string> other_keys;  // outside: the other list field, split at the dots

    bool holds(const nlohmann::json& checkin) const;
};

// The reported value of a field, or nullptr when it was not reported.
const nlohmann::json* lookup(const nlohmann::json& checkin, const std::vector<std::string>& keys);

// What a condition may refer to while it is compiled.
struct ConditionContext {
    const SchemaNode& schema;
    const Thresholds& thresholds;
    const std::map<std::string, Condition, std::less<>>& definitions;
};

// Compiles the JSON form of a condition. Throws std::invalid_argument with a short description of
// the problem (the caller adds the file and the entry).
Condition compile_condition(const nlohmann::json& source, const ConditionContext& context);

}  // namespace twitchwatch::assess::detail
