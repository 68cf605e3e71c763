// The aftercare service over real HTTP on loopback: the server runs in-process on a free port,
// against PostgreSQL when TW_PG_URL_FILE names a file holding its URL (written by
// scripts/pg-test-server), else against a fresh SQLite file.
//
// Every test makes its own clinics and accounts (unique e-mails), so tests can share one
// PostgreSQL database.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "security.hpp"
#include "twitchwatch/service/server.hpp"
#include "twitchwatch/store/store.hpp"

namespace twitchwatch::service {
namespace {

using nlohmann::json;
using store::Id;

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : fallback;
}

std::string iso_hours_ago(double hours) {
    const auto at = std::chrono::system_clock::now() -
                    std::chrono::seconds(static_cast<long long>(hours * 3600));
    const std::time_t time = std::chrono::system_clock::to_time_t(at);
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

Id seconds_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The key under which the server counts an e-mail's failed logins (lower case, digested).
std::string email_login_key(const std::string& email) {
    return "email:" + token_digest(store::normalized_email(email));
}

struct Account {
    Id clinic_id = 0;
    Id therapist_id = 0;
    std::string email;
    std::string password;
};

struct Login {
    std::string cookie;  // "tw_session=..."
    std::string csrf;
};

struct Link {
    Id session_id = 0;
    std::string token;
};

class Api : public ::testing::Test {
  protected:
    void SetUp() override {
        init_crypto();
        const auto url_file = env_or("TW_PG_URL_FILE", "");
        if (!url_file.empty()) {
            std::ifstream in(url_file);
            std::getline(in, url_);
            ASSERT_FALSE(url_.empty()) << url_file << ": no PostgreSQL URL";
        } else {
            const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
            dir_ = std::filesystem::path(TW_BINARY_DIR) / "tests" / "service" / "tmp" /
                   (std::string(info->name()) + "-" + std::to_string(::getpid()));
            std::filesystem::remove_all(dir_);
            std::filesystem::create_directories(dir_);
            url_ = "sqlite:" + (dir_ / "service.sqlite3").string();
        }
        store_ = store::open_store(url_);
        a_ = make_account("A");
        b_ = make_account("B");
        options_.db_url = url_;
        options_.host = "127.0.0.1";
        options_.port = 0;
        // Other tests may fail logins from 127.0.0.1 on the same database at the same time.
        options_.limits.login_failures_per_address = 1000000;
    }

    void TearDown() override {
        server_.reset();
        store_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    Account make_account(const std::string& label) {
        Account account;
        const auto unique = random_token().substr(0, 12);
        account.clinic_id = store_->create_clinic({0, "Clinic " + label + " " + unique}).id;
        account.email = "therapist-" + label + "-" + unique + "@example.test";
        account.password = "correct horse " + label;
        store::Therapist therapist;
        therapist.clinic_id = account.clinic_id;
        therapist.email = account.email;
        therapist.password_hash = hash_password(account.password);
        therapist.name = "Therapist " + label;
        account.therapist_id = store_->create_therapist(therapist).id;
        return account;
    }

    void start() {
        server_ = std::make_unique<Server>(options_);
        port_ = server_->start();
    }

    httplib::Client http() const {
        httplib::Client client("127.0.0.1", port_);
        client.set_read_timeout(std::chrono::seconds(20));
        client.set_connection_timeout(std::chrono::seconds(20));
        return client;
    }

    httplib::Result post_json(const std::string& path, const json& body,
                              const httplib::Headers& headers = {}) const {
        return http().Post(path.c_str(), headers, body.dump(), "application/json");
    }

    // The statuses of `count` GETs of an unknown link sent at once, each on its own connection
    // (-1 where a client got no answer).
    std::vector<int> statuses_of_concurrent_gets(int count) const {
        std::vector<std::future<int>> answers;
        for (int i = 0; i < count; ++i) {
            answers.push_back(std::async(std::launch::async, [this] {
                const auto result = http().Get("/api/c/unknown");
                return result ? result->status : -1;
            }));
        }
        std::vector<int> statuses;
        for (auto& answer : answers) statuses.push_back(answer.get());
        return statuses;
    }

    static json body_of(const httplib::Result& result) {
        return json::parse(result->body, nullptr, false);
    }

    // Each case is `good` with a change (json merge) that must be refused (400) naming the field.
    void expect_each_refused(const std::string& path, const json& good,
                             const std::vector<std::pair<json, std::string>>& cases,
                             const Login& login) const {
        for (const auto& [change, field] : cases) {
            auto body = good;
            body.update(change);
            const auto result = post_json(path, body, headers(login));
            ASSERT_TRUE(result) << body.dump();
            EXPECT_EQ(result->status, 400) << body.dump();
            EXPECT_EQ(body_of(result).value("field", ""), field) << result->body;
        }
    }

    Login login(const Account& account) const {
        const auto result =
            post_json("/api/login", {{"email", account.email}, {"password", account.password}});
        EXPECT_TRUE(result);
        EXPECT_EQ(result->status, 200) << result->body;
        const auto set_cookie = result->get_header_value("Set-Cookie");
        return {set_cookie.substr(0, set_cookie.find(';')),
                body_of(result).value("csrf_token", "")};
    }

    static httplib::Headers headers(const Login& login, bool with_csrf = true) {
        httplib::Headers headers{{"Cookie", login.cookie}};
        if (with_csrf) headers.emplace("X-CSRF-Token", login.csrf);
        return headers;
    }

    Id create_client(const Login& login, const std::string& name) const {
        const auto result = post_json("/api/clients", {{"name", name}}, headers(login));
        EXPECT_TRUE(result);
        EXPECT_EQ(result->status, 201) << result->body;
        return body_of(result)["client"]["id"].get<Id>();
    }

    Link create_session(const Login& login, Id client_id, double hours_ago = 30,
                        const std::string& pressure = "deep") const {
        const json body{{"client_id", client_id},
                        {"started_at", iso_hours_ago(hours_ago)},
                        {"technique", "deep_tissue"},
                        {"pressure", pressure},
                        {"minutes", 60},
                        {"regions", {"left_calf"}},
                        {"knots_worked", true}};
        const auto result = post_json("/api/sessions", body, headers(login));
        EXPECT_TRUE(result);
        EXPECT_EQ(result->status, 201) << result->body;
        const auto answer = body_of(result);
        return {answer["session"]["id"].get<Id>(), answer["link"]["token"].get<std::string>()};
    }

    // A new client ("Client") with one session `hours_ago`, and its link.
    Link client_link(const Login& login, double hours_ago = 30) const {
        return create_session(login, create_client(login, "Client"), hours_ago);
    }

    // A session `days` old with a client link, written to the store directly: the API refuses
    // to record a session so old.
    Link aged_session(const Login& login, int days) const {
        const auto fresh = client_link(login);
        auto session = *store_->get_session(a_.clinic_id, fresh.session_id);
        session.started_at -= static_cast<std::int64_t>(days) * 24 * 3600;
        const std::string token = random_token();
        const auto created = store_->create_session_with_link(
            session, {token_digest(token), 0, session.started_at, std::nullopt});
        return {created.id, token};
    }

    httplib::Result checkin(const Link& link, const json& document) const {
        return post_json("/api/c/" + link.token + "/checkins", document);
    }

    std::size_t stored_checkins(const Account& account, Id session_id) const {
        return store_->list_checkins(account.clinic_id, session_id).size();
    }

    std::filesystem::path dir_;
    std::string url_;
    std::unique_ptr<store::Store> store_;
    Account a_;
    Account b_;
    ServerOptions options_;
    std::unique_ptr<Server> server_;
    int port_ = 0;
};

TEST_F(Api, LoginSetsAStrictHttpOnlyCookieAndMeNeedsIt) {
    start();
    const auto result = post_json("/api/login", {{"email", a_.email}, {"password", a_.password}});
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
    const auto cookie = result->get_header_value("Set-Cookie");
    EXPECT_NE(cookie.find("tw_session="), std::string::npos);
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP: no Secure attribute";
    const auto answer = body_of(result);
    EXPECT_EQ(answer["therapist"]["email"], store::normalized_email(a_.email));
    EXPECT_EQ(answer["csrf_token"].get<std::string>().size(), 43u);

    EXPECT_EQ(http().Get("/api/me")->status, 401);
    const Login session{cookie.substr(0, cookie.find(';')), answer["csrf_token"]};
    const auto me = http().Get("/api/me", headers(session, false));
    ASSERT_EQ(me->status, 200) << me->body;
    EXPECT_EQ(body_of(me)["clinic"]["id"], a_.clinic_id);
    EXPECT_EQ(body_of(me)["csrf_token"], session.csrf);
}

TEST_F(Api, LoginFindsTheAccountInAnyLetterCaseOfItsEmail) {
    start();
    std::string shouted = a_.email;
    std::transform(shouted.begin(), shouted.end(), shouted.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    ASSERT_NE(shouted, a_.email);
    const auto result = post_json("/api/login", {{"email", shouted}, {"password", a_.password}});
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
    EXPECT_EQ(body_of(result)["therapist"]["id"], a_.therapist_id);
}

TEST_F(Api, UnderTlsTheCookieIsSecure) {
    // A throwaway self-signed certificate (the openssl command line tool, Debian's openssl).
    const auto dir = std::filesystem::temp_directory_path() /
                     ("tw-tls-" + std::to_string(::getpid()) + "-" + random_token().substr(0, 8));
    std::filesystem::create_directories(dir);
    const auto cert = dir / "cert.pem";
    const auto key = dir / "key.pem";
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
        "/CN=127.0.0.1 -keyout '" +
        key.string() + "' -out '" + cert.string() + "' 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    options_.tls_cert_file = cert;
    options_.tls_key_file = key;
    start();
    EXPECT_TRUE(server_->tls());
    httplib::SSLClient client("127.0.0.1", port_);
    client.enable_server_certificate_verification(false);
    client.set_read_timeout(std::chrono::seconds(20));
    const auto result =
        client.Post("/api/login", json{{"email", a_.email}, {"password", a_.password}}.dump(),
                    "application/json");
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
    const auto cookie = result->get_header_value("Set-Cookie");
    EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
    // Plain HTTP to the TLS port gets no answer.
    EXPECT_FALSE(http().Get("/api/me"));
}

TEST_F(Api, StopRightAfterStartReturnsAndTheServerCanRestart) {
    for (int round = 0; round < 3; ++round) {
        start();
        auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
        ASSERT_EQ(stopped.wait_for(std::chrono::seconds(20)), std::future_status::ready)
            << "stop() right after start() hangs";
        EXPECT_FALSE(http().Get("/api/me")) << "nothing answers after stop()";
        server_.reset();
    }
}

TEST_F(Api, WrongPasswordAndUnknownEmailAreRefusedAlike) {
    start();
    const auto wrong = post_json("/api/login", {{"email", a_.email}, {"password", "nope"}});
    const auto unknown =
        post_json("/api/login", {{"email", "nobody@example.test"}, {"password", "nope"}});
    ASSERT_EQ(wrong->status, 401);
    ASSERT_EQ(unknown->status, 401);
    EXPECT_EQ(body_of(wrong), body_of(unknown));
    EXPECT_FALSE(wrong->has_header("Set-Cookie"));
}

TEST_F(Api, RepeatedFailuresForOneEmailAreRateLimited) {
    options_.limits.login_failures_per_email = 3;
    start();
    for (int attempt = 0; attempt < 3; ++attempt) {
        EXPECT_EQ(post_json("/api/login", {{"email", a_.email}, {"password", "guess"}})->status,
                  401);
    }
    // Even the right password is refused while the e-mail is blocked.
    const auto blocked = post_json("/api/login", {{"email", a_.email}, {"password", a_.password}});
    EXPECT_EQ(blocked->status, 429);
    // Locked just now: the whole window is left (a second may have passed).
    EXPECT_GE(std::stoll(blocked->get_header_value("Retry-After")), 899);
    EXPECT_LE(std::stoll(blocked->get_header_value("Retry-After")), 900);
    EXPECT_TRUE(body_of(blocked).contains("error"));
    // Another account is not affected by this e-mail's failures.
    EXPECT_EQ(post_json("/api/login", {{"email", b_.email}, {"password", b_.password}})->status,
              200);
}

TEST_F(Api, LoginLockoutRetryAfterCountsDown) {
    options_.limits.login_failures_per_email = 3;
    start();
    // The three failures that lock the e-mail, recorded as if made that long ago: no waiting.
    const auto fail_three_times = [&](Id seconds_ago) {
        store_->clear_login_failures(email_login_key(a_.email));
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(store_
                            ->reserve_login_attempt({{email_login_key(a_.email), 3}}, 0,
                                                    seconds_now() - seconds_ago)
                            .failure_ids);
        }
    };
    const auto retry_after_when_locked_since = [&](Id seconds_ago) {
        fail_three_times(seconds_ago);
        const auto blocked =
            post_json("/api/login", {{"email", a_.email}, {"password", a_.password}});
        ASSERT_TRUE(blocked);
        ASSERT_EQ(blocked->status, 429) << blocked->body;
        const auto left = std::stoll(blocked->get_header_value("Retry-After"));
        // The seconds left of the 900 s window (a second may pass while the request runs).
        EXPECT_GE(left, 900 - seconds_ago - 1) << seconds_ago;
        EXPECT_LE(left, 900 - seconds_ago) << seconds_ago;
    };
    retry_after_when_locked_since(60);
    retry_after_when_locked_since(899);
    // Once the window has passed, the right password gets in again.
    fail_three_times(900);
    EXPECT_EQ(post_json("/api/login", {{"email", a_.email}, {"password", a_.password}})->status,
              200);
}

TEST_F(Api, ParallelWrongPasswordsGetNoMoreThanTheLimitChecked) {
    constexpr int kLimit = 3;
    constexpr int kAttempts = 12;  // fewer than the server's 16 workers: all run at once
    options_.limits.login_failures_per_email = kLimit;
    start();
    std::atomic<int> ready{0};
    std::vector<std::future<int>> answers;
    for (int i = 0; i < kAttempts; ++i) {
        answers.push_back(std::async(std::launch::async, [&] {
            auto client = http();
            ++ready;
            while (ready.load() < kAttempts) std::this_thread::yield();
            const auto result =
                client.Post("/api/login", json{{"email", a_.email}, {"password", "guess"}}.dump(),
                            "application/json");
            return result ? result->status : -1;
        }));
    }
    int refused = 0;
    int limited = 0;
    for (auto& answer : answers) {
        const int status = answer.get();
        if (status == 401) {
            ++refused;
        } else if (status == 429) {
            ++limited;
        } else {
            ADD_FAILURE() << "status " << status;
        }
    }
    EXPECT_EQ(refused, kLimit);
    EXPECT_EQ(limited, kAttempts - kLimit);
    // Only the refused attempts stay counted.
    EXPECT_EQ(store_->count_login_failures(email_login_key(a_.email), 0), kLimit);
}

TEST_F(Api, RepeatedFailuresFromOneAddressAreRateLimited) {
    // Failures of concurrent tests from 127.0.0.1 count too: start from the current count.
    const auto since =
        std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch() - options_.limits.login_window)
            .count();
    const int before = store_->count_login_failures("address:127.0.0.1", since);
    options_.limits.login_failures_per_address = static_cast<std::size_t>(before) + 3;
    start();
    int refused = 0;
    int status = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        status = post_json("/api/login", {{"email", "guess" + std::to_string(attempt) + "@x.test"},
                                          {"password", "guess"}})
                     ->status;
        if (status != 401) break;
        ++refused;
    }
    EXPECT_LE(refused, 3);
    EXPECT_EQ(post_json("/api/login", {{"email", a_.email}, {"password", a_.password}})->status,
              429);
    store_->clear_login_failures("address:127.0.0.1");
}

TEST_F(Api, StateChangingRequestsNeedTheCsrfToken) {
    start();
    const auto login_a = login(a_);
    const auto before = store_->list_clients(a_.clinic_id).size();
    const auto missing = post_json("/api/clients", {{"name", "X"}}, headers(login_a, false));
    EXPECT_EQ(missing->status, 403);
    EXPECT_EQ(body_of(missing)["field"], "X-CSRF-Token");
    auto wrong_headers = headers(login_a, false);
    wrong_headers.emplace("X-CSRF-Token", random_token());
    EXPECT_EQ(post_json("/api/clients", {{"name", "X"}}, wrong_headers)->status, 403);
    EXPECT_EQ(store_->list_clients(a_.clinic_id).size(), before) << "nothing written";
    EXPECT_EQ(http().Post("/api/logout", headers(login_a, false), "", "application/json")->status,
              403);
    EXPECT_EQ(post_json("/api/clients", {{"name", "X"}}, headers(login_a))->status, 201);
    EXPECT_EQ(store_->list_clients(a_.clinic_id).size(), before + 1);
}

TEST_F(Api, LogoutEndsTheSession) {
    start();
    const auto login_a = login(a_);
    EXPECT_EQ(http().Post("/api/logout", headers(login_a), "", "application/json")->status, 204);
    EXPECT_EQ(http().Get("/api/me", headers(login_a))->status, 401);
}

TEST_F(Api, ATherapistSeesOnlyTheirClinic) {
    start();
    const auto login_a = login(a_);
    const auto login_b = login(b_);
    const Id client_a = create_client(login_a, "Client of A");
    const auto link_a = create_session(login_a, client_a);
    const auto path = "/api/sessions/" + std::to_string(link_a.session_id);

    EXPECT_EQ(http().Get(path.c_str(), headers(login_a))->status, 200);
    const auto read = http().Get(path.c_str(), headers(login_b));
    EXPECT_EQ(read->status, 404);
    EXPECT_EQ(body_of(read)["error"], "not found");
    EXPECT_EQ(
        http().Post((path + "/link").c_str(), headers(login_b), "", "application/json")->status,
        404);
    EXPECT_EQ(http().Delete((path + "/link").c_str(), headers(login_b))->status, 404);
    // B cannot book a session for A's client.
    const auto session_for_a = post_json("/api/sessions",
                                         {{"client_id", client_a},
                                          {"started_at", iso_hours_ago(1)},
                                          {"technique", "swedish"},
                                          {"pressure", "light"},
                                          {"minutes", 30}},
                                         headers(login_b));
    EXPECT_EQ(session_for_a->status, 400);
    EXPECT_EQ(body_of(session_for_a)["field"], "client_id");
    // A's link still works after B's attempts, and B's lists hold nothing of A.
    EXPECT_EQ(http().Get(("/api/c/" + link_a.token).c_str())->status, 200);
    const auto clients_b = body_of(http().Get("/api/clients", headers(login_b)));
    EXPECT_TRUE(clients_b["clients"].empty());
    const auto dashboard_b = body_of(http().Get("/api/dashboard", headers(login_b)));
    EXPECT_TRUE(dashboard_b["clients"].empty());
    // The dashboard names who is signed in: B, not A.
    const auto me_b = body_of(http().Get("/api/me", headers(login_b)));
    EXPECT_EQ(dashboard_b["therapist"], me_b["therapist"]);
    const auto me_a = body_of(http().Get("/api/me", headers(login_a)));
    EXPECT_NE(dashboard_b["therapist"]["id"], me_a["therapist"]["id"]);
}

TEST_F(Api, ALinkReachesOnlyItsOwnSession) {
    start();
    const auto login_a = login(a_);
    const auto first = create_session(login_a, create_client(login_a, "First"));
    const auto second = create_session(login_a, create_client(login_a, "Second"));

    EXPECT_EQ(http().Get(("/api/c/" + random_token()).c_str())->status, 404);
    auto altered = first.token;
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(http().Get(("/api/c/" + altered).c_str())->status, 404);
    EXPECT_EQ(checkin({0, altered}, {{"twitching", {{"present", true}}}})->status, 404);

    ASSERT_EQ(checkin(first, {{"twitching", {{"present", true}}}})->status, 201);
    EXPECT_EQ(stored_checkins(a_, first.session_id), 1u);
    EXPECT_EQ(stored_checkins(a_, second.session_id), 0u);
    EXPECT_EQ(body_of(http().Get(("/api/c/" + first.token).c_str()))["checkins"].size(), 1u);
    EXPECT_EQ(body_of(http().Get(("/api/c/" + second.token).c_str()))["checkins"].size(), 0u);
}

TEST_F(Api, ARevokedLinkIsGone) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    const auto path = "/api/sessions/" + std::to_string(link.session_id) + "/link";
    ASSERT_EQ(http().Get(("/api/c/" + link.token).c_str())->status, 200);
    ASSERT_EQ(http().Delete(path.c_str(), headers(login_a))->status, 204);
    // 410 Gone on every route a link reaches, with a JSON error that says what to do.
    const auto read = http().Get(("/api/c/" + link.token).c_str());
    const auto write = checkin(link, {{"twitching", {{"present", true}}}});
    for (const auto* answer : {&read, &write}) {
        ASSERT_TRUE(*answer);
        EXPECT_EQ((*answer)->status, 410);
        EXPECT_EQ((*answer)->get_header_value("Content-Type"), "application/json");
        const auto error = body_of(*answer)["error"].get<std::string>();
        EXPECT_NE(error.find("revoked"), std::string::npos) << error;
        EXPECT_NE(error.find("therapist"), std::string::npos) << error;
    }
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
    // A token that never existed still reads as not found, like before.
    EXPECT_EQ(http().Get(("/api/c/" + random_token()).c_str())->status, 404);

    const auto fresh = http().Post(path.c_str(), headers(login_a), "", "application/json");
    ASSERT_EQ(fresh->status, 201);
    const auto token = body_of(fresh)["token"].get<std::string>();
    EXPECT_EQ(body_of(fresh)["path"], "/c/" + token);
    EXPECT_EQ(http().Get(("/api/c/" + token).c_str())->status, 200);
    EXPECT_EQ(http().Get(("/api/c/" + link.token).c_str())->status, 410);
}

// A report is compared with the session's previous one, which the service supplies: twitching in
// a new place is for the therapist to know. A `history` the client sends is not believed.
TEST_F(Api, TwitchingInANewPlaceSinceThePreviousReportIsForTheTherapist) {
    start();
    const auto link = client_link(login(a_));
    const auto twitching_in = [](std::initializer_list<const char*> regions) {
        json list = json::array();
        for (const char* region : regions) list.push_back(region);
        return json{{"present", true}, {"regions", list}};
    };
    const auto spread_fired = [](const httplib::Result& result) {
        const json reasons = body_of(result)["assessment"]["reasons"];
        return std::any_of(reasons.begin(), reasons.end(), [](const json& reason) {
            return reason["rule"] == "tell_therapist.twitching_spread";
        });
    };
    const auto first =
        checkin(link, {{"twitching", twitching_in({"left calf"})},
                       {"history", {{"last_twitching_regions", json::array({"neck"})}}}});
    ASSERT_EQ(first->status, 201) << first->body;
    EXPECT_FALSE(spread_fired(first));
    const auto same = checkin(link, {{"twitching", twitching_in({"calf"})}});
    ASSERT_EQ(same->status, 201) << same->body;
    EXPECT_FALSE(spread_fired(same));
    const auto wider = checkin(link, {{"twitching", twitching_in({"left calf", "right arm"})}});
    ASSERT_EQ(wider->status, 201) << wider->body;
    EXPECT_EQ(body_of(wider)["assessment"]["level"], "tell_therapist");
    EXPECT_TRUE(spread_fired(wider));

    // Each stored report keeps what it was compared with; the first had nothing to compare.
    const auto stored = store_->list_checkins(a_.clinic_id, link.session_id);
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_FALSE(json::parse(stored[0].checkin.document).contains("history"));
    EXPECT_EQ(json::parse(stored[2].checkin.document)["history"]["last_twitching_regions"],
              json::array({"calf"}));
}

TEST_F(Api, ABodyAboveTheLimitIs413AndNothingIsWritten) {
    options_.limits.max_body_bytes = 4096;
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    json big{{"context", {{"medications", json::array()}}}};
    for (int i = 0; i < 64; ++i) big["context"]["medications"].push_back(std::string(100, 'm'));
    ASSERT_GT(big.dump().size(), options_.limits.max_body_bytes);
    const auto result = checkin(link, big);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 413);
    EXPECT_TRUE(body_of(result).contains("error"));
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, AChunkedBodyIs411BeforeItIsRead) {
    options_.limits.max_body_bytes = 4096;
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    const std::string path = "/api/c/" + link.token + "/checkins";
    // A chunked body far above the limit: refused before it is read.
    const std::string piece(1 << 16, ' ');
    std::size_t sent = 0;
    auto chunked = http().Post(
        path.c_str(),
        [&](std::size_t, httplib::DataSink& sink) {
            if (sent == 0) sink.write("{\"hours_since_massage\": 5", 25);
            if (sent < (64u << 20)) {
                sent += piece.size();
                return sink.write(piece.data(), piece.size());
            }
            sink.write("}", 1);
            sink.done();
            return true;
        },
        "application/json");
    // The server answers 411 and closes at once; the client, still sending, may see only the
    // closed connection. Either way it stopped reading long before the 64 MiB were sent.
    if (chunked) {
        EXPECT_EQ(chunked->status, 411);
    } else {
        EXPECT_NE(chunked.error(), httplib::Error::Success);
    }
    EXPECT_LT(sent, 16u << 20);
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, ADeeplyNestedBodyIs400) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    const std::string deep = R"({"hours_since_massage": 5, "context": )" + std::string(20000, '[') +
                             std::string(20000, ']') + "}";
    const auto result =
        http().Post(("/api/c/" + link.token + "/checkins").c_str(), deep, "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400);
    EXPECT_NE(body_of(result)["error"].get<std::string>().find("nested deeper than 64"),
              std::string::npos)
        << result->body;
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, EveryKindOfBadCheckinIs400NamingTheFieldAndWritesNothing) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    struct Case {
        json document;
        std::string field;
    };
    const std::vector<Case> cases{
        {{{"symptoms", {{"pain_0_10", 11}}}}, "symptoms.pain_0_10"},     // above maximum
        {{{"symptoms", {{"pain_0_10", -1}}}}, "symptoms.pain_0_10"},     // below minimum
        {{{"symptoms", {{"weakness", "yes"}}}}, "symptoms.weakness"},    // wrong type
        {{{"symptoms", {{"soreness", "awful"}}}}, "symptoms.soreness"},  // unknown value
        {{{"symptoms", {{"itching", true}}}}, "symptoms.itching"},       // unknown field
        {{{"mood", "fine"}}, "mood"},                                    // unknown top field
        {{{"hours_since_massage", -2}}, "hours_since_massage"},          // out of range
        {{{"twitching", {{"regions", {std::string(65, 'r')}}}}}, "twitching.regions[0]"},
        {{{"twitching", "often"}}, "twitching"},  // not an object
    };
    for (const auto& bad : cases) {
        const auto result = checkin(link, bad.document);
        ASSERT_TRUE(result);
        EXPECT_EQ(result->status, 400) << bad.document.dump();
        const auto answer = body_of(result);
        EXPECT_TRUE(answer.contains("error")) << result->body;
        EXPECT_EQ(answer.value("field", ""), bad.field) << result->body;
    }
    EXPECT_EQ(
        http()
            .Post(("/api/c/" + link.token + "/checkins").c_str(), "{not json", "application/json")
            ->status,
        400);
    EXPECT_EQ(http()
                  .Post(("/api/c/" + link.token + "/checkins").c_str(), "[1]", "application/json")
                  ->status,
              400);
    EXPECT_EQ(
        http().Post(("/api/c/" + link.token + "/checkins").c_str(), "{}", "text/plain")->status,
        415);
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, ABodyWithARepeatedKeyIs400NotItsLastValue) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    const auto result =
        http().Post(("/api/c/" + link.token + "/checkins").c_str(),
                    R"({"symptoms": {"weakness": false, "weakness": true}})", "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400);
    EXPECT_EQ(body_of(result)["error"],
              R"(the request body: JSON object with the key "weakness" twice)")
        << result->body;
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, ACheckinIsAssessedStoredAndShownOnTheDashboard) {
    start();
    const auto login_a = login(a_);
    const Id client = create_client(login_a, "Weak Client");
    const auto link = create_session(login_a, client, 30);

    const auto result =
        checkin(link, {{"twitching", {{"present", true}, {"regions", {"left_calf"}}}},
                       {"symptoms", {{"weakness", true}}}});
    ASSERT_EQ(result->status, 201) << result->body;
    const auto answer = body_of(result);
    // No hours given: computed from the session, which started 30 hours ago.
    EXPECT_NEAR(answer["hours_since_massage"].get<double>(), 30.0, 0.1);
    const auto level = answer["assessment"]["level"].get<std::string>();
    EXPECT_TRUE(level == "see_doctor" || level == "urgent") << level;

    const auto stored = store_->list_checkins(a_.clinic_id, link.session_id);
    ASSERT_EQ(stored.size(), 1u);
    ASSERT_TRUE(stored[0].assessment.has_value());
    EXPECT_EQ(std::string(assess::to_string(stored[0].assessment->level)), level);
    EXPECT_FALSE(stored[0].assessment->knowledge_version.empty());

    const auto dashboard = body_of(http().Get("/api/dashboard", headers(login_a, false)));
    ASSERT_EQ(dashboard["clients"].size(), 1u);
    const auto& row = dashboard["clients"][0];
    EXPECT_EQ(row["client_id"], client);
    EXPECT_EQ(row["latest_level"], level);
    EXPECT_EQ(row["highest_level"], level);
    EXPECT_EQ(row["reports"], 1);
    EXPECT_EQ(row["red_flag"], true);

    const auto detail = body_of(http().Get(
        ("/api/sessions/" + std::to_string(link.session_id)).c_str(), headers(login_a, false)));
    ASSERT_EQ(detail["checkins"].size(), 1u);
    EXPECT_EQ(detail["checkins"][0]["assessment"]["level"], level);
    ASSERT_EQ(detail["course"].size(), 1u);
    EXPECT_EQ(detail["course"][0]["day"], 1);
    // One report is too few for a fitted course; the fit says so rather than guess.
    EXPECT_EQ(detail["course_fit"]["fitted"], false);
    EXPECT_TRUE(detail["course_fit"]["curve"].empty());
    EXPECT_NE(detail["course_fit"]["verdict"].get<std::string>().find("at least"),
              std::string::npos);
    EXPECT_FALSE(detail["next_session_note"].get<std::string>().empty());
}

TEST_F(Api, TheDashboardListsRedFlagsFirst) {
    start();
    const auto login_a = login(a_);
    const auto calm = create_session(login_a, create_client(login_a, "Calm"));
    const auto sore = create_session(login_a, create_client(login_a, "Sore"));
    const auto fainted = create_session(login_a, create_client(login_a, "Fainted"));
    const auto weak = create_session(login_a, create_client(login_a, "Weak"));
    ASSERT_EQ(checkin(calm, {{"symptoms", {{"relaxed", true}}}})->status, 201);
    ASSERT_EQ(checkin(sore, {{"twitching", {{"present", true}, {"painful", true}}}})->status, 201);
    ASSERT_EQ(checkin(weak, {{"symptoms", {{"weakness", true}}}})->status, 201);
    ASSERT_EQ(checkin(fainted, {{"symptoms", {{"fainted", true}}}})->status, 201);

    const auto dashboard = body_of(http().Get("/api/dashboard", headers(login_a, false)));
    const auto& rows = dashboard["clients"];
    ASSERT_EQ(rows.size(), 4u);
    const auto rank = [](const json& level) {
        const std::vector<std::string> order{"normal", "tell_therapist", "see_doctor", "urgent"};
        return std::find(order.begin(), order.end(), level.get<std::string>()) - order.begin();
    };
    for (std::size_t i = 1; i < rows.size(); ++i) {
        EXPECT_GE(rank(rows[i - 1]["highest_level"]), rank(rows[i]["highest_level"]))
            << dashboard.dump();
    }
    EXPECT_EQ(rows[0]["session_id"], fainted.session_id);
    EXPECT_EQ(rows[0]["red_flag"], true);
    EXPECT_EQ(rows[3]["session_id"], calm.session_id);
    EXPECT_EQ(rows[3]["red_flag"], false);
    EXPECT_TRUE(dashboard["discomfort"]["by_pressure"].is_array());
}

TEST_F(Api, AClientsEarlierSessionAndItsReportsStayInReach) {
    start();
    const auto login_a = login(a_);
    const Id client = create_client(login_a, "Returning");
    const auto first = create_session(login_a, client, 50);
    const json painful{{"twitching", {{"present", true}, {"painful", true}}}};
    ASSERT_EQ(checkin(first, painful)->status, 201);
    // The second session starts after that report came in (times are whole seconds).
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const auto second = create_session(login_a, client, 0);
    const auto dashboard_row = [&] {
        const auto dashboard = body_of(http().Get("/api/dashboard", headers(login_a, false)));
        EXPECT_EQ(dashboard["clients"].size(), 1u) << dashboard.dump();
        return dashboard["clients"][0];
    };
    // Reported before the second session: the therapist has seen the client since.
    EXPECT_EQ(dashboard_row()["session_id"], second.session_id);

    // The second session's page lists the first, with its reports in brief.
    const auto detail = [&](const Link& link) {
        return body_of(http().Get(("/api/sessions/" + std::to_string(link.session_id)).c_str(),
                                  headers(login_a, false)));
    };
    const auto others = detail(second)["other_sessions"];
    ASSERT_EQ(others.size(), 1u) << others.dump();
    EXPECT_EQ(others[0]["id"], first.session_id);
    EXPECT_EQ(others[0]["technique"], "deep_tissue");
    EXPECT_EQ(others[0]["reports"], 1);
    EXPECT_EQ(others[0]["latest_level"], "tell_therapist");
    EXPECT_TRUE(others[0]["started_at"].is_string());
    EXPECT_TRUE(others[0]["latest_report_at"].is_string());

    // A report on the first session's link since the second began: the row shows the first.
    ASSERT_EQ(checkin(first, painful)->status, 201);
    const auto row = dashboard_row();
    EXPECT_EQ(row["session_id"], first.session_id);
    EXPECT_EQ(row["reports"], 2);
    const auto back = detail(first)["other_sessions"];
    ASSERT_EQ(back.size(), 1u) << back.dump();
    EXPECT_EQ(back[0]["id"], second.session_id);
    EXPECT_EQ(back[0]["reports"], 0);
    EXPECT_TRUE(back[0]["latest_level"].is_null());
}

TEST_F(Api, TheClientPageShowsAftercareFromTheKnowledgeBase) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a, 5);
    const auto result = http().Get(("/api/c/" + link.token).c_str());
    ASSERT_EQ(result->status, 200);
    const auto page = body_of(result);
    EXPECT_EQ(page["session"]["pressure"], "deep");
    EXPECT_FALSE(page["session"].contains("notes")) << "the therapist's notes stay private";
    EXPECT_NEAR(page["hours_since_massage"].get<double>(), 5.0, 0.1);
    const auto& aftercare = page["aftercare"];
    EXPECT_FALSE(aftercare["normal"].get<std::string>().empty());
    EXPECT_FALSE(aftercare["how_long"].get<std::string>().empty());
    EXPECT_FALSE(aftercare["what_to_do"].empty());
    for (const auto& item : aftercare["what_to_do"]) {
        // Before a report, nothing answers one.
        EXPECT_EQ(item.get<std::string>().find("you reported"), std::string::npos) << item;
    }
    ASSERT_FALSE(aftercare["when_to_worry"].empty());
    for (const auto& item : aftercare["when_to_worry"]) {
        const auto text = item["text"].get<std::string>();
        EXPECT_EQ(text.find("{threshold."), std::string::npos) << text;
        EXPECT_TRUE(item["level"] == "urgent" || item["level"] == "see_doctor");
    }
}

TEST_F(Api, BadSessionsAre400NamingTheField) {
    start();
    const auto login_a = login(a_);
    const Id client = create_client(login_a, "Client");
    const json good{{"client_id", client},    {"started_at", iso_hours_ago(2)},
                    {"technique", "swedish"}, {"pressure", "light"},
                    {"minutes", 45},          {"regions", {"back"}}};
    const std::vector<std::pair<json, std::string>> cases{
        {{{"technique", "shiatsu"}}, "technique"},
        {{{"pressure", 3}}, "pressure"},
        {{{"minutes", 601}}, "minutes"},
        {{{"regions", "back"}}, "regions"},
        {{{"started_at", "yesterday"}}, "started_at"},
        {{{"started_at", "2026-02-30T10:00:00Z"}}, "started_at"},
        {{{"started_at", "2026-02-03T10:00:60Z"}}, "started_at"},
        {{{"notes", nullptr}}, "notes"},
        // In the future, or longer ago than a check-in can report (a year): a typing error.
        {{{"started_at", iso_hours_ago(-48)}}, "started_at"},
        {{{"started_at", iso_hours_ago(9000)}}, "started_at"},
        {{{"client_id", "7"}}, "client_id"},
        {{{"mood", "good"}}, "mood"},
    };
    const auto sessions_before = store_->list_sessions(a_.clinic_id, client).size();
    expect_each_refused("/api/sessions", good, cases, login_a);
    EXPECT_EQ(store_->list_sessions(a_.clinic_id, client).size(), sessions_before);
    EXPECT_EQ(post_json("/api/sessions", good, headers(login_a))->status, 201);
}

TEST_F(Api, ANewClientIsCreatedWithItsFirstSessionOrNotAtAll) {
    start();
    const auto login_a = login(a_);
    const json good{{"client", {{"name", "Nora N."}, {"note", "left-handed"}}},
                    {"started_at", iso_hours_ago(2)},
                    {"technique", "swedish"},
                    {"pressure", "light"},
                    {"minutes", 45}};
    // Refused sessions leave no client behind; the field is named as the request spells it.
    const std::vector<std::pair<json, std::string>> cases{
        {{{"minutes", 9999}}, "minutes"},
        {{{"started_at", iso_hours_ago(-48)}}, "started_at"},
        {{{"client", {{"name", " "}}}}, "client.name"},
        {{{"client", {{"name", "Nora N."}, {"age", 40}}}}, "client.age"},
        {{{"client", "Nora N."}}, "client"},
        {{{"client_id", 1}}, "client"},
    };
    expect_each_refused("/api/sessions", good, cases, login_a);
    EXPECT_TRUE(store_->list_clients(a_.clinic_id).empty());

    const auto result = post_json("/api/sessions", good, headers(login_a));
    ASSERT_EQ(result->status, 201) << result->body;
    const auto answer = body_of(result);
    const auto clients = store_->list_clients(a_.clinic_id);
    ASSERT_EQ(clients.size(), 1u);
    EXPECT_EQ(clients[0].name, "Nora N.");
    EXPECT_EQ(clients[0].note, "left-handed");
    EXPECT_EQ(answer["client"]["id"].get<Id>(), clients[0].id);
    EXPECT_EQ(answer["session"]["client_id"].get<Id>(), clients[0].id);
    EXPECT_EQ(store_->list_sessions(a_.clinic_id, clients[0].id).size(), 1u);
}

TEST_F(Api, AClientLinkStillOpensMoreThanAYearAfterTheMassage) {
    start();
    const auto old = aged_session(login(a_), 400);
    const auto page = http().Get(("/api/c/" + old.token).c_str());
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200) << page->body;
    EXPECT_GT(body_of(page)["hours_since_massage"].get<double>(), 9000);
}

TEST_F(Api, UnknownApiPathsAreJson404) {
    start();
    const auto result = http().Get("/api/nothing/here");
    ASSERT_EQ(result->status, 404);
    EXPECT_EQ(body_of(result)["error"], "not found");
}

TEST_F(Api, OtherPathsGetAPageAndAPageWithATrailingSlashItsPage) {
    start();
    for (const char* path : {"/nothing", "/c/", "/c/a/b", "/sessions/1/x"}) {
        const auto result = http().Get(path);
        ASSERT_TRUE(result) << path;
        EXPECT_EQ(result->status, 404) << path;
        EXPECT_EQ(result->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
        EXPECT_NE(result->body.find("Page not found"), std::string::npos) << path;
    }
    for (const std::string path : {"/c/abc_DEF-1", "/sessions/12", "/dashboard"}) {
        const auto result = http().Get((path + "/").c_str());
        ASSERT_TRUE(result) << path;
        EXPECT_EQ(result->status, 301) << path;
        EXPECT_EQ(result->get_header_value("Location"), path);
    }
}

TEST_F(Api, ResponsesCarryTheSecurityHeaders) {
    start();
    for (const char* path : {"/api/me", "/api/c/unknown", "/no/such/page"}) {
        const auto result = http().Get(path);
        ASSERT_TRUE(result);
        const auto csp = result->get_header_value("Content-Security-Policy");
        EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << path;
        EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
        EXPECT_EQ(result->get_header_value("X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(result->get_header_value("Referrer-Policy"), "no-referrer");
    }
}

// A raw TCP client that sends some bytes and then nothing more.
class RawClient {
  public:
    RawClient(int port, const std::string& bytes) : socket_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        connected_ = connected_ && ::send(socket_, bytes.data(), bytes.size(), 0) > 0;
    }
    ~RawClient() { ::close(socket_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;
    bool connected() const { return connected_; }

    // The first response, whole (headers and Content-Length bytes of body), or what came before
    // the server closed the connection or `limit` passed.
    std::string response_within(std::chrono::seconds limit) {
        timeval timeout{static_cast<time_t>(limit.count()), 0};
        ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        std::string text;
        char buffer[4096];
        for (;;) {
            const auto received = ::recv(socket_, buffer, sizeof buffer, 0);
            if (received <= 0) return text;
            text.append(buffer, static_cast<std::size_t>(received));
            const auto headers_end = text.find("\r\n\r\n");
            const auto length = text.find("Content-Length: ");
            if (headers_end != std::string::npos && length < headers_end &&
                text.size() >= headers_end + 4 + std::stoul(text.substr(length + 16))) {
                return text;
            }
        }
    }

    // Reads until the server closes the connection or `limit` passes; true when it closed.
    bool closed_by_server_within(std::chrono::seconds limit) {
        timeval timeout{static_cast<time_t>(limit.count()), 0};
        ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        char buffer[4096];
        for (;;) {
            const auto received = ::recv(socket_, buffer, sizeof buffer, 0);
            // A close with unread bytes in the server's buffer arrives as a reset.
            if (received == 0 || (received < 0 && errno == ECONNRESET)) return true;
            if (received < 0) return false;  // timed out while still open
        }
    }

  private:
    int socket_;
    bool connected_ = false;
};

const std::string kKeepAliveRequest =
    "GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";

TEST_F(Api, APostWithoutContentLengthIs411AtOnce) {
    // No client library sends this; before, the server waited its read timeout (5 s) for a body.
    start();
    RawClient raw(port_,
                  "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Content-Type: application/json\r\n\r\n");
    ASSERT_TRUE(raw.connected());
    const auto answer = raw.response_within(std::chrono::seconds(2));
    EXPECT_EQ(answer.rfind("HTTP/1.1 411", 0), 0u) << answer;
    EXPECT_NE(answer.find("Content-Length"), std::string::npos) << answer;
}

TEST_F(Api, IdleKeepAliveClientsDoNotStarveOthers) {
    options_.limits.worker_threads = 2;
    options_.limits.keep_alive_timeout = std::chrono::seconds(1);
    start();
    // Twice as many idle keep-alive connections as workers.
    std::vector<std::unique_ptr<RawClient>> idle;
    for (int i = 0; i < 4; ++i) {
        idle.push_back(std::make_unique<RawClient>(port_, kKeepAliveRequest));
        ASSERT_TRUE(idle.back()->connected());
    }
    // Others are still answered (the idle ones are dropped after the keep-alive timeout); the
    // client gives up after 20 s, far above the timeout, so this only fails if they starve.
    EXPECT_EQ(statuses_of_concurrent_gets(4), std::vector<int>(4, 404));
}

TEST_F(Api, AnUnfinishedRequestIsDroppedAfterTheReadTimeout) {
    options_.limits.read_timeout = std::chrono::seconds(1);
    start();
    RawClient slow(port_, "GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    ASSERT_TRUE(slow.connected());
    EXPECT_TRUE(slow.closed_by_server_within(std::chrono::seconds(20)));
}

TEST_F(Api, ManyConcurrentClientsAreAllAnsweredByASmallBoundedPool) {
    options_.limits.worker_threads = 1;
    options_.limits.max_queued_connections = 2;
    start();
    EXPECT_EQ(statuses_of_concurrent_gets(16), std::vector<int>(16, 404));
}

TEST_F(Api, AKeepAliveConnectionIsClosedAfterItsRequestBudget) {
    options_.limits.keep_alive_max_requests = 3;
    start();
    auto client = http();
    client.set_keep_alive(true);
    for (int i = 0; i < 3; ++i) {
        const auto result = client.Get("/api/c/unknown");
        ASSERT_TRUE(result);
        EXPECT_EQ(result->get_header_value("Connection") == "close", i == 2) << "request " << i;
    }
}

// The status of a raw answer ("HTTP/1.1 400 Bad Request" -> 400), 0 when there is none.
int status_of(const std::string& answer) {
    return answer.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(answer.substr(9, 3)) : 0;
}

// The redirect's Location is the address as it came, still percent-encoded and with its query:
// from the decoded path, "%3F" became a query and raw bytes reached the header.
TEST_F(Api, ATrailingSlashRedirectKeepsTheAddressAsItCame) {
    start();
    const std::vector<std::pair<std::string, std::string>> cases{
        {"/c/x%3Fa=1/", "/c/x%3Fa=1"},
        {"/c/x%C3%A9/?y=2&z", "/c/x%C3%A9?y=2&z"},
        {"/dashboard/?a=b", "/dashboard?a=b"}};
    // An encoded slash at the end is part of the token, not a slash to drop: no redirect loop.
    RawClient encoded(port_, "GET /c/abc%2F HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    ASSERT_TRUE(encoded.connected());
    EXPECT_EQ(status_of(encoded.response_within(std::chrono::seconds(20))), 404);
    for (const auto& [target, location] : cases) {
        RawClient raw(port_, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        ASSERT_TRUE(raw.connected());
        const auto answer = raw.response_within(std::chrono::seconds(20));
        EXPECT_EQ(status_of(answer), 301) << target << "\n" << answer;
        EXPECT_NE(answer.find("Location: " + location + "\r\n"), std::string::npos) << answer;
    }
}

json body_of_raw(const std::string& answer) {
    const auto start = answer.find("\r\n\r\n");
    return start == std::string::npos ? json()
                                      : json::parse(answer.substr(start + 4), nullptr, false);
}

const std::string kSmuggled = "GET /api/c/SMUGGLED HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

TEST_F(Api, ABodilessRequestWithoutContentLengthIsAnsweredAtOnce) {
    // curl -X POST without data sends neither Content-Length nor Transfer-Encoding: no body. A
    // route that takes none answered 411; another method on a known path waited or was 411 too.
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    const std::string therapist_headers = "Host: 127.0.0.1\r\nCookie: " + login_a.cookie +
                                          "\r\nX-CSRF-Token: " + login_a.csrf + "\r\n";
    const auto answer_to = [&](const std::string& request_line, const std::string& headers) {
        RawClient raw(port_,
                      request_line + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n");
        EXPECT_TRUE(raw.connected());
        // Well within the read timeout (5 s) the server would wait for a body.
        return raw.response_within(std::chrono::seconds(2));
    };
    const auto session = std::to_string(link.session_id);
    const auto new_link = answer_to("POST /api/sessions/" + session + "/link", therapist_headers);
    EXPECT_EQ(status_of(new_link), 201) << new_link;
    EXPECT_EQ(body_of_raw(new_link)["path"].get<std::string>().rfind("/c/", 0), 0u) << new_link;
    for (const auto& request_line : std::vector<std::string>{
             "PATCH /api/login", "PUT /api/sessions/" + session, "PATCH /api/sessions/" + session,
             "POST /api/me", "POST /api/sessions/" + session, "POST /nothing/here"}) {
        const auto answer = answer_to(request_line, therapist_headers);
        EXPECT_EQ(status_of(answer), 404) << request_line << ": " << answer;
        EXPECT_EQ(body_of_raw(answer).value("error", ""), "not found") << answer;
    }
    // A route that takes a body still wants its length, and a chunked body is still refused.
    EXPECT_EQ(status_of(answer_to("POST /api/clients", therapist_headers)), 411);
    EXPECT_EQ(status_of(answer_to("POST /api/sessions/" + session + "/link",
                                  therapist_headers + "Transfer-Encoding: chunked\r\n")),
              411);
    EXPECT_EQ(status_of(answer_to("POST /api/logout", therapist_headers)), 204);
    EXPECT_EQ(http().Get("/api/me", headers(login_a))->status, 401);
}

TEST_F(Api, ACompressedBodyIs415BeforeItIsReadAndTheConnectionCloses) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    // 1 MB announced, a few bytes sent: the answer comes before the body, which is never read.
    for (const char* encoding : {"gzip", "deflate", "br", "identity"}) {
        RawClient raw(port_, "POST /api/c/" + link.token +
                                 "/checkins HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Content-Type: application/json\r\nContent-Encoding: " +
                                 encoding + "\r\nContent-Length: 1000000\r\n\r\n\x1f\x8b");
        ASSERT_TRUE(raw.connected());
        const auto answer = raw.response_within(std::chrono::seconds(3));
        EXPECT_EQ(status_of(answer), 415) << encoding << ": " << answer;
        EXPECT_EQ(body_of_raw(answer).value("field", ""), "Content-Encoding") << answer;
        EXPECT_TRUE(raw.closed_by_server_within(std::chrono::seconds(3))) << encoding;
    }
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, TooManyOrTooLargeRequestHeadersAre431) {
    options_.limits.max_header_count = 20;
    options_.limits.max_header_bytes = 4096;
    start();
    std::string many = "GET /api/c/unknown HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 30; ++i) many += "X-Pad-" + std::to_string(i) + ": a\r\n";
    std::string large = "GET /api/c/unknown HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 3; ++i)
        large += "X-Pad-" + std::to_string(i) + ": " + std::string(2000, 'a') + "\r\n";
    for (const auto& request : {many, large}) {
        RawClient raw(port_, request + "\r\n");
        ASSERT_TRUE(raw.connected());
        const auto answer = raw.response_within(std::chrono::seconds(5));
        EXPECT_EQ(status_of(answer), 431) << answer;
        EXPECT_NE(body_of_raw(answer).value("error", "").find("headers"), std::string::npos);
    }
    // Within the limits, the same request is answered as usual.
    RawClient fine(port_, "GET /api/c/unknown HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: a\r\n\r\n");
    EXPECT_EQ(status_of(fine.response_within(std::chrono::seconds(5))), 404);
}

TEST_F(Api, ABodyOnAMethodThatTakesNoneIs400AndItsBytesAreNeverARequest) {
    start();
    // The body is a whole second request: before, it was answered as one (request smuggling).
    for (const char* method : {"GET", "OPTIONS", "DELETE"}) {
        RawClient raw(port_, std::string(method) +
                                 " /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                                 std::to_string(kSmuggled.size()) + "\r\n\r\n" + kSmuggled);
        ASSERT_TRUE(raw.connected());
        const auto answer = raw.response_within(std::chrono::seconds(3));
        EXPECT_EQ(status_of(answer), 400) << method << ": " << answer;
        EXPECT_EQ(body_of_raw(answer).value("field", ""), "Content-Length") << answer;
        EXPECT_TRUE(raw.closed_by_server_within(std::chrono::seconds(3))) << method;
    }
    // An empty body (Content-Length: 0) is no body.
    RawClient empty(port_,
                    "GET /api/c/unknown HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(status_of(empty.response_within(std::chrono::seconds(3))), 404);
}

TEST_F(Api, AnythingButOneDecimalContentLengthIs400AtOnce) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    for (const std::string lengths :
         {"Content-Length: 2\r\nContent-Length: 40\r\n",
          "Content-Length: 2\r\nContent-Length: 2\r\n", "Content-Length: 2junk\r\n",
          "Content-Length: +2\r\n", "Content-Length: -1\r\n", "Content-Length: abc\r\n",
          "Content-Length: 0x2\r\n"}) {
        RawClient raw(port_, "POST /api/c/" + link.token +
                                 "/checkins HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Content-Type: application/json\r\n" +
                                 lengths + "\r\n{}");
        ASSERT_TRUE(raw.connected());
        const auto started = std::chrono::steady_clock::now();
        const auto answer = raw.response_within(std::chrono::seconds(4));
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2)) << lengths;
        EXPECT_EQ(status_of(answer), 400) << lengths << answer;
        EXPECT_EQ(body_of_raw(answer).value("field", ""), "Content-Length") << answer;
    }
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, ASecondServerOnTheSameAddressDoesNotStart) {
    start();
    auto second_options = options_;
    second_options.port = port_;
    Server second(second_options);
    try {
        second.start();
        ADD_FAILURE() << "a second server started on port " << port_;
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("address in use"), std::string::npos) << e.what();
    }
    EXPECT_EQ(http().Get("/api/c/unknown")->status, 404) << "the first still answers";
}

TEST_F(Api, ABodyWithANulByteOrANumberOutOfRangeIs400) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    const auto path = "/api/c/" + link.token + "/checkins";
    const auto nul =
        http().Post(path.c_str(), std::string("{\"symptoms\":{}}\0junk", 20), "application/json");
    ASSERT_TRUE(nul);
    EXPECT_EQ(nul->status, 400) << nul->body;
    EXPECT_NE(body_of(nul)["error"].get<std::string>().find("NUL"), std::string::npos);
    const auto huge =
        http().Post(path.c_str(), R"({"symptoms": {"pain_0_10": 1e400}})", "application/json");
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->status, 400) << huge->body;
    // The parser stops at the number, before its key is known: the message quotes the number.
    const auto error = body_of(huge)["error"].get<std::string>();
    EXPECT_NE(error.find("out of range"), std::string::npos) << error;
    EXPECT_NE(error.find("1e400"), std::string::npos) << error;
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
}

TEST_F(Api, OnlyJsonContentTypesAreAccepted) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    const auto path = "/api/c/" + link.token + "/checkins";
    for (const char* type : {"application/jsonx", "application/json-patch+json",
                             "application/json; charset=latin1", "text/plain", ""}) {
        const auto result = http().Post(path.c_str(), "{}", type);
        ASSERT_TRUE(result);
        EXPECT_EQ(result->status, 415) << type;
        EXPECT_EQ(body_of(result).value("field", ""), "Content-Type") << type;
    }
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
    for (const char* type : {"APPLICATION/JSON", "application/json; charset=UTF-8",
                             "application/json;charset=utf-8"}) {
        const auto result = http().Post(path.c_str(), "{}", type);
        ASSERT_TRUE(result);
        EXPECT_EQ(result->status, 201) << type << ": " << result->body;
    }
}

TEST_F(Api, HoursBeyondTheSessionsAgeAre400) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a, 2);
    // 2 h old: 8760 h (a year) is refused; up to the clock-skew hour ahead is accepted.
    const auto late = checkin(link, {{"hours_since_massage", 8760}});
    ASSERT_TRUE(late);
    EXPECT_EQ(late->status, 400) << late->body;
    EXPECT_EQ(body_of(late).value("field", ""), "hours_since_massage");
    EXPECT_EQ(checkin(link, {{"hours_since_massage", 4}})->status, 400);
    EXPECT_EQ(stored_checkins(a_, link.session_id), 0u);
    EXPECT_EQ(checkin(link, {{"hours_since_massage", 2.5}})->status, 201);
}

TEST_F(Api, ASessionOverAYearOldTakesNoCheckins) {
    start();
    const auto old = aged_session(login(a_), 370);
    for (const json& document :
         {json{{"twitching", {{"present", true}}}}, json{{"hours_since_massage", 10}}}) {
        const auto result = checkin(old, document);
        ASSERT_TRUE(result);
        EXPECT_EQ(result->status, 409) << result->body;
        EXPECT_NE(body_of(result)["error"].get<std::string>().find("more than a year"),
                  std::string::npos);
    }
    EXPECT_EQ(stored_checkins(a_, old.session_id), 0u);
}

TEST_F(Api, APartialMassageIsCompletedFromTheSession) {
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    ASSERT_EQ(checkin(link, {{"massage", json::object()}})->status, 201);
    ASSERT_EQ(checkin(link, {{"massage", {{"minutes", 30}}}})->status, 201);
    const auto stored = store_->list_checkins(a_.clinic_id, link.session_id);
    ASSERT_EQ(stored.size(), 2u);
    const auto empty = json::parse(stored[0].checkin.document)["massage"];
    EXPECT_EQ(empty["technique"], "deep_tissue");
    EXPECT_EQ(empty["pressure"], "deep");
    EXPECT_EQ(empty["minutes"], 60);
    EXPECT_EQ(empty["regions"], json::array({"left_calf"}));
    EXPECT_EQ(empty["knots_worked"], true);
    const auto partial = json::parse(stored[1].checkin.document)["massage"];
    EXPECT_EQ(partial["minutes"], 30) << "what the client gives is kept";
    EXPECT_EQ(partial["pressure"], "deep");
}

TEST_F(Api, BadClientsAre400NamingTheField) {
    start();
    const auto login_a = login(a_);
    const auto before = store_->list_clients(a_.clinic_id).size();
    const std::vector<std::pair<json, std::string>> cases{
        {{{"name", "   "}}, "name"},
        {{{"name", std::string("A\0B", 3)}}, "name"},
        {{{"name", "A\x1b[31mB"}}, "name"},
        {{{"name", "A\nB"}}, "name"},
        {{{"name", "Client"}, {"note", nullptr}}, "note"},
        {{{"name", "Client"}, {"note", "a\x1b"}}, "note"},
        // Blank to the eye: no-break spaces, a zero-width space, a byte order mark.
        {{{"name", "\xc2\xa0\xc2\xa0"}}, "name"},
        {{{"name", "\xe2\x80\x8b"}}, "name"},
        {{{"name", "\xef\xbb\xbf"}}, "name"},
        // A C1 control (U+0085) and a right-to-left override (U+202E) that reverses the name.
        {{{"name",
           "A\xc2\x85"
           "B"}},
         "name"},
        {{{"name",
           "A\xe2\x80\xae"
           "B"}},
         "name"},
        // 201 characters of two bytes each.
        {{{"name",
           [] {
               std::string text;
               for (int i = 0; i < 201; ++i) text += "\xc3\xa9";
               return text;
           }()}},
         "name"},
    };
    for (const auto& [body, field] : cases) {
        const auto result = post_json("/api/clients", body, headers(login_a));
        ASSERT_TRUE(result);
        EXPECT_EQ(result->status, 400) << body.dump();
        EXPECT_EQ(body_of(result).value("field", ""), field) << result->body;
    }
    // Names that show as nothing: each of these characters alone, and all of them together.
    // Spaces and Unicode's default-ignorable characters (marks, joiners, the soft hyphen, the
    // Arabic letter mark, the Mongolian vowel separator, Hangul fillers, a variation selector, a
    // tag) and the braille pattern blank.
    const std::vector<std::string> invisible{"\u200B", "\u200E", "\u200F", "\u2060", "\u061C",
                                             "\u00AD", "\u180E", "\u3164", "\u115F", "\u1160",
                                             "\uFFA0", "\u2800", "\u3000", "\uFE0F", "\U000E0020"};
    std::string all_invisible;
    for (const auto& name : invisible) {
        all_invisible += name;
        const auto result = post_json("/api/clients", {{"name", name + name}}, headers(login_a));
        ASSERT_TRUE(result);
        EXPECT_EQ(result->status, 400) << json(name).dump();
        EXPECT_EQ(body_of(result).value("field", ""), "name") << result->body;
    }
    const auto blank = post_json("/api/clients", {{"name", all_invisible}}, headers(login_a));
    ASSERT_TRUE(blank);
    EXPECT_EQ(blank->status, 400) << blank->body;
    EXPECT_EQ(store_->list_clients(a_.clinic_id).size(), before);
    // Beside a visible character they are taken as typed (a soft hyphen, a mark in a name).
    const auto marked =
        post_json("/api/clients", {{"name", "Ann\u00ADa \u200FB."}}, headers(login_a));
    ASSERT_TRUE(marked);
    EXPECT_EQ(marked->status, 201) << marked->body;
    // 200 characters of two bytes each (400 bytes) fit the limit of 200 characters; a note
    // keeps its line breaks.
    std::string accented;
    for (int i = 0; i < 200; ++i) accented += "\xc3\xa9";
    const auto fine = post_json(
        "/api/clients", {{"name", accented}, {"note", "line one\nline two"}}, headers(login_a));
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->status, 201) << fine->body;
}

TEST_F(Api, CheckinsPerHourAndPerSessionAreLimited) {
    options_.limits.max_checkins_per_hour = 3;
    options_.limits.max_checkins_per_session = 5;
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(checkin(link, {{"twitching", {{"present", true}}}})->status, 201);
    }
    const auto hourly = checkin(link, {{"twitching", {{"present", true}}}});
    ASSERT_TRUE(hourly);
    EXPECT_EQ(hourly->status, 429) << hourly->body;
    EXPECT_TRUE(hourly->has_header("Retry-After"));
    EXPECT_EQ(stored_checkins(a_, link.session_id), 3u);
    // A report with a mistake is told of the mistake, limit or not.
    const auto mistaken = checkin(link, {{"symptoms", {{"pain_0_10", 99}}}});
    ASSERT_TRUE(mistaken);
    EXPECT_EQ(mistaken->status, 400) << mistaken->body;
    EXPECT_EQ(body_of(mistaken).value("field", ""), "symptoms.pain_0_10");

    // Two more, written two hours ago, fill the session.
    for (int i = 0; i < 2; ++i) {
        store::CheckinRecord old;
        old.session_id = link.session_id;
        old.received_at = seconds_now() - 7200;
        old.hours_since_massage = 20;
        old.document = R"({"hours_since_massage": 20})";
        store_->add_checkin_with_assessment(old, {0, assess::Level::normal, "{}", "test"});
    }
    const auto full = checkin(link, {{"twitching", {{"present", true}}}});
    ASSERT_TRUE(full);
    EXPECT_EQ(full->status, 409) << full->body;
    EXPECT_EQ(stored_checkins(a_, link.session_id), 5u);
}

TEST_F(Api, AnswersListTheLatestCheckinsAndTheirCount) {
    options_.limits.listed_checkins = 2;
    start();
    const auto login_a = login(a_);
    const auto link = client_link(login_a);
    for (int hours : {10, 20, 29}) {
        ASSERT_EQ(checkin(link, {{"hours_since_massage", hours}})->status, 201);
    }
    const auto detail = body_of(http().Get(
        ("/api/sessions/" + std::to_string(link.session_id)).c_str(), headers(login_a, false)));
    EXPECT_EQ(detail["checkins_total"], 3);
    ASSERT_EQ(detail["checkins"].size(), 2u);
    EXPECT_EQ(detail["checkins"][1]["hours_since_massage"], 29);
    EXPECT_EQ(detail["course"].size(), 2u) << "the course still draws on every report";
    const auto page = body_of(http().Get(("/api/c/" + link.token).c_str()));
    EXPECT_EQ(page["checkins_total"], 3);
    ASSERT_EQ(page["checkins"].size(), 2u);
    EXPECT_EQ(page["checkins"][0]["hours_since_massage"], 20);
}

TEST_F(Api, ParallelRightPasswordsAreAllAccepted) {
    // Before, an attempt counted against the limit while its password was checked: 12 right
    // passwords at once with a limit of 3 got 9 answers "too many failed logins".
    constexpr int kAttempts = 12;
    options_.limits.login_failures_per_email = 3;
    start();
    std::atomic<int> ready{0};
    std::vector<std::future<int>> answers;
    for (int i = 0; i < kAttempts; ++i) {
        answers.push_back(std::async(std::launch::async, [&] {
            auto client = http();
            ++ready;
            while (ready.load() < kAttempts) std::this_thread::yield();
            const auto result = client.Post(
                "/api/login", json{{"email", a_.email}, {"password", a_.password}}.dump(),
                "application/json");
            return result ? result->status : -1;
        }));
    }
    for (auto& answer : answers) EXPECT_EQ(answer.get(), 200);
}

}  // namespace
}  // namespace twitchwatch::service
