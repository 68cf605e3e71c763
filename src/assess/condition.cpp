#include "condition.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>

namespace twitchwatch::assess::detail {
namespace {

using nlohmann::json;

const std::map<std::string, Op, std::less<>> kOps = {
    {"eq", Op::eq},          {"ne", Op::ne},
    {"lt", Op::lt},          {"le", Op::le},
    {"gt", Op::gt},          {"ge", Op::ge},
    {"in", Op::in},          {"nonempty", Op::nonempty},
    {"absent", Op::absent},  {"includes", Op::includes},
    {"outside", Op::outside}};

bool is_numeric_op(Op op) { return op == Op::lt || op == Op::le || op == Op::gt || op == Op::ge; }

bool field_has_type(const SchemaNode& node, const char* type) {
    return std::find(node.types.begin(), node.types.end(), type) != node.types.end();
}

// Checks that a literal can ever equal the field's value, so a typo in a rule cannot silently
// make it unreachable.
void check_comparable(const SchemaNode& node, const json& literal, const std::string& field) {
    if (!node.enum_values.empty()) {
        if (std::find(node.enum_values.begin(), node.enum_values.end(), literal) ==
            node.enum_values.end()) {
            throw std::invalid_argument(literal.dump() + " is not a value of " + field);
        }
        return;
    }
    const bool ok = (field_has_type(node, "number") && literal.is_number()) ||
                    (field_has_type(node, "boolean") && literal.is_boolean()) ||
                    (field_has_type(node, "string") && literal.is_string());
    if (!ok) throw std::invalid_argument(literal.dump() + " cannot be compared with " + field);
}

bool is_list_of_names(const SchemaNode& node) {
    return field_has_type(node, "array") && node.items != nullptr &&
           field_has_type(*node.items, "string");
}

// Body regions are free text ("left calf", "Left_Calf", "calf", "shoulders"). A name matches
// another when the words of either appear, whole and in order, among the other's: "calf" matches
// a massage of the "left_calf", "leg" one of the "legs", but "a" or "on" match nothing. Words are
// separated by spaces (the no-break space too), hyphens and underscores; case is folded for ASCII
// and the Latin-1 letters (UTF-8 C3 80-9E), and a plural "s" is dropped from words of four letters
// or more ("ves" becomes "f": calves, calf). Folded on the stack as "_word_word_" (the underscores
// mark where words begin and end): a check-in's names are at most 64 characters (256 bytes of
// UTF-8); a longer one is cut.
class FoldedName {
  public:
    explicit FoldedName(const json& name) {
        push('_');
        if (!name.is_string()) return;
        const auto& text = name.get_ref<const std::string&>();
        for (std::size_t i = 0; i < text.size(); ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            const bool no_break_space =
                c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0;
            if (c == ' ' || c == '\t' || c == '-' || c == '_' || no_break_space) {
                end_word();
                if (no_break_space) ++i;
            } else if (c == 0xC3 && i + 1 < text.size()) {
                auto next = static_cast<unsigned char>(text[++i]);
                if (next >= 0x80 && next <= 0x9E && next != 0x97) next += 0x20;  // not U+00D7 x
                push(static_cast<char>(c));
                push(static_cast<char>(next));
            } else {
                push(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
            }
        }
        end_word();
    }
    std::string_view view() const { return {chars_.data(), size_}; }
    bool empty() const { return size_ <= 1; }  // only the leading "_"

  private:
    void push(char c) {
        if (size_ < chars_.size()) chars_[size_++] = c;
    }
    void end_word() {
        if (size_ == word_start_) return;  // no word since the last separator
        const std::size_t length = size_ - word_start_;
        const std::string_view word(chars_.data() + word_start_, length);
        if (length >= 5 && word.ends_with("ves")) {
            size_ -=
                2;  // "calves" -> "calf" (both sides fold alike, so "nerves" -> "nerf" is fine)
            chars_[size_ - 1] = 'f';
        } else if (length >= 4 && word.back() == 's') {
            --size_;
        }
        push('_');
        word_start_ = size_;
    }
    std::array<char, 264> chars_{};
    std::size_t size_ = 0;
    std::size_t word_start_ = 1;
};

// Out of line, as is everything that folds names: inlined, their stack buffers grew the frame of
// Condition::holds, which every rule's test runs through (BM_Assess 7 % slower).
[[gnu::noinline]] bool names_match(const json& a, const json& b) {
    const FoldedName x(a), y(b);
    if (x.empty() || y.empty()) return false;
    const auto u = x.view(), v = y.view();
    return u.find(v) != std::string_view::npos || v.find(u) != std::string_view::npos;
}

[[gnu::noinline]] bool names_a_place(const json& item) { return !FoldedName(item).empty(); }

bool any_item_named(const json& list, const json& name) {
    return std::any_of(list.begin(), list.end(),
                       [&](const json& item) { return names_match(item, name); });
}

std::vector<std::string> split_dots(const std::string& path) {
    std::vector<std::string> keys;
    std::size_t start = 0;
    while (true) {
        const auto dot = path.find('.', start);
        keys.push_back(path.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return keys;
}

Condition compile_test(const json& source, const ConditionContext& context) {
    Condition test;
    test.kind = Condition::Kind::test;
    if (!source.contains("field") || !source["field"].is_string()) {
        throw std::invalid_argument("a test needs `field` (text)");
    }
    test.field = source["field"].get<std::string>();
    const SchemaNode* node = find_field(context.schema, test.field);
    if (node == nullptr || !node->properties.empty()) {
        throw std::invalid_argument("unknown check-in field '" + test.field + "'");
    }
    test.keys = split_dots(test.field);
    if (!source.contains("op") || !source["op"].is_string()) {
        throw std::invalid_argument("a test needs `op` (text)");
    }
    const auto op = kOps.find(source["op"].get<std::string>());
    if (op == kOps.end()) {
        throw std::invalid_argument(
            "unknown op '" + source["op"].get<std::string>() +
            "' (eq, ne, lt, le, gt, ge, in, nonempty, absent, includes, outside)");
    }
    test.op = op->second;
    for (const auto& [key, value] : source.items()) {
        if (key != "field" && key != "op" && key != "value" && key != "threshold" &&
            key != "other") {
            throw std::invalid_argument("unknown key '" + key + "' in a test");
        }
    }
    if ((test.op == Op::includes || test.op == Op::outside) && !is_list_of_names(*node)) {
        throw std::invalid_argument("op '" + source["op"].get<std::string>() +
                                    "' needs a list of names, " + test.field + " is not one");
    }
    if (test.op == Op::outside) {
        if (source.contains("value") || source.contains("threshold") || !source.contains("other") ||
            !source["other"].is_string()) {
            throw std::invalid_argument("op 'outside' takes `other`, the name of another field");
        }
        const auto other = source["other"].get<std::string>();
        const SchemaNode* other_node = find_field(context.schema, other);
        if (other_node == nullptr || !is_list_of_names(*other_node)) {
            throw std::invalid_argument("`other` of op 'outside' must be a list of names, '" +
                                        other + "' is not one");
        }
        test.other_keys = split_dots(other);
        return test;
    }
    if (source.contains("other")) {
        throw std::invalid_argument("only op 'outside' takes `other`");
    }
    const bool has_value = source.contains("value");
    const bool has_threshold = source.contains("threshold");
    if (test.op == Op::nonempty || test.op == Op::absent) {
        if (has_value || has_threshold) {
            throw std::invalid_argument("op '" + source["op"].get<std::string>() +
                                        "' takes no value");
        }
        if (test.op == Op::nonempty && !field_has_type(*node, "array")) {
            throw std::invalid_argument("nonempty needs a list field, " + test.field +
                                        " is not one");
        }
        return test;
    }
    if (has_value == has_threshold) {
        throw std::invalid_argument("a test needs exactly one of `value` and `threshold`");
    }
    if (has_threshold) {
        if (!source["threshold"].is_string()) {
            throw std::invalid_argument("`threshold` must be the name of a threshold");
        }
        test.threshold = source["threshold"].get<std::string>();
        const auto threshold = context.thresholds.find(test.threshold);
        if (threshold == context.thresholds.end()) {
            throw std::invalid_argument("unknown threshold '" + test.threshold + "'");
        }
        test.operand = threshold->second.value;
    } else {
        test.operand = source["value"];
    }
    if (is_numeric_op(test.op)) {
        if (!field_has_type(*node, "number") || !test.operand.is_number()) {
            throw std::invalid_argument("op '" + source["op"].get<std::string>() +
                                        "' compares numbers; " + test.field +
                                        " or its value is not a number");
        }
    } else if (test.op == Op::in) {
        if (!test.operand.is_array() || test.operand.empty()) {
            throw std::invalid_argument("op 'in' needs a non-empty list as value");
        }
        for (const auto& item : test.operand) check_comparable(*node, item, test.field);
    } else if (test.op == Op::includes) {
        const bool names = test.operand.is_array() && !test.operand.empty() &&
                           std::all_of(test.operand.begin(), test.operand.end(), names_a_place);
        if (!names) throw std::invalid_argument("op 'includes' needs a non-empty list of names");
    } else {
        check_comparable(*node, test.operand, test.field);
    }
    return test;
}

bool compare(Op op, const json& reported, const json& operand) {
    switch (op) {
        case Op::eq:
            return reported == operand;
        case Op::ne:
            return reported != operand;
        case Op::lt:
            return reported.get<double>() < operand.get<double>();
        case Op::le:
            return reported.get<double>() <= operand.get<double>();
        case Op::gt:
            return reported.get<double>() > operand.get<double>();
        case Op::ge:
            return reported.get<double>() >= operand.get<double>();
        case Op::in:
            return std::find(operand.begin(), operand.end(), reported) != operand.end();
        case Op::nonempty:
            return reported.is_array() && !reported.empty();
        case Op::includes:
            return reported.is_array() &&
                   std::any_of(operand.begin(), operand.end(),
                               [&](const json& name) { return any_item_named(reported, name); });
        case Op::absent:
        case Op::outside:  // needs the check-in: Condition::holds
            return false;
    }
    return false;
}

// Both lists reported: "not reported" is not "nowhere", and an empty list (a session recorded
// without its regions) names no place either.
[[gnu::noinline]] bool outside(const json& reported, const json* other) {
    if (other == nullptr || !other->is_array() || other->empty() || !reported.is_array()) {
        return false;
    }
    return std::any_of(reported.begin(), reported.end(), [&](const json& item) {
        return names_a_place(item) && !any_item_named(*other, item);
    });
}

}  // namespace

const json* lookup(const json& checkin, const std::vector<std::string>& keys) {
    const json* node = &checkin;
    for (const auto& key : keys) {
        if (!node->is_object()) return nullptr;
        const auto child = node->find(key);
        if (child == node->end()) return nullptr;
        node = &*child;
    }
    return node;
}

bool Condition::holds(const json& checkin) const {
    switch (kind) {
        case Kind::all:
            return std::all_of(children.begin(), children.end(),
                               [&](const Condition& child) { return child.holds(checkin); });
        case Kind::any:
            return std::any_of(children.begin(), children.end(),
                               [&](const Condition& child) { return child.holds(checkin); });
        case Kind::none:
            return std::none_of(children.begin(), children.end(),
                                [&](const Condition& child) { return child.holds(checkin); });
        case Kind::test:
            break;
    }
    const json* reported = lookup(checkin, keys);
    // Not reported is not "no": only `absent` holds for a missing field.
    if (reported == nullptr) return op == Op::absent;
    // A validated check-in has the schema's types; guard anyway so a number test never throws.
    if (is_numeric_op(op) && !reported->is_number()) return false;
    if (op == Op::outside) return outside(*reported, lookup(checkin, other_keys));
    return compare(op, *reported, operand);
}

Condition compile_condition(const json& source, const ConditionContext& context) {
    if (!source.is_object()) throw std::invalid_argument("a condition must be a table");
    const bool is_all = source.contains("all");
    const bool is_any = source.contains("any");
    const bool is_none = source.contains("none");
    const bool is_ref = source.contains("ref");
    if (static_cast<int>(is_all) + static_cast<int>(is_any) + static_cast<int>(is_none) +
            static_cast<int>(is_ref) >
        1) {
        throw std::invalid_argument("a condition has only one of all, any, none, ref");
    }
    if (is_ref) {
        if (source.size() != 1 || !source["ref"].is_string()) {
            throw std::invalid_argument("`ref` stands alone and names a definition");
        }
        const auto definition = context.definitions.find(source["ref"].get<std::string>());
        if (definition == context.definitions.end()) {
            throw std::invalid_argument("unknown definition '" + source["ref"].get<std::string>() +
                                        "'");
        }
        return definition->second;
    }
    if (is_all || is_any || is_none) {
        const char* name = is_all ? "all" : is_any ? "any" : "none";
        const json& list = source[name];
        if (source.size() != 1 || !list.is_array() || list.empty()) {
            throw std::invalid_argument(std::string("`") + name +
                                        "` stands alone and holds a non-empty list");
        }
        Condition group;
        group.kind = is_all   ? Condition::Kind::all
                     : is_any ? Condition::Kind::any
                              : Condition::Kind::none;
        for (const auto& child : list) group.children.push_back(compile_condition(child, context));
        return group;
    }
    return compile_test(source, context);
}

}  // namespace twitchwatch::assess::detail
