// The request log masks ids and tokens in page paths and writes one line per request.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "request_log.hpp"

namespace twitchwatch::service {
namespace {

TEST(service, request_log_masks_page_paths) {
    EXPECT_EQ(mask_static_path("/c/SomeSecretToken_123", true), "/c/{token}");
    EXPECT_EQ(mask_static_path("/c/SomeSecretToken_123", false), "/c/{token}");
    EXPECT_EQ(mask_static_path("/sessions/42", true), "/sessions/{id}");
    EXPECT_EQ(mask_static_path("/sessions/jane.doe", true), "other");
    EXPECT_EQ(mask_static_path("/assets/app.js", true), "/assets/app.js");
    EXPECT_EQ(mask_static_path("/jane.doe@example.test", false), "other");
}

TEST(service, request_log_writes_one_line_with_pattern_status_and_time) {
    std::ostringstream out;
    RequestLog log(out);
    current_request() = RequestContext{std::chrono::steady_clock::now(), "/api/sessions/{id}"};
    log.write("GET", 200);
    log.write("", 400);  // nothing was routed: no pattern, no time
    const std::regex line(
        R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ GET /api/sessions/\{id\} 200 \d+\.\dms
\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ - other 400 -
)");
    EXPECT_TRUE(std::regex_match(out.str(), line)) << out.str();
}

}  // namespace
}  // namespace twitchwatch::service
