#pragma once
// Public API of the aftercare service: the HTTP server behind `twitchwatch serve`.
//
// A Server owns its store connection, the assessment engine and the HTTP listener. Tests run it
// in-process on port 0 (start() returns the port the kernel chose); the command line runs it with
// run_server(), which also waits for SIGINT/SIGTERM and shuts down cleanly.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace twitchwatch::service {

// Every limit the server enforces; the defaults are documented in docs/service.md.
struct Limits {
    std::size_t max_body_bytes = 64 * 1024;  // larger request bodies get 413
    // Request headers (lines and bytes of names and values) above these get 431; counted once
    // cpp-httplib has read them (see docs/service.md).
    std::size_t max_header_count = 100;
    std::size_t max_header_bytes = 32 * 1024;
    std::chrono::seconds read_timeout{5};  // per read of a request, then the socket closes
    std::chrono::seconds write_timeout{5};
    std::chrono::seconds keep_alive_timeout{2};  // an idle keep-alive connection frees its worker
    std::size_t keep_alive_max_requests = 100;   // then the connection is closed
    std::size_t worker_threads = 16;             // fixed pool that handles connections
    std::size_t max_queued_connections = 256;  // accepted, waiting for a worker; then accept waits
    // Login rate limit: failed attempts allowed per window, per e-mail and per client address.
    std::size_t login_failures_per_email = 5;
    std::size_t login_failures_per_address = 20;
    std::chrono::seconds login_window{15 * 60};
    std::chrono::seconds web_session_lifetime{12 * 60 * 60};
    // Check-ins of one session: at most this many stored (then 409) and this many in any hour
    // (then 429), 0 for no limit; the session's and the client page's answers list the latest
    // listed_checkins.
    std::size_t max_checkins_per_session = 200;
    std::size_t max_checkins_per_hour = 12;
    std::size_t listed_checkins = 100;
    // Argon2id checks running at once (each takes 64 MiB); further logins wait their turn.
    std::size_t concurrent_password_checks = 2;
};

struct ServerOptions {
    std::string db_url;  // empty: the store's default, ./data/twitchwatch.sqlite3
    std::string host = "127.0.0.1";
    int port = 8080;                      // 0: any free port (see Server::start)
    std::filesystem::path knowledge_dir;  // empty: assess::KnowledgeBase::load_default()
    bool demo = false;                    // load the demo clinic at start (run_server)
    // TLS: both set -> HTTPS, and the session cookie gets the Secure attribute.
    std::filesystem::path tls_cert_file;
    std::filesystem::path tls_key_file;
    bool log_requests = true;  // one line per request on stderr
    // The dashboard lists each client's latest session that started within this time.
    std::chrono::hours open_aftercare{14 * 24};
    Limits limits;
};

// The demo therapist's login (ServerOptions::demo), printed by run_server.
struct DemoCredentials {
    std::string email;
    std::string password;
};

class Server {
  public:
    // Opens the store (applying migrations) and loads the knowledge base. Throws
    // twitchwatch::InputError for a bad URL, an unreadable knowledge base or bad TLS files.
    explicit Server(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts answering on a background thread; returns the bound port.
    int start();
    // Stops accepting, lets the running requests finish and joins the threads. Idempotent.
    void stop();
    int port() const;
    bool tls() const;
    const std::optional<DemoCredentials>& demo_credentials() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

// `twitchwatch serve`: starts a Server, prints where to open it (and the demo login with
// options.demo) to `out` - as text, or as one JSON line {"url", "demo_login": {email, password}
// or null} - runs until SIGINT or SIGTERM and returns the process exit code.
int run_server(const ServerOptions& options, std::ostream& out, bool json_output = false);

}  // namespace twitchwatch::service
