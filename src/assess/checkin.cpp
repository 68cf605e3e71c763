// parse_checkin / validate_checkin: the contract's JSON Schema decides what is accepted.

#include <algorithm>
#include <cctype>
#include <string>

#include "checkin_schema.hpp"
#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/json_input.hpp"

namespace twitchwatch::assess {

CheckIn parse_checkin(std::string_view json_text) {
    if (json_text.size() > detail::kMaxCheckinBytes)
        detail::refuse_oversized_checkin(json_text.size());
    if (std::all_of(json_text.begin(), json_text.end(),
                    [](unsigned char c) { return std::isspace(c) != 0; })) {
        throw InputError("check-in: empty input, expected a JSON object");
    }
    nlohmann::json document;
    try {
        document = parse_json_input(json_text);
    } catch (const InputError& e) {
        throw InputError(std::string("check-in: ") + e.what());
    } catch (const nlohmann::json::exception& e) {
        // A syntax error (parse_error) or a number too large for a double (out_of_range 406).
        // "[json.exception.parse_error.101] parse error at line 1, column 3: ..." -> drop the tag.
        std::string message = e.what();
        const auto tag_end = message.find("] ");
        if (tag_end != std::string::npos) message.erase(0, tag_end + 2);
        throw InputError("check-in: invalid JSON: " + message);
    }
    return validate_checkin(document);
}

double max_hours_since_massage() {
    static const double hours = nlohmann::json::parse(detail::checkin_schema_text())
                                    .at("properties")
                                    .at("hours_since_massage")
                                    .at("maximum")
                                    .get<double>();
    return hours;
}

CheckIn validate_checkin(const nlohmann::json& document) {
    detail::validate_against(detail::checkin_schema(), document);
    return CheckIn{document};
}

}  // namespace twitchwatch::assess
