// The pages and their assets (web/), built by npm at build time and embedded in the binary, so the
// server needs no files at run time and the browser fetches nothing from anywhere else.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace twitchwatch::service {

struct Asset {
    std::string_view content_type;
    std::string_view body;
};

// The asset for a GET path (without query string): "/" (sign-in), "/dashboard", "/new-session",
// "/sessions/<id>", "/c/<token>" (their pages' HTML; the page's script reads the id or token from
// the address) and "/assets/<file>". Anything else, including "/api/...", is nullopt.
std::optional<Asset> find_asset(std::string_view path);

// The page for an address that has none ("not-found.html"); API paths answer JSON instead.
Asset not_found_page();

namespace detail {

// One file of the web build, by its path relative to the build's output folder
// ("dashboard.html", "assets/app.css").
struct EmbeddedFile {
    std::string_view path;
    std::string_view body;
};

// Every file of the web build; defined in the source that cmake/EmbedAssets.cmake generates.
std::span<const EmbeddedFile> embedded_files();

}  // namespace detail
}  // namespace twitchwatch::service
