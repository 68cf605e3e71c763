#pragma once
// Public API of the aftercare service's storage: clinics, therapists, clients, sessions, client
// links, check-ins with their assessments, web sessions and login failures.
//
// One Store per process, shared by every HTTP worker thread: every method is thread-safe. Two
// backends behind the same interface: SQLite (the default, a file under ./data/) and PostgreSQL
// (for clinics that run several server instances against one database). The schema is versioned;
// open_store() applies the missing migrations before it returns (see docs/storage.md).
//
// Conventions:
// - Times are seconds since the Unix epoch, UTC (std::int64_t). The API layer formats ISO 8601.
// - Ids are positive 64-bit integers given by the database. Input structs ignore their id field.
// - Everything a therapist sees is scoped by clinic_id: a method that takes a clinic_id never
//   returns or changes a row of another clinic (it answers "not found" instead).
// - Every write method is one transaction: when it returns the data is committed and durable
//   (it survives kill -9 of the process); when it throws nothing of it was written.
// - Errors: Conflict (a unique value is taken, e.g. an e-mail), StoreError (anything else, e.g. the
//   database is unreachable). The SQL is always parameterised; no text is spliced into a query.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"

namespace twitchwatch::store {

using Id = std::int64_t;
using Timestamp = std::int64_t;  // seconds since 1970-01-01T00:00:00Z

// The database failed or is unreachable: a failure of ours (HTTP 500/503), not of the user.
class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A value that must be unique is already taken (HTTP 409). The message names the field.
class Conflict : public InputError {
  public:
    using InputError::InputError;
};

struct Clinic {
    Id id = 0;
    std::string name;
};

struct Therapist {
    Id id = 0;
    Id clinic_id = 0;
    std::string email;          // the login name: unique over all clinics, kept normalised
                                // (normalized_email), so it is found in any letter case
    std::string password_hash;  // Argon2id string from crypto_pwhash_str
    std::string name;
};

struct Client {
    Id id = 0;
    Id clinic_id = 0;
    std::string name;
    std::string note;
};

// One massage session of a client with a therapist of the same clinic.
struct Session {
    Id id = 0;
    Id clinic_id = 0;
    Id client_id = 0;
    Id therapist_id = 0;
    Timestamp started_at = 0;
    std::string technique;  // contract enum: swedish, deep_tissue, sports, ...
    std::string pressure;   // contract enum: light, medium, firm, deep
    double minutes = 0;
    std::vector<std::string> regions;
    bool knots_worked = false;
    std::string notes;
};

// A private client link. Only the hash of the token is stored; the token itself is shown once.
struct ClientLink {
    std::string token_hash;
    Id session_id = 0;
    Timestamp created_at = 0;
    std::optional<Timestamp> revoked_at;
};

// A check-in as received: the validated contract document (JSON text) and what the service
// derived from it.
struct CheckinRecord {
    Id id = 0;
    Id session_id = 0;
    Timestamp received_at = 0;
    double hours_since_massage = 0;
    bool discomfort = false;  // reports_discomfort(document), kept for the discomfort shares
    std::string document;     // JSON text of the check-in
};

// The engine's answer to one check-in, kept with the knowledge base version that made it.
struct AssessmentRecord {
    Id checkin_id = 0;
    assess::Level level = assess::Level::normal;
    std::string output;             // JSON text of Assessment::to_json()
    std::string knowledge_version;  // must not be empty
};

struct CheckinWithAssessment {
    CheckinRecord checkin;
    std::optional<AssessmentRecord> assessment;
};

// One line of the therapist dashboard: the client's session to look at (the one with a red flag
// received since their latest session started, else the one with the client's latest check-in
// when that came since then, else the latest), while it is in aftercare.
struct DashboardRow {
    Id client_id = 0;
    std::string client_name;
    Id session_id = 0;
    Timestamp session_started_at = 0;
    int reports = 0;
    std::optional<assess::Level> latest_level;   // of the latest report (none without reports)
    std::optional<assess::Level> highest_level;  // over all reports of that session
    std::optional<Timestamp> latest_report_at;
};

// One of a client's sessions with its reports in brief (the session page lists the others).
struct SessionSummary {
    Session session;
    int reports = 0;
    std::optional<assess::Level> latest_level;   // of the latest report (none without reports)
    std::optional<assess::Level> highest_level;  // over all reports of the session
    std::optional<Timestamp> latest_report_at;
};

// Share of reports with discomfort for one technique or one pressure (key).
struct DiscomfortShare {
    std::string key;
    int reports = 0;
    int with_discomfort = 0;
    double share() const { return reports == 0 ? 0.0 : double(with_discomfort) / reports; }
};

struct DiscomfortShares {
    std::vector<DiscomfortShare> by_technique;  // sorted by key
    std::vector<DiscomfortShare> by_pressure;   // sorted by key
};

// A therapist's logged-in browser session. Only the hash of the cookie token is stored.
struct WebSession {
    std::string token_hash;
    Id therapist_id = 0;
    std::string csrf_token;
    Timestamp expires_at = 0;
};

// A login rate limit: at most max_failures failed attempts of key within the window (0 counts as
// 1: a key that allowed none would be locked for good).
struct LoginLimit {
    std::string key;
    int max_failures = 0;
};

// What reserve_login_attempt did: reserved one failure per key, or refused the attempt.
struct LoginReservation {
    // The failures recorded, one per key; nullopt when the attempt was refused.
    std::optional<std::vector<Id>> failure_ids;
    // When refused: the time of the failure that holds the keys at their limits (of each key at
    // its limit, its max_failures-th latest failure; the latest of these over the keys). Once it
    // is out of the window, an attempt is let through again.
    Timestamp blocking_failure_at = 0;
};

// An e-mail as the therapists table keeps it: ASCII letters in lower case, everything else as
// given. Mail systems treat addresses in any case as one, and people type them so; letters beyond
// ASCII are left alone, as their case folding depends on the locale (migration 0003 does the same
// on both backends).
std::string normalized_email(std::string_view email);

// Whether a check-in document reports discomfort: painful twitching, any pain (pain_0_10 > 0) or
// soreness that is moderate or severe. One definition for the service and the demo data.
bool reports_discomfort(const nlohmann::json& checkin_document);

class Store {
  public:
    virtual ~Store() = default;

    // "sqlite" or "postgresql".
    virtual std::string backend() const = 0;
    // Highest migration applied (the schema version).
    virtual int schema_version() = 0;

    // --- clinics and therapists -----------------------------------------------------------
    virtual Clinic create_clinic(const Clinic& clinic) = 0;
    virtual std::optional<Clinic> get_clinic(Id clinic_id) = 0;
    // Every clinic, by id.
    virtual std::vector<Clinic> list_clinics() = 0;
    // Stores the e-mail normalised (normalized_email) and returns it so. Throws Conflict
    // ("email: already registered") when the e-mail is taken, in any letter case.
    virtual Therapist create_therapist(const Therapist& therapist) = 0;
    // The e-mail in any letter case (compared normalised).
    virtual std::optional<Therapist> find_therapist_by_email(const std::string& email) = 0;
    virtual std::optional<Therapist> get_therapist(Id therapist_id) = 0;
    // Every therapist of every clinic, by clinic id, then in the order they were added.
    virtual std::vector<Therapist> list_therapists() = 0;
    // A new password hash, and the therapist's web sessions ended (every browser signed in must
    // sign in again), in one transaction. False when there is no such therapist.
    virtual bool set_therapist_password(Id therapist_id, const std::string& password_hash) = 0;

    // --- clients and sessions (all scoped by clinic) --------------------------------------
    virtual Client create_client(const Client& client) = 0;
    virtual std::optional<Client> get_client(Id clinic_id, Id client_id) = 0;
    virtual std::vector<Client> list_clients(Id clinic_id) = 0;  // by name, then id
    // Throws InputError when the client or the therapist is not of session.clinic_id.
    virtual Session create_session(const Session& session) = 0;
    virtual std::optional<Session> get_session(Id clinic_id, Id session_id) = 0;
    virtual std::vector<Session> list_sessions(Id clinic_id, Id client_id) = 0;  // newest first
    // The same sessions, each with its reports in brief.
    virtual std::vector<SessionSummary> list_session_summaries(Id clinic_id, Id client_id) = 0;
    // A session and its first link in one transaction (POST /api/sessions).
    virtual Session create_session_with_link(const Session& session, const ClientLink& link) = 0;

    // --- client links -----------------------------------------------------------------------
    // Throws InputError when the session is not of clinic_id.
    virtual void create_link(Id clinic_id, const ClientLink& link) = 0;
    // The session of a link that exists and is not revoked.
    virtual std::optional<Session> find_session_by_token_hash(const std::string& token_hash) = 0;
    // The link itself, open or revoked; nullopt when no link has this hash. Tells a revoked link
    // (HTTP 410) from one that never existed (404).
    virtual std::optional<ClientLink> find_link(const std::string& token_hash) = 0;
    // Revokes every open link of the session; returns how many were revoked.
    virtual int revoke_links(Id clinic_id, Id session_id, Timestamp at) = 0;

    // --- check-ins ------------------------------------------------------------------------
    // Both rows in one transaction, or neither; durable when it returns. Returns the check-in id.
    virtual Id add_checkin_with_assessment(const CheckinRecord& checkin,
                                           const AssessmentRecord& assessment) = 0;
    // Oldest first (by received_at, then id). Empty when the session is not of clinic_id.
    virtual std::vector<CheckinWithAssessment> list_checkins(Id clinic_id, Id session_id) = 0;
    // The session's latest check-in (by received_at, then id); nullopt when it has none. One row,
    // so that each new check-in can be compared with the previous one at no cost per report.
    virtual std::optional<CheckinRecord> latest_checkin(Id session_id) = 0;
    // What the check-in budgets need, counted by the database and only up to `at_most` each:
    // reading the whole list for every check-in made each one slower the more the session had
    // (60,000 stored: 7,800 check-ins/s fell to 150/s).
    struct CheckinCount {
        std::int64_t total = 0;        // check-ins of the session, at most at_most
        std::int64_t since = 0;        // of those, received after `since`, at most at_most
        Timestamp earliest_since = 0;  // the earliest of those counted (0 when none)
    };
    virtual CheckinCount count_checkins(Id session_id, Timestamp since, std::int64_t at_most) = 0;

    // --- therapist overview -------------------------------------------------------------------
    // One row per client in open aftercare. The row's session is the one of the client's latest
    // red flag (see_doctor or urgent) received at or after `since` and after the client's latest
    // session started; else the one of the client's latest check-in (on any of their sessions)
    // when it was received after the latest session started; else the latest session. It is
    // listed when it started at or after `since` or has a check-in received since then. Most urgent
    // first: highest level (urgent, see_doctor, tell_therapist, normal, no report), then latest
    // level, then latest report (newest first), then session id.
    virtual std::vector<DashboardRow> dashboard(Id clinic_id, Timestamp since) = 0;
    // Over all check-ins of the clinic, grouped by the session's technique and pressure.
    virtual DiscomfortShares discomfort_shares(Id clinic_id) = 0;

    // --- web sessions and login rate limiting ------------------------------------------------
    virtual void create_web_session(const WebSession& session) = 0;
    // Only a session whose expires_at is after now.
    virtual std::optional<WebSession> find_web_session(const std::string& token_hash,
                                                       Timestamp now) = 0;
    virtual void delete_web_session(const std::string& token_hash) = 0;
    virtual int delete_expired_web_sessions(Timestamp now) = 0;
    // Failed logins per key (e.g. the e-mail or the client address): shared by every server
    // instance on the same database.
    //
    // One login attempt, counted before its password is checked: when every key has fewer than
    // its max_failures failures after `since` (the window is (since, at]), records one failure of
    // each key at `at` and returns their ids; otherwise records nothing and says which failure
    // blocks it (too many attempts). Counting and recording are one transaction holding each
    // key's lock, so parallel attempts, also from other server instances, never get more than
    // the limit through. A login that succeeds gives its failures back with
    // release_login_attempt.
    virtual LoginReservation reserve_login_attempt(const std::vector<LoginLimit>& limits,
                                                   Timestamp since, Timestamp at) = 0;
    virtual void release_login_attempt(const std::vector<Id>& failure_ids) = 0;
    // The failures of key after `since`.
    virtual int count_login_failures(const std::string& key, Timestamp since) = 0;
    virtual void clear_login_failures(const std::string& key) = 0;

    // --- several writes as one ------------------------------------------------------------
    // Runs body in one write transaction: every call of this store's methods that body makes (on
    // the thread that runs body) joins it, reads included, so they see its writes. Committed when
    // body returns; when body throws, nothing of it is written and the exception is passed on. A
    // call from inside body joins the transaction already open.
    virtual void in_transaction(const std::function<void(Store&)>& body) = 0;
};

// Opens (and migrates) a store:
// - "postgresql://..." or "postgres://..." (a libpq connection URI): PostgreSQL;
// - "sqlite:PATH" or a plain PATH: SQLite, the folder is created when missing;
// - "" : the default, ./data/twitchwatch.sqlite3.
// SQLite options as a query string, e.g. "sqlite:data/x.sqlite3?synchronous=full" (default
// normal: survives kill -9 of the process, see docs/storage.md). pool_size caps the connections
// (0: the backend's default). Throws StoreError when it cannot open or migrate the database.
std::unique_ptr<Store> open_store(const std::string& url, int pool_size = 0);

inline constexpr const char* kDefaultDatabase = "data/twitchwatch.sqlite3";

}  // namespace twitchwatch::store
