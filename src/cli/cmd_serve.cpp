// `twitchwatch serve`: the aftercare service (HTTP API and pages) until SIGINT or SIGTERM.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "twitchwatch/service/server.hpp"

namespace twitchwatch::cli {
namespace {

// "HOST:PORT" (IPv4 or a name) or "[IPv6]:PORT"; PORT 0 picks a free port.
void parse_listen(const std::string& text, service::ServerOptions& options) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
        throw UsageError("--listen " + text + ": expected HOST:PORT, e.g. 127.0.0.1:8080");
    }
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const auto port_text = text.substr(colon + 1);
    int port = -1;
    try {
        std::size_t used = 0;
        port = std::stoi(port_text, &used);
        if (used != port_text.size()) port = -1;
    } catch (const std::exception&) {
        port = -1;
    }
    if (port < 0 || port > 65535) {
        throw UsageError("--listen " + text + ": the port must be a number from 0 to 65535");
    }
    options.host = host;
    options.port = port;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "serve", "Run the aftercare service: client check-in pages and the therapist dashboard");
    struct Settings {
        std::string db;
        std::string listen = "127.0.0.1:8080";
        std::string knowledge;
        std::string tls_cert;
        std::string tls_key;
        bool demo = false;
        bool json = false;
        std::size_t checkins_per_hour = service::Limits{}.max_checkins_per_hour;
        std::size_t checkins_per_session = service::Limits{}.max_checkins_per_session;
    };
    auto settings = std::make_shared<Settings>();
    sub->add_option("--db", settings->db,
                    "Database: a SQLite file (sqlite:PATH or PATH) or a postgresql:// URL "
                    "(default ./data/twitchwatch.sqlite3)");
    sub->add_option("--listen", settings->listen, "Address and port to listen on (port 0: any)")
        ->capture_default_str();
    sub->add_flag("--demo", settings->demo,
                  "Load a demo clinic (a therapist login is printed) when it is not there yet");
    sub->add_option("--knowledge", settings->knowledge,
                    "Knowledge base folder (default: $TWITCHWATCH_KNOWLEDGE or the built-in one)");
    auto* tls_cert =
        sub->add_option("--tls-cert", settings->tls_cert, "PEM certificate: serve HTTPS");
    auto* tls_key =
        sub->add_option("--tls-key", settings->tls_key, "PEM private key of --tls-cert");
    // One without the other is a usage error, said by CLI11 with its pointer to --help.
    tls_cert->needs(tls_key);
    tls_key->needs(tls_cert);
    sub->add_option("--max-checkins-per-hour", settings->checkins_per_hour,
                    "Check-ins one session takes in any hour (then 429; 0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub->add_option("--max-checkins-per-session", settings->checkins_per_session,
                    "Check-ins one session keeps (then 409; 0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub->add_flag("--json", settings->json,
                  "Print the address (and demo login) as one JSON line: {\"url\", \"demo_login\"}");
    return {sub, [settings] {
                service::ServerOptions options;
                options.db_url = settings->db;
                parse_listen(settings->listen, options);
                options.demo = settings->demo;
                options.knowledge_dir = settings->knowledge;
                options.tls_cert_file = settings->tls_cert;
                options.tls_key_file = settings->tls_key;
                options.limits.max_checkins_per_hour = settings->checkins_per_hour;
                options.limits.max_checkins_per_session = settings->checkins_per_session;
                return service::run_server(options, std::cout, settings->json);
            }};
}

}  // namespace twitchwatch::cli
