#pragma once
// One line per request on stderr: time, method, route pattern, status, milliseconds.
//
// The line never holds what identifies a person or grants access: the route is the pattern the
// request matched (ids and link tokens appear as {id} and {token}), never the raw path, the
// query string, a header or a body.

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace twitchwatch::service {

// The route a worker thread is answering. Set when routing starts and when a handler is chosen;
// each worker answers one request at a time, so this is per thread.
struct RequestContext {
    std::chrono::steady_clock::time_point started{};
    std::string route;  // pattern, e.g. "/api/sessions/{id}"; empty: not matched
};
RequestContext& current_request();

// A path of a page or asset, masked like the API patterns: "/c/<token>" -> "/c/{token}",
// "/sessions/42" -> "/sessions/{id}"; anything else that is not a known static path -> "other".
std::string mask_static_path(std::string_view path, bool is_known_asset);

class RequestLog {
  public:
    explicit RequestLog(std::ostream& out) : out_(out) {}
    void write(std::string_view method, int status);

  private:
    std::mutex mutex_;
    std::ostream& out_;
};

}  // namespace twitchwatch::service
