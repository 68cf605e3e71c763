// The aftercare service: HTTP routes over the store and the assessment engine.
//
// Every route is registered through Impl::route(), which records the route pattern for the request
// log and whether the route reads a body (a POST without a length is 411 only there), and turns the
// exceptions of the lower layers into JSON errors: HttpError (status chosen here), InputError (400
// naming the field), store::Conflict (409), store::StoreError (503).
#include "twitchwatch/service/server.hpp"

#include <httplib.h>
#include <signal.h>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <regex>
#include <semaphore>
#include <thread>

#include "assets.hpp"
#include "bounded_task_queue.hpp"
#include "course.hpp"
#include "request_log.hpp"
#include "security.hpp"
#include "text_fields.hpp"
#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/json_input.hpp"
#include "twitchwatch/store/demo.hpp"
#include "twitchwatch/store/store.hpp"

namespace twitchwatch::service {
namespace {

using nlohmann::json;
using store::Id;
using store::Timestamp;
using Request = httplib::Request;
using Response = httplib::Response;
using detail::kMaxEmailLength;
using detail::kMaxNameLength;
using detail::kMaxNoteLength;
using detail::kMaxPasswordLength;
using detail::Presence;
using detail::Text;
using detail::text_problem;

constexpr const char* kSessionCookie = "tw_session";
constexpr const char* kCsrfHeader = "X-CSRF-Token";
// How far a check-in's hours_since_massage may run ahead of the session's age, for a phone whose
// clock is ahead: the same hour that a session's start may lie in the future.
constexpr double kClockSkewHours = 1;
// Login attempts wait this long at most for the parallel attempts that hold their e-mail's or
// address's remaining slots to be decided.
constexpr std::chrono::seconds kLoginWaitLimit{20};

using PasswordCheckSlots = std::counting_semaphore<64>;

// Holds one slot of a semaphore for a scope.
class SemaphoreSlot {
  public:
    explicit SemaphoreSlot(PasswordCheckSlots& slots) : slots_(slots) { slots_.acquire(); }
    ~SemaphoreSlot() { slots_.release(); }
    SemaphoreSlot(const SemaphoreSlot&) = delete;
    SemaphoreSlot& operator=(const SemaphoreSlot&) = delete;

  private:
    PasswordCheckSlots& slots_;
};

// Runs an action when the scope ends, however it ends.
class ScopeExit {
  public:
    explicit ScopeExit(std::function<void()> action) : action_(std::move(action)) {}
    ~ScopeExit() { action_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

  private:
    std::function<void()> action_;
};

// An answer other than success, decided by a handler.
class HttpError : public std::runtime_error {
  public:
    HttpError(int status, const std::string& message, std::string field = {})
        : std::runtime_error(message), status_(status), field_(std::move(field)) {}
    int status() const { return status_; }
    const std::string& field() const { return field_; }

  private:
    int status_;
    std::string field_;
};

HttpError bad_field(const std::string& field, const std::string& problem) {
    return HttpError(400, field + ": " + problem, field);
}
HttpError not_found() { return HttpError(404, "not found"); }

Timestamp now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string iso_utc(Timestamp at) {
    const std::time_t time = at;
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// ISO 8601 in UTC: 2026-11-26T09:30:00Z (seconds, fraction and "+00:00" optional).
std::optional<Timestamp> parse_iso_utc(const std::string& text) {
    static const std::regex pattern(
        R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|\+00:00|\+0000))");
    std::smatch parts;
    if (!std::regex_match(text, parts, pattern)) return std::nullopt;
    std::tm utc{};
    utc.tm_year = std::stoi(parts[1]) - 1900;
    utc.tm_mon = std::stoi(parts[2]) - 1;
    utc.tm_mday = std::stoi(parts[3]);
    utc.tm_hour = std::stoi(parts[4]);
    utc.tm_min = std::stoi(parts[5]);
    utc.tm_sec = parts[6].matched ? std::stoi(parts[6]) : 0;
    if (utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31 || utc.tm_hour > 23 ||
        utc.tm_min > 59 || utc.tm_sec > 59) {
        return std::nullopt;
    }
    const std::tm given = utc;
    const Timestamp at = timegm(&utc);
    if (utc.tm_mday != given.tm_mday) return std::nullopt;  // e.g. February 30th rolled over
    return at;
}

// The validator's messages start with the field ("symptoms.pain_0_10: 11 is above ...").
std::string field_of(const std::string& message) {
    const auto colon = message.find(": ");
    if (colon == std::string::npos || colon == 0) return {};
    const auto candidate = message.substr(0, colon);
    const bool looks_like_field = std::all_of(candidate.begin(), candidate.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' ||
               c == '[' || c == ']';
    });
    return looks_like_field ? candidate : std::string{};
}

void send_json(Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void send_error(Response& res, int status, const std::string& message,
                const std::string& field = {}) {
    json body{{"error", message}};
    if (!field.empty()) body["field"] = field;
    send_json(res, status, body);
}

json level_json(const std::optional<assess::Level>& level) {
    return level ? json(std::string(assess::to_string(*level))) : json(nullptr);
}

json optional_time_json(const std::optional<Timestamp>& at) {
    return at ? json(iso_utc(*at)) : json(nullptr);
}

// Hours from the session to a moment, to 0.01 h (36 s): finer would only look precise.
double hours_between(Timestamp from, Timestamp to) {
    return std::round(std::max<double>(0.0, double(to - from) / 36.0)) / 100.0;
}

json therapist_json(const store::Therapist& therapist) {
    return {{"id", therapist.id}, {"name", therapist.name}, {"email", therapist.email}};
}

json client_json(const store::Client& client) {
    return {{"id", client.id}, {"name", client.name}, {"note", client.note}};
}

json session_json(const store::Session& session) {
    return {{"id", session.id},
            {"client_id", session.client_id},
            {"therapist_id", session.therapist_id},
            {"started_at", iso_utc(session.started_at)},
            {"technique", session.technique},
            {"pressure", session.pressure},
            {"minutes", session.minutes},
            {"regions", session.regions},
            {"knots_worked", session.knots_worked},
            {"notes", session.notes}};
}

json massage_json(const store::Session& session) {
    return {{"technique", session.technique},
            {"pressure", session.pressure},
            {"minutes", session.minutes},
            {"regions", session.regions},
            {"knots_worked", session.knots_worked}};
}

json assessment_json(const std::optional<store::AssessmentRecord>& assessment) {
    if (!assessment) return nullptr;
    json output = json::parse(assessment->output, nullptr, false);
    if (output.is_discarded()) output = json::object();
    output["level"] = std::string(assess::to_string(assessment->level));
    output["knowledge_version"] = assessment->knowledge_version;
    return output;
}

json link_json(const std::string& token) { return {{"token", token}, {"path", "/c/" + token}}; }

std::optional<std::string> cookie_value(const Request& req, const std::string& name) {
    const auto header = req.get_header_value("Cookie");
    std::size_t position = 0;
    while (position < header.size()) {
        auto end = header.find(';', position);
        if (end == std::string::npos) end = header.size();
        auto pair = header.substr(position, end - position);
        pair.erase(0, pair.find_first_not_of(' '));
        const auto equals = pair.find('=');
        if (equals != std::string::npos && pair.substr(0, equals) == name) {
            return pair.substr(equals + 1);
        }
        position = end + 1;
    }
    return std::nullopt;
}

bool is_known_method(const std::string& method) {
    for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        if (method == known) return true;
    }
    return false;
}

std::string lower_case(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// "application/json", in any case, optionally with "; charset=utf-8" (JSON is UTF-8): another
// media type or charset is another format, which the parser would misread.
bool is_json_media_type(const std::string& content_type) {
    const auto parameters = content_type.find(';');
    if (lower_case(trimmed(content_type.substr(0, parameters))) != "application/json") {
        return false;
    }
    if (parameters == std::string::npos) return true;
    const auto charset = lower_case(trimmed(content_type.substr(parameters + 1)));
    return charset == "charset=utf-8" || charset == "charset=\"utf-8\"";
}

// JSON bodies only: a form post from another site cannot send application/json without a CORS
// preflight, which this server never grants.
json parse_json_body(const Request& req) {
    if (!is_json_media_type(req.get_header_value("Content-Type"))) {
        throw HttpError(415,
                        "the request body must be JSON (Content-Type: application/json, "
                        "optionally with charset=utf-8)",
                        "Content-Type");
    }
    // The parser would stop at a NUL and ignore what follows it.
    if (req.body.find('\0') != std::string::npos) {
        throw HttpError(400, "the request body contains a NUL byte");
    }
    json body;
    try {
        body = parse_json_input(req.body);
    } catch (const InputError& e) {
        throw HttpError(400, std::string("the request body: ") + e.what());
    } catch (const json::out_of_range& e) {
        // A number beyond the range of a double ("1e400"); the parser stops before its key is
        // known, and its message quotes the number.
        const std::string message = e.what();
        throw HttpError(400, "the request body: a number out of range (" +
                                 message.substr(message.find(']') + 2) + ")");
    } catch (const json::exception&) {
        throw HttpError(400, "the request body is not valid JSON");
    }
    if (!body.is_object()) throw HttpError(400, "the request body must be a JSON object");
    return body;
}

void reject_unknown_fields(const json& body, std::initializer_list<const char*> known) {
    for (const auto& item : body.items()) {
        const bool listed = std::any_of(known.begin(), known.end(),
                                        [&](const char* name) { return item.key() == name; });
        if (!listed) throw bad_field(item.key(), "unknown field");
    }
}

std::string checked_text(const json& value, const char* field, std::size_t max_length, Text kind,
                         Presence presence) {
    if (!value.is_string()) throw bad_field(field, "must be a string");
    auto text = value.get<std::string>();
    if (auto problem = text_problem(text, max_length, kind, presence)) {
        throw bad_field(field, *problem);
    }
    return text;
}

std::string required_text(const json& body, const char* field, std::size_t max_length, Text kind) {
    const auto found = body.find(field);
    if (found == body.end()) throw bad_field(field, "is required");
    return checked_text(*found, field, max_length, kind, Presence::required);
}

// Absent is empty; null is refused like any other value of the wrong type.
std::string optional_text(const json& body, const char* field, std::size_t max_length) {
    const auto found = body.find(field);
    return found == body.end()
               ? std::string{}
               : checked_text(*found, field, max_length, Text::note, Presence::optional);
}

// A new client from {"name", "note"}; `prefix` names where the object lies in the body
// ("client." inside a new session), so an error names the field as the request spells it.
store::Client client_from(const json& object, Id clinic_id, const std::string& prefix) {
    try {
        reject_unknown_fields(object, {"name", "note"});
        store::Client client;
        client.clinic_id = clinic_id;
        client.name = required_text(object, "name", kMaxNameLength, Text::name);
        client.note = optional_text(object, "note", kMaxNoteLength);
        return client;
    } catch (const HttpError& e) {
        if (prefix.empty()) throw;
        throw HttpError(e.status(), prefix + e.what(), prefix + e.field());
    }
}

// The answer to a request refused before its body was read, on a connection that then closes:
// the unread body must never be read as the next request. cpp-httplib 0.11.4 decides whether a
// connection stays open from the request alone (an answer saying "Connection: close" leaves it
// open); a content provider that reports failure once it has written the whole answer is what
// makes it close the connection. A HEAD answer has no body to write, so it cannot close that way.
void refuse_and_close(Response& res, const HttpError& error) {
    json body{{"error", error.what()}};
    if (!error.field().empty()) body["field"] = error.field();
    auto text = std::make_shared<const std::string>(body.dump());
    res.status = error.status();
    res.set_header("Connection", "close");
    res.set_content_provider(text->size(), "application/json",
                             [text](std::size_t, std::size_t, httplib::DataSink& sink) {
                                 sink.write(text->data(), text->size());
                                 return false;  // all written: now close
                             });
}

bool is_decimal_length(const std::string& text) {
    return !text.empty() && text.size() <= 18 && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

// The methods that take a body here. cpp-httplib 0.11.4 waits for the body of these until the
// read timeout when the request gives no Content-Length.
bool reads_body(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH";
}

// What is wrong with a request's line and headers, decided before any of its body is read.
// `route_takes_body`: the route of its method and path reads a body.
std::optional<HttpError> refusal_before_body(const Request& req, const Limits& limits,
                                             bool route_takes_body) {
    // cpp-httplib has read every header by now (it has no limit of its own on their number); a
    // request with more is refused rather than served.
    std::size_t count = 0;
    std::size_t bytes = 0;
    for (const auto& [name, value] : req.headers) {
        // cpp-httplib adds these four itself.
        if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
            name == "LOCAL_PORT") {
            continue;
        }
        ++count;
        bytes += name.size() + value.size();
    }
    if (count > limits.max_header_count || bytes > limits.max_header_bytes) {
        return HttpError(431, "the request headers are too large: at most " +
                                  std::to_string(limits.max_header_count) + " headers and " +
                                  std::to_string(limits.max_header_bytes) + " bytes");
    }
    // cpp-httplib would decompress the body, beyond any size limit: a small gzip body can
    // expand a thousandfold.
    if (req.has_header("Content-Encoding")) {
        return HttpError(415,
                         "Content-Encoding: compressed request bodies are not accepted; send "
                         "the body uncompressed",
                         "Content-Encoding");
    }
    // A body must say its length. cpp-httplib 0.11 applies the body limit to Content-Length
    // only: a chunked body was read whole, whatever its size.
    if (req.has_header("Transfer-Encoding")) {
        return HttpError(411, "send the body with a Content-Length (no chunked bodies)");
    }
    // cpp-httplib reads the first Content-Length with strtoull: "2junk" and "+2" read as 2, "abc"
    // as 0 and "-1" as 2^64-1. Anything but one decimal number is refused, not guessed.
    const auto lengths = req.get_header_value_count("Content-Length");
    if (lengths > 1) {
        return HttpError(400, "Content-Length: given more than once", "Content-Length");
    }
    const auto length = req.get_header_value("Content-Length");
    if (lengths == 1 && !is_decimal_length(length)) {
        return HttpError(400, "Content-Length: must be one decimal number of bytes",
                         "Content-Length");
    }
    // cpp-httplib does not read a body of GET, HEAD or OPTIONS: its bytes would be read as the
    // next request on the connection.
    if (!reads_body(req.method) && lengths == 1 && std::stoull(length) > 0) {
        return HttpError(400, req.method + " requests take no body", "Content-Length");
    }
    // A request without a length has no body (RFC 9112, 6.3): a route that needs one says so
    // rather than answer as if an empty one had been sent.
    if (route_takes_body && lengths == 0) {
        return HttpError(411, "send the body with a Content-Length (no chunked bodies)");
    }
    return std::nullopt;
}

Id id_from_path(const Request& req) {
    try {
        return std::stoll(req.matches[1].str());
    } catch (const std::out_of_range&) {
        throw not_found();
    }
}

}  // namespace

struct Server::Impl {
    using Handler = httplib::Server::Handler;

    // Whether a route reads a JSON body.
    enum class Body { none, json };
    struct BodyRoute {
        std::string method;
        std::regex path;
    };

    struct Therapist {
        store::Therapist account;
        store::WebSession web_session;
    };

    explicit Impl(ServerOptions given);

    void configure_http();
    void add_routes();
    void route(const std::string& method, const std::string& pattern, const std::string& regex,
               Body body, Handler handler);
    bool route_takes_body(const Request& req) const;
    Therapist require_therapist(const Request& req, bool state_changing);
    store::Session require_link_session(const Request& req);
    std::string issue_link(Id clinic_id, Id session_id);
    std::string session_cookie(const std::string& token, long long max_age_seconds) const;
    json aftercare(const store::Session& session, double hours_since_massage) const;
    store::LoginReservation reserve_login_attempt(const std::vector<store::LoginLimit>& keys,
                                                  Timestamp now);
    void check_checkin_budget(const store::Session& session, Timestamp now, Response& res);
    json listed_checkins(
        const std::vector<store::CheckinWithAssessment>& checkins,
        const std::function<json(const store::CheckinWithAssessment&)>& item) const;

    void login(const Request& req, Response& res);
    void create_session(const Request& req, Response& res);
    void session_detail(const Request& req, Response& res);
    void client_page(const Request& req, Response& res);
    void add_checkin(const Request& req, Response& res);
    void dashboard(const Request& req, Response& res);
    void fill_history(const store::Session& session, json& document);

    ServerOptions options;
    std::unique_ptr<store::Store> store;
    assess::Engine engine;
    json when_to_worry;
    // Each Argon2id check takes 64 MiB and a core for a moment: at most this many at once, so a
    // burst of logins cannot exhaust memory.
    PasswordCheckSlots password_checks;
    // Login attempts of this instance whose password is being checked: their reserved slots are
    // not failures yet (see login()).
    std::mutex login_mutex;
    std::condition_variable login_decided;
    int logins_being_checked = 0;
    std::optional<DemoCredentials> demo;
    std::unique_ptr<httplib::Server> http;
    std::vector<BodyRoute> body_routes;  // the routes registered with Body::json
    RequestLog log{std::cerr};
    std::thread listener;
    std::atomic<bool> listener_done{false};
    std::mutex lifecycle_mutex;
    int port = 0;
};

namespace {

assess::Engine load_engine(const ServerOptions& options) {
    return assess::Engine(options.knowledge_dir.empty()
                              ? assess::KnowledgeBase::load_default()
                              : assess::KnowledgeBase::load(options.knowledge_dir));
}

std::unique_ptr<httplib::Server> make_http_server(const ServerOptions& options) {
    const bool wants_tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
    if (!wants_tls) return std::make_unique<httplib::Server>();
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
        throw InputError("--tls-cert and --tls-key: give both or neither");
    }
    auto server = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                       options.tls_key_file.c_str());
    if (!server->is_valid()) {
        throw InputError(options.tls_cert_file.string() + ", " + options.tls_key_file.string() +
                         ": cannot load the TLS certificate and key");
    }
    return server;
}

// The signs of the knowledge base's rules at see_doctor and urgent, for the client page's "when to
// worry": each rule's text (the sign, then why it matters), thresholds filled in. Made once at
// start.
json warning_signs(const assess::KnowledgeBase& knowledge) {
    json signs = json::array();
    for (const auto& rule : knowledge.rule_texts()) {
        if (rule.level < assess::Level::see_doctor) continue;
        signs.push_back({{"level", assess::to_string(rule.level)}, {"text", rule.text}});
    }
    return signs;
}

// The database --db names, or an InputError (exit 2): a wrong path, a file that is not a
// database or a URL that does not connect is the user's to fix, not a failure of the program.
std::unique_ptr<store::Store> open_database(const std::string& url) {
    try {
        return store::open_store(url);
    } catch (const store::StoreError& e) {
        throw InputError(std::string("--db: cannot open the database: ") + e.what());
    }
}

}  // namespace

Server::Impl::Impl(ServerOptions given)
    : options(std::move(given)),
      store(open_database(options.db_url)),
      engine(load_engine(options)),
      when_to_worry(warning_signs(engine.knowledge())),
      password_checks(static_cast<std::ptrdiff_t>(
          std::clamp<std::size_t>(options.limits.concurrent_password_checks, 1, 64))),
      http(make_http_server(options)) {
    init_crypto();
    if (options.demo) {
        const auto login = store::load_demo(
            *store, engine, [](const std::string& password) { return hash_password(password); },
            now_seconds());
        demo = DemoCredentials{login.email, login.password};
    }
    configure_http();
    add_routes();
}

void Server::Impl::configure_http() {
    const auto& limits = options.limits;
    http->set_payload_max_length(limits.max_body_bytes);
    http->set_read_timeout(limits.read_timeout);
    http->set_write_timeout(limits.write_timeout);
    http->set_keep_alive_timeout(limits.keep_alive_timeout.count());
    http->set_keep_alive_max_count(limits.keep_alive_max_requests);
    // cpp-httplib writes the headers and the body separately; with Nagle's algorithm the body
    // then waits for the client's delayed ACK (about 40 ms on Linux) on every keep-alive answer.
    http->set_tcp_nodelay(true);
    http->new_task_queue = [threads = limits.worker_threads,
                            queued = limits.max_queued_connections]() -> httplib::TaskQueue* {
        // cpp-httplib owns the queue it asks for and deletes it when listening ends.
        return std::make_unique<BoundedTaskQueue>(threads, queued).release();
    };
    http->set_default_headers({
        {"Content-Security-Policy",
         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
         "frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
        {"Cache-Control", "no-store"},
    });
    // cpp-httplib's default sets SO_REUSEPORT, with which a second server on the same address
    // starts and silently shares the port. SO_REUSEADDR alone still allows a restart while old
    // connections linger in TIME_WAIT, and makes a second bind fail.
    http->set_socket_options([](socket_t sock) {
        const int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    http->set_pre_routing_handler([this](const Request& req, Response& res) {
        current_request() = RequestContext{std::chrono::steady_clock::now(), {}};
        if (const auto refusal = refusal_before_body(req, options.limits, route_takes_body(req))) {
            refuse_and_close(res, *refusal);
            return httplib::Server::HandlerResponse::Handled;
        }
        // No length and no chunks: no body (RFC 9112, 6.3), as with "Content-Length: 0", which
        // keeps cpp-httplib from waiting for one until the read timeout (curl -X POST sends
        // neither). A route that takes no body then answers at once, and so does a path that
        // is not served under this method (404). cpp-httplib hands this handler its own,
        // non-const request as const.
        if (reads_body(req.method) && !req.has_header("Content-Length")) {
            const_cast<Request&>(req).set_header("Content-Length", "0");
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // Errors decided by cpp-httplib itself (no route, body too large, bad request line) get the
    // same JSON shape as ours.
    const httplib::Server::HandlerWithResponse json_errors = [](const Request&, Response& res) {
        // Our own answers (a body, or refuse_and_close's content provider) have a content type.
        if (res.has_header("Content-Type")) return httplib::Server::HandlerResponse::Unhandled;
        const char* message = res.status == 404   ? "not found"
                              : res.status == 413 ? "request body too large"
                              : res.status == 405 ? "method not allowed"
                              : res.status == 414 ? "request URI too long"
                                                  : "bad request";
        send_error(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
    };
    http->set_error_handler(json_errors);
    http->set_exception_handler([](const Request&, Response& res, std::exception_ptr) {
        // The exception's text may hold data from the request or the database: never echoed.
        send_error(res, 500, "internal error");
    });
    if (options.log_requests) {
        http->set_logger([this](const Request& req, const Response& res) {
            log.write(is_known_method(req.method) ? req.method : std::string{}, res.status);
        });
    }
}

bool Server::Impl::route_takes_body(const Request& req) const {
    return std::any_of(body_routes.begin(), body_routes.end(), [&](const BodyRoute& route) {
        return route.method == req.method && std::regex_match(req.path, route.path);
    });
}

void Server::Impl::route(const std::string& method, const std::string& pattern,
                         const std::string& regex, Body body, Handler handler) {
    if (body == Body::json) body_routes.push_back({method, std::regex(regex)});
    Handler wrapped = [pattern, handler = std::move(handler)](const Request& req, Response& res) {
        current_request().route = pattern;
        try {
            handler(req, res);
        } catch (const HttpError& e) {
            send_error(res, e.status(), e.what(), e.field());
        } catch (const store::Conflict& e) {
            send_error(res, 409, e.what(), field_of(e.what()));
        } catch (const InputError& e) {
            send_error(res, 400, e.what(), field_of(e.what()));
        } catch (const store::StoreError&) {
            send_error(res, 503, "the database is not available; try again");
        }
    };
    if (method == "GET") {
        http->Get(regex, std::move(wrapped));
    } else if (method == "POST") {
        http->Post(regex, std::move(wrapped));
    } else if (method == "DELETE") {
        http->Delete(regex, std::move(wrapped));
    } else {
        throw std::logic_error("route: unsupported method " + method);
    }
}

Server::Impl::Therapist Server::Impl::require_therapist(const Request& req, bool state_changing) {
    const auto token = cookie_value(req, kSessionCookie);
    if (!token) throw HttpError(401, "not logged in");
    auto web_session = store->find_web_session(token_digest(*token), now_seconds());
    if (!web_session) throw HttpError(401, "not logged in");
    auto account = store->get_therapist(web_session->therapist_id);
    if (!account) throw HttpError(401, "not logged in");
    if (state_changing &&
        !tokens_equal(req.get_header_value(kCsrfHeader), web_session->csrf_token)) {
        throw HttpError(403, "missing or wrong CSRF token", kCsrfHeader);
    }
    return {std::move(*account), std::move(*web_session)};
}

store::Session Server::Impl::require_link_session(const Request& req) {
    const auto digest = token_digest(req.matches[1].str());
    auto session = store->find_session_by_token_hash(digest);
    if (session) return std::move(*session);
    // Saying "revoked" tells only that this very token was once valid: an unknown token, like a
    // mistyped one, stays a plain 404.
    const auto link = store->find_link(digest);
    if (link && link->revoked_at) {
        throw HttpError(410, "this link was revoked; ask your therapist for a new one");
    }
    throw not_found();
}

std::string Server::Impl::issue_link(Id clinic_id, Id session_id) {
    const auto token = random_token();
    store->create_link(clinic_id, {token_digest(token), session_id, now_seconds(), std::nullopt});
    return token;
}

// HttpOnly: page scripts never read it; SameSite=Strict: other sites' requests do not carry it;
// Secure under TLS, so it never travels in clear.
std::string Server::Impl::session_cookie(const std::string& token,
                                         long long max_age_seconds) const {
    return std::string(kSessionCookie) + "=" + token +
           "; Path=/; Max-Age=" + std::to_string(max_age_seconds) + "; HttpOnly; SameSite=Strict" +
           (options.tls_cert_file.empty() ? "" : "; Secure");
}

// Aftercare for the client page: the engine's answer to a check-in that reports nothing but
// the session and the time since it (what is normal, how long it lasts, what to do), and the
// warning signs (when to worry).
json Server::Impl::aftercare(const store::Session& session, double hours_since_massage) const {
    // A link opened more than a year after the massage reads as a year on (the contract's end):
    // without the clamp the page failed for good once the session was that old.
    const double hours = std::min(hours_since_massage, assess::max_hours_since_massage());
    const auto baseline = engine.assess(assess::validate_checkin(
        {{"hours_since_massage", hours}, {"massage", massage_json(session)}}));
    // The general aftercare, without the level's own advice: that answers a report ("Nothing
    // you reported needs a doctor"), and before a report there is none.
    json what_to_do = json::array();
    for (const auto& advice : baseline.advice) {
        if (advice.is_object() && advice.contains("text") &&
            !advice.value("id", "").starts_with("level.")) {
            what_to_do.push_back(advice["text"]);
        }
    }
    return {{"normal", baseline.summary},
            {"how_long", baseline.course.is_object() ? baseline.course.value("text", "") : ""},
            {"what_to_do", what_to_do},
            {"when_to_worry", when_to_worry},
            {"knowledge_version", baseline.knowledge_version}};
}

void Server::Impl::add_routes() {
    route("POST", "/api/login", "/api/login", Body::json,
          [this](const Request& req, Response& res) { login(req, res); });
    route("POST", "/api/logout", "/api/logout", Body::none,
          [this](const Request& req, Response& res) {
              const auto therapist = require_therapist(req, true);
              store->delete_web_session(therapist.web_session.token_hash);
              res.set_header("Set-Cookie", session_cookie("", 0));
              res.status = 204;
          });
    route("GET", "/api/me", "/api/me", Body::none, [this](const Request& req, Response& res) {
        const auto therapist = require_therapist(req, false);
        const auto clinic = store->get_clinic(therapist.account.clinic_id);
        send_json(res, 200,
                  {{"therapist", therapist_json(therapist.account)},
                   {"clinic",
                    {{"id", therapist.account.clinic_id},
                     {"name", clinic ? clinic->name : std::string{}}}},
                   {"csrf_token", therapist.web_session.csrf_token}});
    });
    route("GET", "/api/dashboard", "/api/dashboard", Body::none,
          [this](const Request& req, Response& res) { dashboard(req, res); });
    route("GET", "/api/clients", "/api/clients", Body::none,
          [this](const Request& req, Response& res) {
              const auto therapist = require_therapist(req, false);
              json clients = json::array();
              for (const auto& client : store->list_clients(therapist.account.clinic_id)) {
                  clients.push_back(client_json(client));
              }
              send_json(res, 200, {{"clients", clients}});
          });
    route("POST", "/api/clients", "/api/clients", Body::json,
          [this](const Request& req, Response& res) {
              const auto therapist = require_therapist(req, true);
              const auto client =
                  client_from(parse_json_body(req), therapist.account.clinic_id, "");
              send_json(res, 201, {{"client", client_json(store->create_client(client))}});
          });
    route("POST", "/api/sessions", "/api/sessions", Body::json,
          [this](const Request& req, Response& res) { create_session(req, res); });
    route("GET", "/api/sessions/{id}", R"(/api/sessions/(\d{1,18}))", Body::none,
          [this](const Request& req, Response& res) { session_detail(req, res); });
    route("POST", "/api/sessions/{id}/link", R"(/api/sessions/(\d{1,18})/link)", Body::none,
          [this](const Request& req, Response& res) {
              const auto therapist = require_therapist(req, true);
              const auto session =
                  store->get_session(therapist.account.clinic_id, id_from_path(req));
              if (!session) throw not_found();
              send_json(res, 201, link_json(issue_link(session->clinic_id, session->id)));
          });
    route("DELETE", "/api/sessions/{id}/link", R"(/api/sessions/(\d{1,18})/link)", Body::none,
          [this](const Request& req, Response& res) {
              const auto therapist = require_therapist(req, true);
              const auto session =
                  store->get_session(therapist.account.clinic_id, id_from_path(req));
              if (!session) throw not_found();
              store->revoke_links(session->clinic_id, session->id, now_seconds());
              res.status = 204;
          });
    route("GET", "/api/c/{token}", R"(/api/c/([A-Za-z0-9_-]{1,128}))", Body::none,
          [this](const Request& req, Response& res) { client_page(req, res); });
    route("POST", "/api/c/{token}/checkins", R"(/api/c/([A-Za-z0-9_-]{1,128})/checkins)",
          Body::json, [this](const Request& req, Response& res) { add_checkin(req, res); });
    // Last: the pages and assets of the front end (web/dist, embedded at build time).
    http->Get(
        ".*", Handler([](const Request& req, Response& res) {
            const bool api = req.path.rfind("/api/", 0) == 0;
            const auto asset = api ? std::nullopt : find_asset(req.path);
            current_request().route = api ? "other" : mask_static_path(req.path, asset.has_value());
            if (!asset && !api) {
                // A page's address with a slash added (pasted links often gain one) goes
                // to the page; any other address gets a page a person can read.
                const std::string_view path = req.path;
                // The address as it came (still percent-encoded, with its query) is what is
                // redirected, less its slash: the decoded path could turn "%3F" into a query or
                // carry raw bytes into the header. Only a slash typed as one counts ("%2F" at
                // the end would redirect to itself).
                const std::string_view target = req.target;
                const auto query = target.find('?');
                const auto raw_path = target.substr(0, query);
                if (raw_path.size() > 1 && raw_path.back() == '/' && path.size() > 1 &&
                    path.back() == '/' && find_asset(path.substr(0, path.size() - 1))) {
                    auto location = std::string(raw_path.substr(0, raw_path.size() - 1));
                    if (query != std::string_view::npos) location += target.substr(query);
                    res.status = 301;
                    res.set_header("Location", location);
                    return;
                }
                const auto page = not_found_page();
                res.status = 404;
                res.set_content(page.body.data(), page.body.size(), std::string(page.content_type));
                return;
            }
            if (!asset) {
                send_error(res, 404, "not found");
                return;
            }
            res.set_content(asset->body.data(), asset->body.size(),
                            std::string(asset->content_type));
        }));
}

// A login attempt counts as failed before its password is checked, in the same transaction as the
// count: a burst of parallel attempts cannot get more than the limit checked. A reserved slot is
// not a failure yet, though: an attempt that finds no slot free while this instance is checking
// others waits for those to be decided (a success gives its slot back) rather than answer "too
// many failed logins" when none failed.
store::LoginReservation Server::Impl::reserve_login_attempt(
    const std::vector<store::LoginLimit>& keys, Timestamp now) {
    const auto deadline = std::chrono::steady_clock::now() + kLoginWaitLimit;
    std::unique_lock lock(login_mutex);
    for (;;) {
        auto attempt =
            store->reserve_login_attempt(keys, now - options.limits.login_window.count(), now);
        if (attempt.failure_ids) {
            ++logins_being_checked;
            return attempt;
        }
        if (logins_being_checked == 0 ||
            login_decided.wait_until(lock, deadline) == std::cv_status::timeout) {
            return attempt;
        }
        now = now_seconds();
    }
}

void Server::Impl::login(const Request& req, Response& res) {
    const auto body = parse_json_body(req);
    reject_unknown_fields(body, {"email", "password"});
    const auto email = required_text(body, "email", kMaxEmailLength, Text::name);
    const auto password = required_text(body, "password", kMaxPasswordLength, Text::secret);

    const auto& limits = options.limits;
    const Timestamp now = now_seconds();
    // The keys hold no e-mail in clear: the database keeps its digest.
    const std::string email_key = "email:" + token_digest(store::normalized_email(email));
    const std::string address_key = "address:" + req.remote_addr;
    const auto attempt =
        reserve_login_attempt({{email_key, static_cast<int>(limits.login_failures_per_email)},
                               {address_key, static_cast<int>(limits.login_failures_per_address)}},
                              now);
    if (!attempt.failure_ids) {
        // The blocking failure counts while it is less than a window old: the seconds until
        // then, counting down (at least 1, the header's smallest useful value).
        res.set_header("Retry-After", std::to_string(std::max<Timestamp>(
                                          1, attempt.blocking_failure_at +
                                                 limits.login_window.count() - now_seconds())));
        throw HttpError(429, "too many failed logins; try again later");
    }

    std::optional<store::Therapist> therapist;
    bool accepted = false;
    {
        // However the check ends (an exception too), the attempt is decided: wake the waiters.
        const ScopeExit decided([this] {
            {
                const std::lock_guard lock(login_mutex);
                --logins_being_checked;
            }
            login_decided.notify_all();
        });
        therapist = store->find_therapist_by_email(email);
        {
            const SemaphoreSlot slot(password_checks);
            accepted = therapist ? verify_password(therapist->password_hash, password)
                                 : (verify_password_against_dummy(password), false);
        }
        if (accepted) {
            store->release_login_attempt(*attempt.failure_ids);
            store->clear_login_failures(email_key);
        }
    }
    if (!accepted) throw HttpError(401, "wrong e-mail or password");

    const auto token = random_token();
    store::WebSession web_session{token_digest(token), therapist->id, random_token(),
                                  now + limits.web_session_lifetime.count()};
    store->create_web_session(web_session);
    store->delete_expired_web_sessions(now);
    res.set_header("Set-Cookie", session_cookie(token, limits.web_session_lifetime.count()));
    send_json(res, 200,
              {{"therapist", therapist_json(*therapist)}, {"csrf_token", web_session.csrf_token}});
}

void Server::Impl::create_session(const Request& req, Response& res) {
    const auto therapist = require_therapist(req, true);
    const auto body = parse_json_body(req);
    reject_unknown_fields(body, {"client_id", "client", "started_at", "technique", "pressure",
                                 "minutes", "regions", "knots_worked", "notes"});
    store::Session session;
    session.clinic_id = therapist.account.clinic_id;
    session.therapist_id = therapist.account.id;

    // An existing client by id, or a new one ("client": {"name", "note"}) created together with
    // the session, so a refused session leaves no client behind.
    std::optional<store::Client> new_client;
    if (body.contains("client")) {
        if (body.contains("client_id")) {
            throw bad_field("client", "give either client_id or client, not both");
        }
        if (!body["client"].is_object()) {
            throw bad_field("client", "must be an object with the new client's name and note");
        }
        new_client = client_from(body["client"], session.clinic_id, "client.");
    } else {
        if (!body.contains("client_id")) {
            throw bad_field("client_id", "is required (or client, to create a new one)");
        }
        if (!body["client_id"].is_number_integer()) {
            throw bad_field("client_id", "must be an integer");
        }
        session.client_id = body["client_id"].get<Id>();
        // Another clinic's client reads as a missing one: no hint that the id exists.
        if (!store->get_client(session.clinic_id, session.client_id)) {
            throw bad_field("client_id", "no such client");
        }
    }
    const auto started_text = required_text(body, "started_at", 64, Text::name);
    const auto started = parse_iso_utc(started_text);
    if (!started) {
        throw bad_field("started_at", "must be an ISO 8601 UTC time like 2026-11-26T09:30:00Z");
    }
    // The massage has ended (an hour of clock skew allowed) and its reports still fit the
    // contract: a session in the future or over a year ago is a typing error.
    const double hours_ago = double(now_seconds() - *started) / 3600.0;
    if (hours_ago < -1 || hours_ago > assess::max_hours_since_massage()) {
        throw bad_field("started_at", "must be within the last year and not in the future");
    }
    session.started_at = *started;
    for (const char* field : {"technique", "pressure", "minutes"}) {
        if (!body.contains(field)) throw bad_field(field, "is required");
    }
    json massage{{"technique", body["technique"]},
                 {"pressure", body["pressure"]},
                 {"minutes", body["minutes"]},
                 {"regions", body.value("regions", json::array())},
                 {"knots_worked", body.value("knots_worked", json(false))}};
    // The session's massage fields are the check-in contract's massage object: one validator.
    try {
        assess::validate_checkin({{"hours_since_massage", 0}, {"massage", massage}});
    } catch (const InputError& e) {
        std::string message = e.what();
        const std::string prefix = "massage.";
        if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
        throw HttpError(400, message, field_of(message));
    }
    session.technique = massage["technique"].get<std::string>();
    session.pressure = massage["pressure"].get<std::string>();
    session.minutes = massage["minutes"].get<double>();
    session.regions = massage["regions"].get<std::vector<std::string>>();
    session.knots_worked = massage["knots_worked"].get<bool>();
    session.notes = optional_text(body, "notes", kMaxNoteLength);

    const auto token = random_token();
    const store::ClientLink link{token_digest(token), 0, now_seconds(), std::nullopt};
    store::Session created;
    std::optional<store::Client> made_client;
    if (new_client) {
        store->in_transaction([&](store::Store& transaction) {
            made_client = transaction.create_client(*new_client);
            session.client_id = made_client->id;
            created = transaction.create_session_with_link(session, link);
        });
    } else {
        created = store->create_session_with_link(session, link);
    }
    json answer{{"session", session_json(created)}, {"link", link_json(token)}};
    if (made_client) answer["client"] = client_json(*made_client);
    send_json(res, 201, answer);
}

void Server::Impl::session_detail(const Request& req, Response& res) {
    const auto therapist = require_therapist(req, false);
    const auto session = store->get_session(therapist.account.clinic_id, id_from_path(req));
    if (!session) throw not_found();
    const auto client = store->get_client(session->clinic_id, session->client_id);
    const auto checkins = store->list_checkins(session->clinic_id, session->id);
    const auto listed = listed_checkins(checkins, [](const store::CheckinWithAssessment& entry) {
        return json{{"id", entry.checkin.id},
                    {"received_at", iso_utc(entry.checkin.received_at)},
                    {"hours_since_massage", entry.checkin.hours_since_massage},
                    {"discomfort", entry.checkin.discomfort},
                    {"document", json::parse(entry.checkin.document, nullptr, false)},
                    {"assessment", assessment_json(entry.assessment)}};
    });
    // The client's other sessions, so that reports on an earlier session's link stay in reach.
    json other_sessions = json::array();
    for (const auto& summary :
         store->list_session_summaries(session->clinic_id, session->client_id)) {
        if (summary.session.id == session->id) continue;
        other_sessions.push_back(
            {{"id", summary.session.id},
             {"started_at", iso_utc(summary.session.started_at)},
             {"technique", summary.session.technique},
             {"reports", summary.reports},
             {"latest_level", level_json(summary.latest_level)},
             {"latest_report_at", optional_time_json(summary.latest_report_at)}});
    }
    send_json(res, 200,
              {{"session", session_json(*session)},
               {"client", client ? client_json(*client) : json(nullptr)},
               {"other_sessions", other_sessions},
               {"hours_since_massage", hours_between(session->started_at, now_seconds())},
               {"checkins", listed},
               {"checkins_total", checkins.size()},
               {"course", course_by_day(checkins)},
               {"course_fit", reported_course_fit(checkins)},
               {"next_session_note", next_session_note(*session, checkins)}});
}

void Server::Impl::client_page(const Request& req, Response& res) {
    const auto session = require_link_session(req);
    const double hours = hours_between(session.started_at, now_seconds());
    const auto checkins = store->list_checkins(session.clinic_id, session.id);
    const auto listed = listed_checkins(checkins, [](const store::CheckinWithAssessment& entry) {
        return json{{"received_at", iso_utc(entry.checkin.received_at)},
                    {"hours_since_massage", entry.checkin.hours_since_massage},
                    {"assessment", assessment_json(entry.assessment)}};
    });
    json about = massage_json(session);
    about["started_at"] = iso_utc(session.started_at);
    send_json(res, 200,
              {{"session", about},
               {"hours_since_massage", hours},
               {"aftercare", aftercare(session, hours)},
               {"checkins", listed},
               {"checkins_total", checkins.size()}});
}

// The latest check-ins (the store lists them oldest first), so that an answer stays a bounded
// size however many a session holds.
json Server::Impl::listed_checkins(
    const std::vector<store::CheckinWithAssessment>& checkins,
    const std::function<json(const store::CheckinWithAssessment&)>& item) const {
    const std::size_t shown = std::min(checkins.size(), options.limits.listed_checkins);
    json listed = json::array();
    for (auto entry = checkins.end() - static_cast<std::ptrdiff_t>(shown); entry != checkins.end();
         ++entry) {
        listed.push_back(item(*entry));
    }
    return listed;
}

// One link must not fill the database or the therapist's page: a session keeps a bounded number
// of check-ins, and takes a bounded number an hour.
void Server::Impl::check_checkin_budget(const store::Session& session, Timestamp now,
                                        Response& res) {
    const auto& limits = options.limits;
    if (limits.max_checkins_per_session == 0 && limits.max_checkins_per_hour == 0) return;
    constexpr Timestamp kHour = 3600;
    // 0 is no limit; each count stops at the larger limit.
    const auto at_most = static_cast<std::int64_t>(
        std::max(limits.max_checkins_per_session, limits.max_checkins_per_hour));
    const auto counted = store->count_checkins(session.id, now - kHour, at_most);
    if (limits.max_checkins_per_session > 0 &&
        static_cast<std::size_t>(counted.total) >= limits.max_checkins_per_session) {
        throw HttpError(409, "this session already has " +
                                 std::to_string(limits.max_checkins_per_session) +
                                 " check-ins, the most it keeps; ask your therapist");
    }
    if (limits.max_checkins_per_hour > 0 &&
        static_cast<std::size_t>(counted.since) >= limits.max_checkins_per_hour) {
        // The earliest of the hour is the next to leave it.
        res.set_header("Retry-After", std::to_string(std::max<Timestamp>(
                                          1, counted.earliest_since + kHour - now)));
        throw HttpError(429, "too many check-ins in the last hour (at most " +
                                 std::to_string(limits.max_checkins_per_hour) +
                                 "); try again later");
    }
}

// What the session's previous report said, for the rules that compare a report with it (twitching
// that has spread): taken from the service's own records, never from what the client sent.
void Server::Impl::fill_history(const store::Session& session, json& document) {
    document.erase("history");
    const auto previous = store->latest_checkin(session.id);
    if (!previous) return;
    const json earlier = json::parse(previous->document, nullptr, false);
    const json twitching =
        earlier.is_object() ? earlier.value("twitching", json::object()) : json();
    if (!twitching.is_object() || twitching.value("present", json()) == false) return;
    const json regions = twitching.value("regions", json::array());
    if (regions.is_array() && !regions.empty()) {
        document["history"] = {{"last_twitching_regions", regions}};
    }
}

void Server::Impl::add_checkin(const Request& req, Response& res) {
    const auto session = require_link_session(req);
    auto document = parse_json_body(req);
    const Timestamp received_at = now_seconds();
    const double session_hours = double(received_at - session.started_at) / 3600.0;
    // Reports describe the first year after the massage (the contract's range); rather than
    // store every later one as "a year on", a session that old takes none.
    if (session_hours > assess::max_hours_since_massage()) {
        throw HttpError(409, "this session is more than a year old and takes no more check-ins");
    }
    const auto hours = document.find("hours_since_massage");
    if (hours == document.end()) {
        document["hours_since_massage"] = hours_between(session.started_at, received_at);
    } else if (hours->is_number() && hours->get<double>() > session_hours + kClockSkewHours) {
        throw bad_field("hours_since_massage",
                        "is later than now: the massage was " +
                            std::to_string(std::lround(std::max(0.0, session_hours))) +
                            " hours ago");
    }
    // The session knows the massage; the client need not repeat it, nor any part of it.
    const auto massage = document.find("massage");
    if (massage == document.end()) {
        document["massage"] = massage_json(session);
    } else if (massage->is_object()) {
        const json recorded = massage_json(session);
        for (const auto& field : recorded.items()) {
            if (!massage->contains(field.key())) (*massage)[field.key()] = field.value();
        }
    }
    if (document.is_object()) fill_history(session, document);
    const auto checkin = assess::validate_checkin(document);
    // After validation: a report with a mistake hears what the mistake is (400), not that the
    // session is over its budget (429) and then, an hour later, of the mistake.
    check_checkin_budget(session, received_at, res);
    const auto assessment = engine.assess(checkin);

    store::CheckinRecord record;
    record.session_id = session.id;
    record.received_at = received_at;
    record.hours_since_massage = checkin.document["hours_since_massage"].get<double>();
    record.discomfort = store::reports_discomfort(checkin.document);
    record.document = checkin.document.dump();
    const json output = assessment.to_json();
    const Id id = store->add_checkin_with_assessment(
        record, {0, assessment.level, output.dump(), assessment.knowledge_version});
    send_json(res, 201,
              {{"checkin_id", id},
               {"hours_since_massage", record.hours_since_massage},
               {"assessment", output}});
}

void Server::Impl::dashboard(const Request& req, Response& res) {
    const auto therapist = require_therapist(req, false);
    const Timestamp now = now_seconds();
    const auto since =
        now - std::chrono::duration_cast<std::chrono::seconds>(options.open_aftercare).count();
    json clients = json::array();
    for (const auto& row : store->dashboard(therapist.account.clinic_id, since)) {
        clients.push_back(
            {{"client_id", row.client_id},
             {"client_name", row.client_name},
             {"session_id", row.session_id},
             {"session_started_at", iso_utc(row.session_started_at)},
             {"hours_since_massage", hours_between(row.session_started_at, now)},
             {"reports", row.reports},
             {"latest_level", level_json(row.latest_level)},
             {"highest_level", level_json(row.highest_level)},
             {"latest_report_at", optional_time_json(row.latest_report_at)},
             {"red_flag", row.highest_level && *row.highest_level >= assess::Level::see_doctor}});
    }
    const auto shares = store->discomfort_shares(therapist.account.clinic_id);
    const auto shares_json = [](const std::vector<store::DiscomfortShare>& list) {
        json out = json::array();
        for (const auto& share : list) {
            out.push_back({{"key", share.key},
                           {"reports", share.reports},
                           {"with_discomfort", share.with_discomfort},
                           {"share", share.share()}});
        }
        return out;
    };
    // The therapist comes along so the page needs no second request to know who is signed in
    // (it keeps an unsaved session form for the same therapist only).
    send_json(res, 200,
              {{"therapist", therapist_json(therapist.account)},
               {"clients", clients},
               {"discomfort",
                {{"by_technique", shares_json(shares.by_technique)},
                 {"by_pressure", shares_json(shares.by_pressure)}}}});
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { stop(); }

int Server::start() {
    std::lock_guard lock(impl_->lifecycle_mutex);
    if (impl_->listener.joinable()) return impl_->port;
    const auto& options = impl_->options;
    if (options.port == 0) {
        impl_->port = impl_->http->bind_to_any_port(options.host);
    } else {
        impl_->port = impl_->http->bind_to_port(options.host, options.port) ? options.port : -1;
    }
    if (impl_->port <= 0) {
        throw InputError("--listen " + options.host + ":" + std::to_string(options.port) +
                         ": cannot listen there (address in use or not local?)");
    }
    impl_->listener_done = false;
    impl_->listener = std::thread([this] {
        impl_->http->listen_after_bind();
        impl_->listener_done = true;
    });
    // cpp-httplib's stop() does nothing until the accept loop runs, so a stop right after start
    // would be lost: return only once the loop is running.
    while (!impl_->http->is_running() && !impl_->listener_done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!impl_->http->is_running()) {
        impl_->listener.join();
        throw std::runtime_error("the HTTP listener stopped right after it started");
    }
    return impl_->port;
}

void Server::stop() {
    std::lock_guard lock(impl_->lifecycle_mutex);
    if (!impl_->listener.joinable()) return;
    impl_->http->stop();
    impl_->listener.join();
}

int Server::port() const { return impl_->port; }

bool Server::tls() const { return !impl_->options.tls_cert_file.empty(); }

const std::optional<DemoCredentials>& Server::demo_credentials() const { return impl_->demo; }

int run_server(const ServerOptions& options, std::ostream& out, bool json_output) {
    // Block the signals before any thread starts, so every thread inherits the mask and the
    // main thread alone receives them in sigwait().
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    Server server(options);
    const int port = server.start();
    const bool ipv6 = options.host.find(':') != std::string::npos;
    const std::string url = std::string(server.tls() ? "https" : "http") + "://" +
                            (ipv6 ? "[" + options.host + "]" : options.host) + ":" +
                            std::to_string(port) + "/";
    const auto& demo = server.demo_credentials();
    if (json_output) {
        json startup{{"url", url}, {"demo_login", nullptr}};
        if (demo) startup["demo_login"] = {{"email", demo->email}, {"password", demo->password}};
        out << startup.dump() << "\n" << std::flush;
    } else {
        out << "twitchwatch serving on " << url << "\n";
        if (demo) out << "demo login: " << demo->email << " / " << demo->password << "\n";
        out << "stop with Ctrl-C\n" << std::flush;
    }

    int received = 0;
    sigwait(&stop_signals, &received);
    // One string, one write: request log lines from worker threads must not split it.
    const std::string notice = std::string("twitchwatch: ") +
                               (received == SIGINT ? "SIGINT" : "SIGTERM") +
                               " received, shutting down\n";
    std::cerr << notice << std::flush;
    server.stop();
    return kExitOk;
}

}  // namespace twitchwatch::service
