// The embedded front end (src/service/assets.hpp): the page routes, the content types, and that
// everything a page or a script refers to is embedded and within the Content-Security-Policy.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "assets.hpp"

namespace {

using twitchwatch::service::find_asset;

std::string body_of(std::string_view path) {
    const auto asset = find_asset(path);
    EXPECT_TRUE(asset.has_value()) << path;
    return asset ? std::string(asset->body) : std::string{};
}

const char* const page_paths[] = {"/", "/dashboard", "/new-session", "/sessions/12",
                                  "/c/abc_DEF-123"};

TEST(browser, page_routes_serve_html) {
    for (const auto* path : page_paths) {
        const auto asset = find_asset(path);
        ASSERT_TRUE(asset.has_value()) << path;
        EXPECT_EQ(asset->content_type, "text/html; charset=utf-8") << path;
        EXPECT_NE(asset->body.find("<!doctype html>"), std::string_view::npos) << path;
    }
    // Each route has its own page; the id or token is read by the page's script.
    EXPECT_NE(body_of("/"), body_of("/dashboard"));
    EXPECT_NE(body_of("/sessions/1"), body_of("/c/x"));
    EXPECT_EQ(body_of("/sessions/1"), body_of("/sessions/999"));
    EXPECT_EQ(body_of("/dashboard"), body_of("/new-session"));
}

TEST(browser, other_paths_are_not_found) {
    for (const auto* path :
         {"", "/api/me", "/api/dashboard", "/dashboard/", "/sessions", "/sessions/",
          "/sessions/1/x", "/c/", "/c/a/b", "/login.html", "/assets/", "/assets/../login.html",
          "/assets/nothing.js", "/favicon.ico"}) {
        EXPECT_FALSE(find_asset(path).has_value()) << path;
    }
}

// Any other address gets a page a person can read, made like the others (no inline code).
TEST(browser, the_not_found_page_is_html_with_embedded_assets) {
    const auto page = twitchwatch::service::not_found_page();
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    const std::string html(page.body);
    EXPECT_NE(html.find("Page not found"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_TRUE(find_asset("/assets/app.css").has_value());
    EXPECT_NE(html.find("href=\"/assets/app.css\""), std::string::npos);
    EXPECT_FALSE(find_asset("/not-found.html").has_value());  // served only where nothing else is
}

TEST(browser, assets_have_their_content_types) {
    EXPECT_EQ(find_asset("/assets/app.css")->content_type, "text/css; charset=utf-8");
    EXPECT_EQ(find_asset("/assets/client.js")->content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(find_asset("/assets/icon.svg")->content_type, "image/svg+xml");
}

// Everything a page links (script, stylesheet, icon) and every chunk a script imports is embedded.
TEST(browser, every_referenced_asset_is_embedded) {
    const std::regex page_reference(R"((?:src|href)="(/assets/[^"]+)\")");
    const std::regex chunk_import(R"((?:from|import)\s*"\./([A-Za-z0-9_.-]+\.js)\")");
    int scripts = 0;
    int chunks = 0;
    for (const auto* path : page_paths) {
        const auto html = body_of(path);
        for (std::sregex_iterator it(html.begin(), html.end(), page_reference), end; it != end;
             ++it) {
            const auto asset_path = (*it)[1].str();
            const auto script = body_of(asset_path);
            if (!asset_path.ends_with(".js")) continue;
            ++scripts;
            for (std::sregex_iterator chunk(script.begin(), script.end(), chunk_import);
                 chunk != end; ++chunk) {
                ++chunks;
                EXPECT_TRUE(find_asset("/assets/" + (*chunk)[1].str()).has_value())
                    << asset_path << " imports " << (*chunk)[1].str();
            }
        }
    }
    EXPECT_GE(scripts, 5);  // one module per page route
    EXPECT_GE(chunks, 1);   // the code the pages share is split into chunks
}

// default-src 'self': no inline script, no inline event handler, no style attribute.
TEST(browser, pages_need_nothing_inline) {
    const std::regex inline_script(R"(<script(?![^>]*\bsrc=)[^>]*>)");
    const std::regex handler_or_style(R"(\s(?:on[a-z]+|style)\s*=)", std::regex::icase);
    for (const auto* path : page_paths) {
        const auto html = body_of(path);
        EXPECT_FALSE(std::regex_search(html, inline_script)) << path;
        EXPECT_FALSE(std::regex_search(html, handler_or_style)) << path;
        EXPECT_EQ(html.find("http://"), std::string::npos) << path << " refers to another site";
        EXPECT_EQ(html.find("https://"), std::string::npos) << path << " refers to another site";
    }
}

}  // namespace
