// The Store on top of the SQL layer. Every query is written once, with $N placeholders, and runs
// on both backends; a method that writes runs in one transaction.
#include <algorithm>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

#include "migrations.hpp"
#include "sql.hpp"
#include "twitchwatch/store/store.hpp"
#include "write_batcher.hpp"

namespace twitchwatch::store::detail {
namespace {

class SqlStore;

// The transaction of in_transaction() that the current thread runs, and whose store it is.
struct OpenTransaction {
    const SqlStore* store = nullptr;
    Connection* connection = nullptr;
};
thread_local OpenTransaction open_transaction_of_thread;

using Params = std::vector<Value>;

assess::Level level_from(std::int64_t number) {
    if (number < 0 || number > 3) throw StoreError("stored level out of range");
    return static_cast<assess::Level>(number);
}
std::int64_t level_number(assess::Level level) { return static_cast<std::int64_t>(level); }

std::optional<assess::Level> optional_level(const Row& row, std::size_t column) {
    if (row.is_null(column)) return std::nullopt;
    return level_from(row.integer(column));
}

// A check-in from the columns id, session_id, received_at, hours_since_massage, discomfort and
// document, in that order, at the start of a row.
constexpr const char* kCheckinColumns =
    "k.id, k.session_id, k.received_at, k.hours_since_massage, k.discomfort, k.document";
CheckinRecord checkin_from(const Row& row) {
    return {row.integer(0), row.integer(1), row.integer(2),
            row.real(3),    row.boolean(4), row.text(5)};
}

std::string regions_text(const std::vector<std::string>& regions) {
    return nlohmann::json(regions).dump();
}
std::vector<std::string> regions_from(const std::string& text) {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
}

constexpr const char* kSessionColumns =
    "s.id, s.clinic_id, s.client_id, s.therapist_id, s.started_at, s.technique, s.pressure, "
    "s.minutes, s.regions, s.knots_worked, s.notes";
constexpr std::size_t kSessionColumnCount = 11;

Session session_from(const Row& row) {
    Session session;
    session.id = row.integer(0);
    session.clinic_id = row.integer(1);
    session.client_id = row.integer(2);
    session.therapist_id = row.integer(3);
    session.started_at = row.integer(4);
    session.technique = row.text(5);
    session.pressure = row.text(6);
    session.minutes = row.real(7);
    session.regions = regions_from(row.text(8));
    session.knots_worked = row.boolean(9);
    session.notes = row.text(10);
    return session;
}

Therapist therapist_from(const Row& row) {
    return Therapist{row.integer(0), row.integer(1), row.text(2), row.text(3), row.text(4)};
}

Client client_from(const Row& row) {
    return Client{row.integer(0), row.integer(1), row.text(2), row.text(3)};
}

std::string with_session_columns(const std::string& before, const std::string& after) {
    return before + kSessionColumns + after;
}

// The reports of session `s` in brief, as four columns: how many, the latest one's level, the
// highest level and when the latest was received. Read by read_reports_in_brief.
constexpr const char* kReportsInBriefColumns =
    "(SELECT COUNT(*) FROM checkins k WHERE k.session_id = s.id) AS reports, "
    "(SELECT a.level FROM checkins k JOIN assessments a ON a.checkin_id = k.id "
    " WHERE k.session_id = s.id ORDER BY k.received_at DESC, k.id DESC LIMIT 1) "
    " AS latest_level, "
    "(SELECT MAX(a.level) FROM checkins k JOIN assessments a ON a.checkin_id = k.id "
    " WHERE k.session_id = s.id) AS highest_level, "
    "(SELECT MAX(k.received_at) FROM checkins k WHERE k.session_id = s.id) "
    " AS latest_report_at";

// kReportsInBriefColumns from `first` on, into a DashboardRow or a SessionSummary.
template <typename InBrief>
void read_reports_in_brief(const Row& row, std::size_t first, InBrief& into) {
    into.reports = int(row.integer(first));
    into.latest_level = optional_level(row, first + 1);
    into.highest_level = optional_level(row, first + 2);
    into.latest_report_at = row.optional_integer(first + 3);
}

class SqlStore final : public Store {
    // Declared first: the methods below deduce their return types from these.
    template <typename Body>
    auto read(Body&& body) {
        if (Connection* open = open_transaction()) return body(*open);
        // A read changes nothing, so running it again after a lost connection is safe.
        return with_live_connection([&](Pool::Lease& connection) { return body(*connection); });
    }

    // Runs attempt(lease) on a pooled connection. A connection that waited idle in the pool may
    // have been closed by the server meanwhile (a database restart closes them all), which libpq
    // learns only when it next sends: attempt then fails with ConnectionLost and runs once more
    // on a newly opened connection, so that a request sent once the database is back succeeds.
    // Only for an attempt that cannot have changed anything when it fails that way (a read, or a
    // transaction's BEGIN); a connection opened for this attempt is not retried.
    template <typename Attempt>
    auto with_live_connection(Attempt&& attempt) {
        {
            auto connection = pool_.acquire();
            if (!connection.reused()) return attempt(connection);
            try {
                return attempt(connection);
            } catch (const ConnectionLost&) {
                // Falls through: the lost connection leaves the pool at the end of this scope.
            }
        }
        auto connection = pool_.acquire_new();
        return attempt(connection);
    }

    // One transaction: committed when body returns, rolled back when it throws. With a single
    // writer (SQLite) the transaction is shared with other requests' (group commit). Inside
    // in_transaction it is part of that transaction.
    template <typename Body>
    auto write(Body&& body) {
        if (Connection* open = open_transaction()) return body(*open);
        if (!batcher_) return write_alone(body);
        std::optional<std::invoke_result_t<Body&, Connection&>> result;
        batcher_->run([&](Connection& c) { result.emplace(body(c)); });
        return std::move(*result);
    }

    template <typename Body>
    auto write_alone(Body&& body) {
        // Only BEGIN is retried on a lost connection: once a statement of body has been sent, a
        // failure can no longer tell whether the server applied it (a lost COMMIT may have
        // committed), so it reaches the caller.
        auto connection = with_live_connection([](Pool::Lease& lease) {
            lease->begin_write();
            return std::move(lease);
        });
        try {
            auto result = body(*connection);
            connection->commit();
            return result;
        } catch (...) {
            try {
                connection->rollback();
            } catch (const StoreError&) {
                // The connection is then unhealthy and the pool drops it; the first error counts.
            }
            throw;
        }
    }

  public:
    SqlStore(std::unique_ptr<Backend> backend, int pool_size)
        : backend_(std::move(backend)),
          pool_(*backend_, pool_size > 0 ? pool_size : backend_->default_pool_size()) {
        migrate();
        if (backend_->single_writer()) batcher_ = std::make_unique<WriteBatcher>(*backend_);
    }

    std::string backend() const override { return backend_->name(); }

    int schema_version() override {
        return read([](Connection& c) {
            return int(c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {})
                           .at(0)
                           .integer(0));
        });
    }

    Clinic create_clinic(const Clinic& clinic) override {
        return write([&](Connection& c) {
            const auto rows =
                c.query("INSERT INTO clinics (name) VALUES ($1) RETURNING id", {clinic.name});
            return Clinic{rows.at(0).integer(0), clinic.name};
        });
    }

    std::optional<Clinic> get_clinic(Id clinic_id) override {
        return read([&](Connection& c) -> std::optional<Clinic> {
            const auto rows = c.query("SELECT id, name FROM clinics WHERE id = $1", {clinic_id});
            if (rows.empty()) return std::nullopt;
            return Clinic{rows[0].integer(0), rows[0].text(1)};
        });
    }

    std::vector<Clinic> list_clinics() override {
        return read([&](Connection& c) {
            std::vector<Clinic> clinics;
            for (const auto& row : c.query("SELECT id, name FROM clinics ORDER BY id", {})) {
                clinics.push_back({row.integer(0), row.text(1)});
            }
            return clinics;
        });
    }

    Therapist create_therapist(const Therapist& therapist) override {
        Therapist created = therapist;
        created.email = normalized_email(therapist.email);
        try {
            return write([&](Connection& c) {
                const auto rows = c.query(
                    "INSERT INTO therapists (clinic_id, email, password_hash, name) "
                    "VALUES ($1, $2, $3, $4) RETURNING id",
                    {created.clinic_id, created.email, created.password_hash, created.name});
                created.id = rows.at(0).integer(0);
                return created;
            });
        } catch (const Conflict&) {
            throw Conflict("email: already registered");
        }
    }

    std::optional<Therapist> find_therapist_by_email(const std::string& email) override {
        return find_therapist("WHERE email = $1", normalized_email(email));
    }

    std::optional<Therapist> get_therapist(Id therapist_id) override {
        return find_therapist("WHERE id = $1", therapist_id);
    }

    std::vector<Therapist> list_therapists() override {
        return read([&](Connection& c) {
            std::vector<Therapist> therapists;
            for (const auto& row :
                 c.query("SELECT id, clinic_id, email, password_hash, name FROM therapists "
                         "ORDER BY clinic_id, id",
                         {})) {
                therapists.push_back(therapist_from(row));
            }
            return therapists;
        });
    }

    bool set_therapist_password(Id therapist_id, const std::string& password_hash) override {
        return write([&](Connection& c) {
            const bool found = !c.query(
                                     "UPDATE therapists SET password_hash = $1 WHERE id = $2 "
                                     "RETURNING id",
                                     {password_hash, therapist_id})
                                    .empty();
            c.query("DELETE FROM web_sessions WHERE therapist_id = $1", {therapist_id});
            return found;
        });
    }

    Client create_client(const Client& client) override {
        return write([&](Connection& c) {
            const auto rows = c.query(
                "INSERT INTO clients (clinic_id, name, note) VALUES ($1, $2, $3) "
                "RETURNING id",
                {client.clinic_id, client.name, client.note});
            Client created = client;
            created.id = rows.at(0).integer(0);
            return created;
        });
    }

    std::optional<Client> get_client(Id clinic_id, Id client_id) override {
        return read([&](Connection& c) -> std::optional<Client> {
            const auto rows = c.query(
                "SELECT id, clinic_id, name, note FROM clients WHERE id = $1 AND clinic_id = $2",
                {client_id, clinic_id});
            if (rows.empty()) return std::nullopt;
            return client_from(rows[0]);
        });
    }

    std::vector<Client> list_clients(Id clinic_id) override {
        return read([&](Connection& c) {
            std::vector<Client> clients;
            for (const auto& row : c.query("SELECT id, clinic_id, name, note FROM clients "
                                           "WHERE clinic_id = $1 ORDER BY name, id",
                                           {clinic_id})) {
                clients.push_back(client_from(row));
            }
            return clients;
        });
    }

    Session create_session(const Session& session) override {
        return write([&](Connection& c) { return insert_session(c, session); });
    }

    std::optional<Session> get_session(Id clinic_id, Id session_id) override {
        return read([&](Connection& c) -> std::optional<Session> {
            const auto rows = c.query(with_session_columns("SELECT ",
                                                           " FROM sessions s "
                                                           "WHERE s.id = $1 AND s.clinic_id = $2"),
                                      {session_id, clinic_id});
            if (rows.empty()) return std::nullopt;
            return session_from(rows[0]);
        });
    }

    std::vector<Session> list_sessions(Id clinic_id, Id client_id) override {
        return read([&](Connection& c) {
            std::vector<Session> sessions;
            for (const auto& row :
                 c.query(with_session_columns("SELECT ",
                                              " FROM sessions s WHERE s.client_id = $1 AND "
                                              "s.clinic_id = $2 ORDER BY s.started_at DESC, "
                                              "s.id DESC"),
                         {client_id, clinic_id})) {
                sessions.push_back(session_from(row));
            }
            return sessions;
        });
    }

    std::vector<SessionSummary> list_session_summaries(Id clinic_id, Id client_id) override {
        static const std::string sql =
            with_session_columns("SELECT ", std::string(", ") + kReportsInBriefColumns +
                                                " FROM sessions s WHERE s.client_id = $1 AND "
                                                "s.clinic_id = $2 ORDER BY s.started_at DESC, "
                                                "s.id DESC");
        return read([&](Connection& c) {
            std::vector<SessionSummary> summaries;
            for (const auto& row : c.query(sql, {client_id, clinic_id})) {
                SessionSummary summary;
                summary.session = session_from(row);
                read_reports_in_brief(row, kSessionColumnCount, summary);
                summaries.push_back(std::move(summary));
            }
            return summaries;
        });
    }

    Session create_session_with_link(const Session& session, const ClientLink& link) override {
        return write([&](Connection& c) {
            Session created = insert_session(c, session);
            ClientLink first = link;
            first.session_id = created.id;
            insert_link(c, first);
            return created;
        });
    }

    void create_link(Id clinic_id, const ClientLink& link) override {
        write([&](Connection& c) {
            if (c.query("SELECT id FROM sessions WHERE id = $1 AND clinic_id = $2",
                        {link.session_id, clinic_id})
                    .empty()) {
                throw InputError("session_id: no such session in this clinic");
            }
            insert_link(c, link);
            return 0;
        });
    }

    std::optional<Session> find_session_by_token_hash(const std::string& token_hash) override {
        return read([&](Connection& c) -> std::optional<Session> {
            const auto rows = c.query(
                with_session_columns("SELECT ",
                                     " FROM client_links l JOIN sessions s ON s.id = l.session_id "
                                     "WHERE l.token_hash = $1 AND l.revoked_at IS NULL"),
                {token_hash});
            if (rows.empty()) return std::nullopt;
            return session_from(rows[0]);
        });
    }

    std::optional<ClientLink> find_link(const std::string& token_hash) override {
        return read([&](Connection& c) -> std::optional<ClientLink> {
            const auto rows = c.query(
                "SELECT token_hash, session_id, created_at, revoked_at FROM client_links "
                "WHERE token_hash = $1",
                {token_hash});
            if (rows.empty()) return std::nullopt;
            return ClientLink{rows[0].text(0), rows[0].integer(1), rows[0].integer(2),
                              rows[0].optional_integer(3)};
        });
    }

    int revoke_links(Id clinic_id, Id session_id, Timestamp at) override {
        return write([&](Connection& c) {
            return int(c.query("UPDATE client_links SET revoked_at = $1 "
                               "WHERE session_id = $2 AND revoked_at IS NULL AND session_id IN "
                               "(SELECT id FROM sessions WHERE id = $2 AND clinic_id = $3) "
                               "RETURNING token_hash",
                               {at, session_id, clinic_id})
                           .size());
        });
    }

    Id add_checkin_with_assessment(const CheckinRecord& checkin,
                                   const AssessmentRecord& assessment) override {
        return write([&](Connection& c) {
            const Id id = c.query(
                               "INSERT INTO checkins (session_id, received_at, "
                               "hours_since_massage, discomfort, document) "
                               "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                               {checkin.session_id, checkin.received_at,
                                checkin.hours_since_massage, checkin.discomfort, checkin.document})
                              .at(0)
                              .integer(0);
            c.query(
                "INSERT INTO assessments (checkin_id, level, output, knowledge_version) "
                "VALUES ($1, $2, $3, $4)",
                {id, level_number(assessment.level), assessment.output,
                 assessment.knowledge_version});
            return id;
        });
    }

    std::vector<CheckinWithAssessment> list_checkins(Id clinic_id, Id session_id) override {
        return read([&](Connection& c) {
            std::vector<CheckinWithAssessment> result;
            for (const auto& row :
                 c.query(std::string("SELECT ") + kCheckinColumns +
                             ", a.level, a.output, a.knowledge_version "
                             "FROM checkins k JOIN sessions s ON s.id = k.session_id "
                             "LEFT JOIN assessments a ON a.checkin_id = k.id "
                             "WHERE k.session_id = $1 AND s.clinic_id = $2 "
                             "ORDER BY k.received_at, k.id",
                         {session_id, clinic_id})) {
                CheckinWithAssessment item;
                item.checkin = checkin_from(row);
                if (!row.is_null(6)) {
                    item.assessment = AssessmentRecord{item.checkin.id, level_from(row.integer(6)),
                                                       row.text(7), row.text(8)};
                }
                result.push_back(std::move(item));
            }
            return result;
        });
    }

    std::optional<CheckinRecord> latest_checkin(Id session_id) override {
        return read([&](Connection& c) -> std::optional<CheckinRecord> {
            const auto rows = c.query(std::string("SELECT ") + kCheckinColumns +
                                          " FROM checkins k WHERE k.session_id = $1 "
                                          "ORDER BY k.received_at DESC, k.id DESC LIMIT 1",
                                      {session_id});
            if (rows.empty()) return std::nullopt;
            return checkin_from(rows.front());
        });
    }

    CheckinCount count_checkins(Id session_id, Timestamp since, std::int64_t at_most) override {
        return read([&](Connection& c) {
            // LIMIT in the subqueries stops each count at at_most rows; rows come in the order
            // they were stored, so the earliest of the hour are among those counted.
            const auto total =
                c.query(
                     "SELECT COUNT(*) FROM (SELECT 1 FROM checkins WHERE session_id = $1 "
                     "LIMIT $2) AS counted",
                     {session_id, at_most})
                    .at(0)
                    .integer(0);
            const auto recent = c.query(
                "SELECT COUNT(*), COALESCE(MIN(received_at), 0) FROM (SELECT received_at "
                "FROM checkins WHERE session_id = $1 AND received_at > $2 LIMIT $3) AS "
                "counted",
                {session_id, since, at_most});
            return CheckinCount{total, recent.at(0).integer(0), recent.at(0).integer(1)};
        });
    }

    std::vector<DashboardRow> dashboard(Id clinic_id, Timestamp since) override {
        // One row per client, for the session to look at. Of the check-ins received since the
        // client's latest session started, on any of the client's sessions: the session of the
        // latest red flag (see_doctor or urgent) received in the window, else of the latest
        // check-in; without such check-ins, the latest session. A flag raised after the
        // therapist last saw the client must not hide behind a newer, calmer session, nor a
        // report on an earlier session's link behind a newer session without reports. The
        // client is listed while that session started in the window or still receives
        // check-ins in it (a report on day 20 is still aftercare). Levels and counts come from
        // the chosen session's check-ins. Wrapped in an outer SELECT because PostgreSQL cannot
        // order by expressions over output aliases.
        static const std::string sql =
            std::string(
                "SELECT * FROM (SELECT c.id AS client_id, c.name AS client_name, "
                "s.id AS session_id, s.started_at, ") +
            kReportsInBriefColumns +
            " FROM clients c JOIN sessions s ON s.id = COALESCE("
            " (SELECT k.session_id FROM checkins k JOIN sessions ks ON ks.id = k.session_id "
            "  LEFT JOIN assessments a ON a.checkin_id = k.id "
            "  WHERE ks.client_id = c.id "
            "  AND k.received_at >= (SELECT MAX(ls.started_at) FROM sessions ls "
            "                        WHERE ls.client_id = c.id) "
            "  ORDER BY CASE WHEN a.level >= $3 AND k.received_at >= $2 THEN 1 ELSE 0 END DESC, "
            "  k.received_at DESC, k.id DESC LIMIT 1), "
            " (SELECT s2.id FROM sessions s2 WHERE s2.client_id = c.id "
            "  ORDER BY s2.started_at DESC, s2.id DESC LIMIT 1)) "
            "WHERE c.clinic_id = $1 AND s.clinic_id = $1 AND (s.started_at >= $2 OR EXISTS "
            " (SELECT 1 FROM checkins k WHERE k.session_id = s.id AND k.received_at >= $2))) d "
            "ORDER BY COALESCE(d.highest_level, -1) DESC, COALESCE(d.latest_level, -1) DESC, "
            "COALESCE(d.latest_report_at, 0) DESC, d.session_id";
        return read([&](Connection& c) {
            std::vector<DashboardRow> rows;
            const Params params{clinic_id, since, level_number(assess::Level::see_doctor)};
            for (const auto& row : c.query(sql, params)) {
                DashboardRow line;
                line.client_id = row.integer(0);
                line.client_name = row.text(1);
                line.session_id = row.integer(2);
                line.session_started_at = row.integer(3);
                read_reports_in_brief(row, 4, line);
                rows.push_back(std::move(line));
            }
            return rows;
        });
    }

    DiscomfortShares discomfort_shares(Id clinic_id) override {
        // Two fixed statements rather than a column name spliced into one.
        static const std::string by_technique =
            "SELECT s.technique, COUNT(*), SUM(CASE WHEN k.discomfort THEN 1 ELSE 0 END) "
            "FROM checkins k JOIN sessions s ON s.id = k.session_id WHERE s.clinic_id = $1 "
            "GROUP BY s.technique ORDER BY s.technique";
        static const std::string by_pressure =
            "SELECT s.pressure, COUNT(*), SUM(CASE WHEN k.discomfort THEN 1 ELSE 0 END) "
            "FROM checkins k JOIN sessions s ON s.id = k.session_id WHERE s.clinic_id = $1 "
            "GROUP BY s.pressure ORDER BY s.pressure";
        return read([&](Connection& c) {
            auto shares = [&](const std::string& sql) {
                std::vector<DiscomfortShare> result;
                for (const auto& row : c.query(sql, {clinic_id})) {
                    result.push_back(
                        DiscomfortShare{row.text(0), int(row.integer(1)), int(row.integer(2))});
                }
                return result;
            };
            return DiscomfortShares{shares(by_technique), shares(by_pressure)};
        });
    }

    void create_web_session(const WebSession& session) override {
        write([&](Connection& c) {
            c.query(
                "INSERT INTO web_sessions (token_hash, therapist_id, csrf_token, expires_at) "
                "VALUES ($1, $2, $3, $4)",
                {session.token_hash, session.therapist_id, session.csrf_token, session.expires_at});
            return 0;
        });
    }

    std::optional<WebSession> find_web_session(const std::string& token_hash,
                                               Timestamp now) override {
        return read([&](Connection& c) -> std::optional<WebSession> {
            const auto rows = c.query(
                "SELECT token_hash, therapist_id, csrf_token, expires_at FROM web_sessions "
                "WHERE token_hash = $1 AND expires_at > $2",
                {token_hash, now});
            if (rows.empty()) return std::nullopt;
            return WebSession{rows[0].text(0), rows[0].integer(1), rows[0].text(2),
                              rows[0].integer(3)};
        });
    }

    void delete_web_session(const std::string& token_hash) override {
        write([&](Connection& c) {
            c.query("DELETE FROM web_sessions WHERE token_hash = $1", {token_hash});
            return 0;
        });
    }

    int delete_expired_web_sessions(Timestamp now) override {
        return write([&](Connection& c) {
            return int(
                c.query("DELETE FROM web_sessions WHERE expires_at <= $1 RETURNING token_hash",
                        {now})
                    .size());
        });
    }

    LoginReservation reserve_login_attempt(const std::vector<LoginLimit>& limits, Timestamp since,
                                           Timestamp at) override {
        // Keys locked in one order, so two attempts never wait for each other's second key.
        std::vector<const LoginLimit*> ordered;
        for (const auto& limit : limits) ordered.push_back(&limit);
        std::sort(ordered.begin(), ordered.end(),
                  [](const LoginLimit* a, const LoginLimit* b) { return a->key < b->key; });
        return write([&](Connection& c) {
            // Every key is looked at, not only the first one at its limit: the attempt waits for
            // the last of them to free up.
            std::optional<Timestamp> blocking;
            for (const LoginLimit* limit : ordered) {
                c.lock_key("login:" + limit->key);
                // The key is at its limit while its max_failures-th latest failure is in the
                // window; that failure leaving it frees the key.
                const auto found = c.query(
                    "SELECT at FROM login_failures WHERE key = $1 AND at > $2 "
                    "ORDER BY at DESC LIMIT 1 OFFSET $3",
                    {limit->key, since, std::int64_t(std::max(limit->max_failures, 1) - 1)});
                if (!found.empty()) {
                    blocking =
                        std::max(blocking.value_or(found[0].integer(0)), found[0].integer(0));
                }
            }
            if (blocking) return LoginReservation{std::nullopt, *blocking};
            std::vector<Id> ids;
            for (const LoginLimit* limit : ordered) {
                ids.push_back(c.query("INSERT INTO login_failures (key, at) VALUES ($1, $2) "
                                      "RETURNING id",
                                      {limit->key, at})
                                  .at(0)
                                  .integer(0));
            }
            return LoginReservation{std::move(ids), 0};
        });
    }

    void release_login_attempt(const std::vector<Id>& failure_ids) override {
        write([&](Connection& c) {
            for (const Id id : failure_ids) {
                c.query("DELETE FROM login_failures WHERE id = $1", {id});
            }
            return 0;
        });
    }

    int count_login_failures(const std::string& key, Timestamp since) override {
        return read([&](Connection& c) { return count_failures(c, key, since); });
    }

    void clear_login_failures(const std::string& key) override {
        write([&](Connection& c) {
            c.query("DELETE FROM login_failures WHERE key = $1", {key});
            return 0;
        });
    }

    void in_transaction(const std::function<void(Store&)>& body) override {
        if (open_transaction() != nullptr) {
            body(*this);
            return;
        }
        write([&](Connection& c) {
            // Set on the thread that runs body (the writer thread under group commit), cleared
            // however body ends.
            struct Scope {
                explicit Scope(OpenTransaction opened) { open_transaction_of_thread = opened; }
                ~Scope() { open_transaction_of_thread = {}; }
                Scope(const Scope&) = delete;
                Scope& operator=(const Scope&) = delete;
            } scope({this, &c});
            body(*this);
            return 0;
        });
    }

  private:
    Connection* open_transaction() const {
        return open_transaction_of_thread.store == this ? open_transaction_of_thread.connection
                                                        : nullptr;
    }

    static int count_failures(Connection& c, const std::string& key, Timestamp since) {
        return int(
            c.query("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2", {key, since})
                .at(0)
                .integer(0));
    }

    std::optional<Therapist> find_therapist(const std::string& where, const Value& key) {
        return read([&](Connection& c) -> std::optional<Therapist> {
            const auto rows = c.query(
                "SELECT id, clinic_id, email, password_hash, name FROM therapists " + where, {key});
            if (rows.empty()) return std::nullopt;
            return therapist_from(rows[0]);
        });
    }

    static Session insert_session(Connection& c, const Session& session) {
        if (c.query("SELECT id FROM clients WHERE id = $1 AND clinic_id = $2",
                    {session.client_id, session.clinic_id})
                .empty()) {
            throw InputError("client_id: no such client in this clinic");
        }
        if (c.query("SELECT id FROM therapists WHERE id = $1 AND clinic_id = $2",
                    {session.therapist_id, session.clinic_id})
                .empty()) {
            throw InputError("therapist_id: no such therapist in this clinic");
        }
        Session created = session;
        created.id = c.query(
                          "INSERT INTO sessions (clinic_id, client_id, therapist_id, "
                          "started_at, technique, pressure, minutes, regions, knots_worked, "
                          "notes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                          {session.clinic_id, session.client_id, session.therapist_id,
                           session.started_at, session.technique, session.pressure, session.minutes,
                           regions_text(session.regions), session.knots_worked, session.notes})
                         .at(0)
                         .integer(0);
        return created;
    }

    static void insert_link(Connection& c, const ClientLink& link) {
        try {
            c.query(
                "INSERT INTO client_links (token_hash, session_id, created_at, revoked_at) "
                "VALUES ($1, $2, $3, $4)",
                {link.token_hash, link.session_id, link.created_at,
                 link.revoked_at ? Value(*link.revoked_at) : Value(nullptr)});
        } catch (const Conflict&) {
            throw Conflict("token_hash: link already exists");
        }
    }

    // Applies the missing migrations in one transaction. Server instances that start together
    // wait for each other: SQLite's write lock (BEGIN IMMEDIATE), PostgreSQL's advisory lock.
    void migrate() {
        std::vector<const Migration*> mine;
        for (const auto& migration : all_migrations()) {
            if (backend_->name() == migration.backend) mine.push_back(&migration);
        }
        std::sort(mine.begin(), mine.end(),
                  [](const Migration* a, const Migration* b) { return a->version < b->version; });
        const int newest = mine.empty() ? 0 : mine.back()->version;
        write_alone([&](Connection& c) {
            c.lock_for_migrations();
            c.execute_script(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            const auto applied =
                c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {})
                    .at(0)
                    .integer(0);
            if (applied > newest) {
                throw StoreError("the database has schema version " + std::to_string(applied) +
                                 ", newer than this build knows (" + std::to_string(newest) +
                                 "): upgrade twitchwatch");
            }
            for (const Migration* migration : mine) {
                if (migration->version <= applied) continue;
                c.execute_script(migration->sql);
                c.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES ($1, $2, $3)",
                    {std::int64_t(migration->version), std::string(migration->name),
                     std::int64_t(std::time(nullptr))});
            }
            return 0;
        });
    }

    std::unique_ptr<Backend> backend_;
    Pool pool_;
    std::unique_ptr<WriteBatcher> batcher_;  // when the backend allows a single writer (SQLite)
};

}  // namespace

std::unique_ptr<Store> make_sql_store(std::unique_ptr<Backend> backend, int pool_size) {
    return std::make_unique<SqlStore>(std::move(backend), pool_size);
}

}  // namespace twitchwatch::store::detail
