#include "request_log.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace twitchwatch::service {

RequestContext& current_request() {
    thread_local RequestContext context;
    return context;
}

std::string mask_static_path(std::string_view path, bool is_known_asset) {
    constexpr std::string_view link_prefix = "/c/";
    constexpr std::string_view session_prefix = "/sessions/";
    if (path.substr(0, link_prefix.size()) == link_prefix) return "/c/{token}";
    if (path.substr(0, session_prefix.size()) == session_prefix) {
        const auto rest = path.substr(session_prefix.size());
        const bool digits = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
        });
        return digits ? "/sessions/{id}" : "other";
    }
    return is_known_asset ? std::string(path) : "other";
}

void RequestLog::write(std::string_view method, int status) {
    auto& context = current_request();
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::ostringstream line;
    line << std::put_time(&utc, "%Y-%m-%dT%H:%M:%SZ") << ' '
         << (method.empty() ? std::string_view("-") : method) << ' '
         << (context.route.empty() ? std::string("other") : context.route) << ' ' << status << ' ';
    if (context.started != std::chrono::steady_clock::time_point{}) {
        const auto elapsed = std::chrono::steady_clock::now() - context.started;
        line << std::fixed << std::setprecision(1)
             << std::chrono::duration<double, std::milli>(elapsed).count() << "ms";
    } else {
        line << "-";
    }
    line << '\n';
    context = RequestContext{};
    std::lock_guard lock(mutex_);
    out_ << line.str() << std::flush;
}

}  // namespace twitchwatch::service
