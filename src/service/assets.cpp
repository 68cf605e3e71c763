#include "assets.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace twitchwatch::service {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 8> content_types{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".json", "application/json"},
    {".png", "image/png"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"},
}};

std::string_view content_type_of(std::string_view file) {
    for (const auto& [extension, type] : content_types) {
        if (file.ends_with(extension)) return type;
    }
    return "application/octet-stream";
}

std::optional<Asset> embedded(std::string_view file) {
    const auto files = detail::embedded_files();
    const auto found = std::find_if(files.begin(), files.end(),
                                    [&](const auto& entry) { return entry.path == file; });
    if (found == files.end()) return std::nullopt;
    return Asset{content_type_of(found->path), found->body};
}

// "/c/abc" with prefix "/c/" -> true: exactly one non-empty segment follows the prefix.
bool is_one_segment_under(std::string_view path, std::string_view prefix) {
    if (!path.starts_with(prefix)) return false;
    const auto rest = path.substr(prefix.size());
    return !rest.empty() && rest.find('/') == std::string_view::npos;
}

}  // namespace

std::optional<Asset> find_asset(std::string_view path) {
    if (path == "/") return embedded("login.html");
    if (path == "/dashboard" || path == "/new-session") return embedded("dashboard.html");
    if (is_one_segment_under(path, "/sessions/")) return embedded("session.html");
    if (is_one_segment_under(path, "/c/")) return embedded("client.html");
    // Only files under assets/ are served by name; the HTML pages only through their routes above.
    if (is_one_segment_under(path, "/assets/")) return embedded(path.substr(1));
    return std::nullopt;
}

Asset not_found_page() {
    // The web build always has it (test_internal_assets checks); plain text if a build lacked it.
    return embedded("not-found.html").value_or(Asset{"text/plain; charset=utf-8", "not found"});
}

}  // namespace twitchwatch::service
