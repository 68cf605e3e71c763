// The Store contract, run against both backends (test names end in /sqlite or /postgresql).
#include "twitchwatch/store/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "backends.hpp"

namespace tws = twitchwatch::store;
using twitchwatch::assess::Level;
using tws::testing::Backend;
using tws::testing::ScratchDatabase;

namespace {

constexpr tws::Timestamp kHour = 3600;
constexpr tws::Timestamp kDay = 24 * kHour;
constexpr tws::Timestamp kNow = 1'780'000'000;  // a fixed "now" keeps the tests deterministic

class BackendTest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        if (GetParam() == Backend::postgresql && !tws::testing::postgres_server_url()) {
            GTEST_SKIP() << "TW_PG_URL_FILE not set: run through ctest to get a PostgreSQL server";
        }
        database_ = std::make_unique<ScratchDatabase>(GetParam());
        store_ = tws::open_store(database_->url());
    }
    void TearDown() override {
        store_.reset();  // closes the connections before the database is dropped
        database_.reset();
    }

    tws::Store& store() { return *store_; }

    // A clinic with one therapist and one client.
    struct Practice {
        tws::Clinic clinic;
        tws::Therapist therapist;
        tws::Client client;
    };
    Practice make_practice(const std::string& name) {
        Practice practice;
        practice.clinic = store().create_clinic({0, name});
        practice.therapist = store().create_therapist(
            {0, practice.clinic.id, name + "@example.org", "$argon2id$stub", name + " therapist"});
        practice.client = store().create_client({0, practice.clinic.id, name + " client", ""});
        return practice;
    }

    tws::Session make_session(const Practice& practice, const tws::Client& client,
                              tws::Timestamp started_at, const std::string& technique = "swedish",
                              const std::string& pressure = "medium") {
        tws::Session session;
        session.clinic_id = practice.clinic.id;
        session.client_id = client.id;
        session.therapist_id = practice.therapist.id;
        session.started_at = started_at;
        session.technique = technique;
        session.pressure = pressure;
        session.minutes = 45.5;
        session.regions = {"left_calf", "neck"};
        session.knots_worked = true;
        session.notes = "notes with 'quotes' and ; semicolons";
        return store().create_session(session);
    }

    tws::Id add_checkin(const tws::Session& session, tws::Timestamp received_at, Level level,
                        bool discomfort = false) {
        const double hours = double(received_at - session.started_at) / 3600.0;
        tws::CheckinRecord checkin{
            0,     session.id, received_at,
            hours, discomfort, R"({"hours_since_massage":)" + std::to_string(hours) + "}"};
        return store().add_checkin_with_assessment(
            checkin, {0, level, R"({"level":"x"})", "knowledge-test-1"});
    }

    std::unique_ptr<ScratchDatabase> database_;
    std::unique_ptr<tws::Store> store_;
};

// Lower case: the ctest names read store.backend.<what>/<database>.
using backend = BackendTest;

TEST_P(backend, migrations_are_applied_once_and_kept_on_reopen) {
    EXPECT_EQ(store().backend(), tws::testing::backend_name(GetParam()));
    EXPECT_GE(store().schema_version(), 1);
    const int version = store().schema_version();
    const auto clinic = store().create_clinic({0, "Kept"});

    store_.reset();
    store_ = tws::open_store(database_->url());
    EXPECT_EQ(store().schema_version(), version);
    ASSERT_TRUE(store().get_clinic(clinic.id).has_value());
    EXPECT_EQ(store().get_clinic(clinic.id)->name, "Kept");
}

TEST_P(backend, migrations_are_recorded_and_a_newer_schema_is_refused) {
    const auto url = database_->url();
    EXPECT_EQ(tws::testing::query_directly(url, "SELECT COUNT(*) FROM schema_migrations"),
              std::to_string(store().schema_version()));
    EXPECT_EQ(tws::testing::query_directly(url,
                                           "SELECT name FROM schema_migrations "
                                           "WHERE version = 1"),
              "0001_initial");
    store_.reset();
    tws::testing::query_directly(
        url, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'x', 0)");
    try {
        tws::open_store(url);
        FAIL() << "a database from a newer build was opened";
    } catch (const tws::StoreError& error) {
        EXPECT_NE(std::string(error.what()).find("newer"), std::string::npos) << error.what();
    }
}

TEST_P(backend, servers_starting_together_migrate_one_database_without_errors) {
    // A second, empty database: several "server instances" open it at the same moment.
    store_.reset();
    ScratchDatabase fresh(GetParam());
    constexpr int kInstances = 6;
    std::vector<std::unique_ptr<tws::Store>> stores(kInstances);
    std::vector<std::string> errors(kInstances);
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
        threads.emplace_back([&, i] {
            try {
                stores[i] = tws::open_store(fresh.url());
            } catch (const std::exception& error) {
                errors[i] = error.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (int i = 0; i < kInstances; ++i) {
        EXPECT_EQ(errors[i], "") << "instance " << i;
        ASSERT_TRUE(stores[i]);
        EXPECT_GE(stores[i]->schema_version(), 1);
    }
    // Every instance sees the same schema and each other's writes.
    const auto clinic = stores[0]->create_clinic({0, "Shared"});
    EXPECT_EQ(stores[kInstances - 1]->get_clinic(clinic.id)->name, "Shared");
    stores.clear();
}

TEST_P(backend, creates_and_reads_back_every_entity) {
    const auto practice = make_practice("alpha");
    EXPECT_GT(practice.clinic.id, 0);
    EXPECT_EQ(store().get_clinic(practice.clinic.id)->name, "alpha");

    const auto found = store().find_therapist_by_email("alpha@example.org");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, practice.therapist.id);
    EXPECT_EQ(found->clinic_id, practice.clinic.id);
    EXPECT_EQ(found->password_hash, "$argon2id$stub");
    EXPECT_EQ(store().get_therapist(practice.therapist.id)->name, "alpha therapist");
    EXPECT_FALSE(store().find_therapist_by_email("nobody@example.org"));

    const auto zed = store().create_client({0, practice.clinic.id, "Zed", "likes it light"});
    const auto anna = store().create_client({0, practice.clinic.id, "Anna", ""});
    const auto clients = store().list_clients(practice.clinic.id);
    ASSERT_EQ(clients.size(), 3u);
    // By name (the order of lower case against upper case depends on the database's collation).
    const auto position = [&](tws::Id id) {
        return std::find_if(clients.begin(), clients.end(),
                            [&](const tws::Client& c) { return c.id == id; }) -
               clients.begin();
    };
    EXPECT_LT(position(anna.id), position(zed.id));
    EXPECT_EQ(store().get_client(practice.clinic.id, zed.id)->note, "likes it light");

    const auto older = make_session(practice, zed, kNow - 3 * kDay);
    const auto newer = make_session(practice, zed, kNow - kDay, "deep_tissue", "deep");
    const auto session = store().get_session(practice.clinic.id, older.id);
    ASSERT_TRUE(session);
    EXPECT_EQ(session->client_id, zed.id);
    EXPECT_EQ(session->therapist_id, practice.therapist.id);
    EXPECT_EQ(session->started_at, kNow - 3 * kDay);
    EXPECT_EQ(session->technique, "swedish");
    EXPECT_EQ(session->pressure, "medium");
    EXPECT_DOUBLE_EQ(session->minutes, 45.5);
    EXPECT_EQ(session->regions, (std::vector<std::string>{"left_calf", "neck"}));
    EXPECT_TRUE(session->knots_worked);
    EXPECT_EQ(session->notes, "notes with 'quotes' and ; semicolons");
    const auto sessions = store().list_sessions(practice.clinic.id, zed.id);
    ASSERT_EQ(sessions.size(), 2u);
    EXPECT_EQ(sessions[0].id, newer.id);  // newest first

    const tws::CheckinRecord checkin{
        0,     older.id, kNow - 2 * kDay,
        47.25, true,     R"({"hours_since_massage":47.25,"note":"caf\u00e9 ü"})"};
    const auto id = store().add_checkin_with_assessment(
        checkin, {0, Level::tell_therapist, R"({"level":"tell_therapist"})", "kb-2026.1"});
    const auto checkins = store().list_checkins(practice.clinic.id, older.id);
    ASSERT_EQ(checkins.size(), 1u);
    EXPECT_EQ(checkins[0].checkin.id, id);
    EXPECT_EQ(checkins[0].checkin.received_at, kNow - 2 * kDay);
    EXPECT_DOUBLE_EQ(checkins[0].checkin.hours_since_massage, 47.25);
    EXPECT_TRUE(checkins[0].checkin.discomfort);
    EXPECT_EQ(checkins[0].checkin.document, checkin.document);
    ASSERT_TRUE(checkins[0].assessment);
    EXPECT_EQ(checkins[0].assessment->checkin_id, id);
    EXPECT_EQ(checkins[0].assessment->level, Level::tell_therapist);
    EXPECT_EQ(checkins[0].assessment->output, R"({"level":"tell_therapist"})");
    EXPECT_EQ(checkins[0].assessment->knowledge_version, "kb-2026.1");
}

TEST_P(backend, latest_checkin_is_the_last_received_of_its_session) {
    const auto practice = make_practice("latest");
    const auto session = make_session(practice, practice.client, 1000);
    const auto other = make_session(practice, practice.client, 1000);
    EXPECT_FALSE(store().latest_checkin(session.id));
    add_checkin(session, 1300, Level::normal);
    const tws::Id last = add_checkin(session, 1500, Level::normal);
    add_checkin(session, 1400, Level::normal);  // received earlier, stored later
    add_checkin(other, 1600, Level::normal);
    const auto latest = store().latest_checkin(session.id);
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->id, last);
    EXPECT_EQ(latest->session_id, session.id);
    EXPECT_EQ(latest->received_at, 1500);
}

TEST_P(backend, counts_checkins_up_to_a_limit) {
    const auto practice = make_practice("counting");
    const auto session = make_session(practice, practice.client, 1000);
    for (const tws::Timestamp at : {1100, 1200, 1300, 1400, 1500}) {
        add_checkin(session, at, Level::normal);
    }
    const auto all = store().count_checkins(session.id, 1250, 10);
    EXPECT_EQ(all.total, 5);
    EXPECT_EQ(all.since, 3);
    EXPECT_EQ(all.earliest_since, 1300);
    // Counting stops at the limit: the check of a budget costs no more than the budget.
    const auto capped = store().count_checkins(session.id, 1250, 2);
    EXPECT_EQ(capped.total, 2);
    EXPECT_EQ(capped.since, 2);
    EXPECT_EQ(capped.earliest_since, 1300);
    const auto none = store().count_checkins(session.id, 2000, 10);
    EXPECT_EQ(none.since, 0);
    EXPECT_EQ(none.earliest_since, 0);
}

TEST_P(backend, an_email_is_registered_once) {
    const auto practice = make_practice("alpha");
    const auto other = store().create_clinic({0, "other"});
    try {
        store().create_therapist({0, other.id, "alpha@example.org", "hash", "Copy"});
        FAIL() << "a second therapist with the same e-mail was accepted";
    } catch (const tws::Conflict& conflict) {
        EXPECT_NE(std::string(conflict.what()).find("email"), std::string::npos);
    }
    EXPECT_EQ(store().find_therapist_by_email("alpha@example.org")->clinic_id, practice.clinic.id);
}

TEST_P(backend, an_email_is_one_login_in_any_letter_case) {
    const auto clinic = store().create_clinic({0, "cased"});
    const auto created =
        store().create_therapist({0, clinic.id, "Anna.Berg@Example.ORG", "hash", "Anna"});
    EXPECT_EQ(created.email, "anna.berg@example.org");
    ASSERT_TRUE(store().find_therapist_by_email("ANNA.BERG@EXAMPLE.ORG"));
    EXPECT_EQ(store().find_therapist_by_email("anna.berg@example.org")->id, created.id);
    EXPECT_THROW(store().create_therapist({0, clinic.id, "anna.berg@EXAMPLE.org", "hash", "Copy"}),
                 tws::Conflict);
    // Beyond ASCII nothing is folded (the case of such letters depends on the locale).
    const auto accented = store().create_therapist({0, clinic.id, "\u00c9mile@x.org", "h", "E"});
    EXPECT_EQ(accented.email, "\u00c9mile@x.org");
    EXPECT_FALSE(store().find_therapist_by_email("\u00e9mile@x.org"));
}

TEST_P(backend, migration_3_lower_cases_the_emails_kept_before_it) {
    const auto url = database_->url();
    const auto clinic = store().create_clinic({0, "older"});
    const int version = store().schema_version();
    store_.reset();
    // As a database of schema version 2 held it: the e-mail as typed at the time.
    tws::testing::query_directly(url,
                                 "INSERT INTO therapists (clinic_id, email, password_hash, name) "
                                 "VALUES (" +
                                     std::to_string(clinic.id) +
                                     ", 'Old.Account@Example.ORG', 'hash', 'Old')");
    tws::testing::query_directly(url, "DELETE FROM schema_migrations WHERE version = 3");
    store_ = tws::open_store(url);
    EXPECT_EQ(store().schema_version(), version);
    const auto therapists = store().list_therapists();
    ASSERT_EQ(therapists.size(), 1u);
    EXPECT_EQ(therapists[0].email, "old.account@example.org");
    EXPECT_TRUE(store().find_therapist_by_email("Old.Account@Example.ORG"));
}

TEST_P(backend, clinics_and_therapists_are_listed) {
    EXPECT_TRUE(store().list_clinics().empty());
    EXPECT_TRUE(store().list_therapists().empty());
    const auto beta = make_practice("beta");
    const auto alpha = make_practice("alpha");
    const auto second = store().create_therapist({0, beta.clinic.id, "b2@x.org", "h", "Second"});
    const auto clinics = store().list_clinics();
    ASSERT_EQ(clinics.size(), 2u);
    EXPECT_EQ(clinics[0].id, beta.clinic.id);
    EXPECT_EQ(clinics[1].name, "alpha");
    std::vector<tws::Id> listed;
    for (const auto& therapist : store().list_therapists()) listed.push_back(therapist.id);
    EXPECT_EQ(listed, (std::vector<tws::Id>{beta.therapist.id, second.id, alpha.therapist.id}));
}

TEST_P(backend, a_new_password_ends_the_therapists_web_sessions) {
    const auto practice = make_practice("pw");
    const auto other = make_practice("other");
    store().create_web_session({"mine", practice.therapist.id, "csrf", kNow + kDay});
    store().create_web_session({"theirs", other.therapist.id, "csrf", kNow + kDay});
    EXPECT_TRUE(store().set_therapist_password(practice.therapist.id, "$argon2id$new"));
    EXPECT_EQ(store().get_therapist(practice.therapist.id)->password_hash, "$argon2id$new");
    EXPECT_FALSE(store().find_web_session("mine", kNow));
    EXPECT_TRUE(store().find_web_session("theirs", kNow));
    EXPECT_EQ(store().get_therapist(other.therapist.id)->password_hash, "$argon2id$stub");
    EXPECT_FALSE(store().set_therapist_password(999999, "$argon2id$none"));
}

TEST_P(backend, queries_never_cross_clinic_lines) {
    const auto mine = make_practice("mine");
    const auto theirs = make_practice("theirs");
    const auto their_session = make_session(theirs, theirs.client, kNow - kDay);
    add_checkin(their_session, kNow - 1000, Level::see_doctor, true);
    store().create_link(theirs.clinic.id, {"their-token", their_session.id, kNow, std::nullopt});

    EXPECT_FALSE(store().get_client(mine.clinic.id, theirs.client.id));
    EXPECT_FALSE(store().get_session(mine.clinic.id, their_session.id));
    EXPECT_TRUE(store().list_sessions(mine.clinic.id, theirs.client.id).empty());
    EXPECT_TRUE(store().list_session_summaries(mine.clinic.id, theirs.client.id).empty());
    EXPECT_TRUE(store().list_checkins(mine.clinic.id, their_session.id).empty());
    EXPECT_EQ(store().list_clients(mine.clinic.id).size(), 1u);
    EXPECT_TRUE(store().dashboard(mine.clinic.id, 0).empty());
    EXPECT_TRUE(store().discomfort_shares(mine.clinic.id).by_technique.empty());
    EXPECT_EQ(store().revoke_links(mine.clinic.id, their_session.id, kNow), 0);
    EXPECT_TRUE(store().find_session_by_token_hash("their-token"));  // still open

    // Writing across the line is refused and writes nothing.
    tws::Session crossing;
    crossing.clinic_id = mine.clinic.id;
    crossing.client_id = theirs.client.id;  // a client of the other clinic
    crossing.therapist_id = mine.therapist.id;
    crossing.started_at = kNow;
    EXPECT_THROW(store().create_session(crossing), twitchwatch::InputError);
    crossing.client_id = mine.client.id;
    crossing.therapist_id = theirs.therapist.id;  // a therapist of the other clinic
    EXPECT_THROW(store().create_session(crossing), twitchwatch::InputError);
    EXPECT_TRUE(store().list_sessions(mine.clinic.id, mine.client.id).empty());
    EXPECT_THROW(store().create_link(mine.clinic.id, {"stolen", their_session.id, kNow, {}}),
                 twitchwatch::InputError);
    EXPECT_FALSE(store().find_session_by_token_hash("stolen"));

    // The owner sees everything.
    EXPECT_EQ(store().list_checkins(theirs.clinic.id, their_session.id).size(), 1u);
    EXPECT_EQ(store().dashboard(theirs.clinic.id, 0).size(), 1u);
}

TEST_P(backend, links_find_their_session_until_revoked) {
    const auto practice = make_practice("links");
    tws::Session draft;
    draft.clinic_id = practice.clinic.id;
    draft.client_id = practice.client.id;
    draft.therapist_id = practice.therapist.id;
    draft.started_at = kNow;
    draft.technique = "sports";
    draft.pressure = "firm";
    const auto session =
        store().create_session_with_link(draft, {"hash-one", 0, kNow, std::nullopt});
    store().create_link(practice.clinic.id, {"hash-two", session.id, kNow + 5, std::nullopt});

    EXPECT_FALSE(store().find_link("hash-one")->revoked_at);
    EXPECT_FALSE(store().find_link("hash-unknown"));
    const auto found = store().find_session_by_token_hash("hash-one");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, session.id);
    EXPECT_EQ(found->clinic_id, practice.clinic.id);
    EXPECT_EQ(store().find_session_by_token_hash("hash-two")->id, session.id);
    EXPECT_FALSE(store().find_session_by_token_hash("hash-unknown"));

    EXPECT_EQ(store().revoke_links(practice.clinic.id, session.id, kNow + 10), 2);
    EXPECT_FALSE(store().find_session_by_token_hash("hash-one"));
    EXPECT_FALSE(store().find_session_by_token_hash("hash-two"));
    // The link itself is kept: a revoked link is told apart from one that never existed.
    const auto revoked = store().find_link("hash-one");
    ASSERT_TRUE(revoked);
    EXPECT_EQ(revoked->session_id, session.id);
    EXPECT_EQ(revoked->created_at, kNow);
    EXPECT_EQ(revoked->revoked_at, kNow + 10);
    EXPECT_EQ(store().find_link("hash-two")->revoked_at, kNow + 10);
    EXPECT_FALSE(store().find_link("hash-unknown"));
    EXPECT_EQ(store().revoke_links(practice.clinic.id, session.id, kNow + 20), 0);

    // A new link after revoking works; a reused token hash is refused.
    store().create_link(practice.clinic.id, {"hash-three", session.id, kNow + 30, std::nullopt});
    EXPECT_EQ(store().find_session_by_token_hash("hash-three")->id, session.id);
    EXPECT_THROW(
        store().create_link(practice.clinic.id, {"hash-one", session.id, kNow, std::nullopt}),
        tws::Conflict);
}

TEST_P(backend, a_failing_second_insert_leaves_nothing_behind) {
    const auto practice = make_practice("atomic");
    const auto session = make_session(practice, practice.client, kNow - kDay);
    const tws::CheckinRecord checkin{0,  session.id, kNow,
                                     20, false,      R"({"hours_since_massage":20})"};

    // The assessment row breaks a constraint after the check-in row went in.
    EXPECT_THROW(store().add_checkin_with_assessment(checkin, {0, Level::normal, "{}", ""}),
                 tws::StoreError);
    EXPECT_THROW(
        store().add_checkin_with_assessment(checkin, {0, static_cast<Level>(7), "{}", "kb-1"}),
        tws::StoreError);
    EXPECT_TRUE(store().list_checkins(practice.clinic.id, session.id).empty());
    EXPECT_EQ(store().dashboard(practice.clinic.id, 0).at(0).reports, 0);

    // A check-in for a session that does not exist is refused as a whole too.
    tws::CheckinRecord orphan = checkin;
    orphan.session_id = session.id + 1000;
    EXPECT_ANY_THROW(store().add_checkin_with_assessment(orphan, {0, Level::normal, "{}", "kb-1"}));

    // A session whose first link cannot be stored is not created.
    store().create_link(practice.clinic.id, {"taken", session.id, kNow, std::nullopt});
    tws::Session draft = session;
    draft.started_at = kNow + 100;
    EXPECT_THROW(store().create_session_with_link(draft, {"taken", 0, kNow, std::nullopt}),
                 tws::Conflict);
    EXPECT_EQ(store().list_sessions(practice.clinic.id, practice.client.id).size(), 1u);

    // The store is still usable afterwards: a connection left inside a failed transaction would
    // make this fail.
    for (int i = 0; i < 20; ++i) {
        store().add_checkin_with_assessment(checkin, {0, Level::normal, "{}", "kb-1"});
    }
    EXPECT_EQ(store().list_checkins(practice.clinic.id, session.id).size(), 20u);
}

TEST_P(backend, many_threads_write_and_read_at_once) {
    const auto practice = make_practice("busy");
    const auto session = make_session(practice, practice.client, kNow - kDay);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 40;
    std::vector<std::vector<tws::Id>> ids(kThreads);
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                for (int i = 0; i < kPerThread; ++i) {
                    ids[t].push_back(add_checkin(session, kNow + tws::Timestamp{t} * 1000 + i,
                                                 static_cast<Level>((t + i) % 4), i % 2 == 0));
                    if (i % 10 == 0) {
                        store().list_checkins(practice.clinic.id, session.id);
                        store().dashboard(practice.clinic.id, 0);
                    }
                }
            } catch (const std::exception& error) {
                errors[t] = error.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    std::set<tws::Id> unique;
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(errors[t], "") << "thread " << t;
        unique.insert(ids[t].begin(), ids[t].end());
    }
    EXPECT_EQ(unique.size(), std::size_t(kThreads * kPerThread));
    const auto checkins = store().list_checkins(practice.clinic.id, session.id);
    ASSERT_EQ(checkins.size(), std::size_t(kThreads * kPerThread));
    for (const auto& item : checkins) {
        EXPECT_TRUE(unique.count(item.checkin.id));
        EXPECT_TRUE(item.assessment);
    }
    const auto row = store().dashboard(practice.clinic.id, 0).at(0);
    EXPECT_EQ(row.reports, kThreads * kPerThread);
    EXPECT_EQ(row.highest_level, Level::urgent);
}

TEST_P(backend, a_failing_request_among_concurrent_ones_fails_alone) {
    // SQLite commits concurrent requests together (one transaction, a savepoint each): a request
    // that breaks a constraint must take nothing of the others with it, and leave nothing itself.
    const auto practice = make_practice("mixed");
    const auto session = make_session(practice, practice.client, kNow - kDay);
    constexpr int kThreads = 6;
    constexpr int kPerThread = 30;
    std::vector<int> stored(kThreads, 0);
    std::vector<int> refused(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const bool bad = (t + i) % 3 == 0;
                const tws::CheckinRecord checkin{
                    0,   session.id, kNow + i,
                    1.0, bad,        bad ? R"({"bad":true})" : R"({"bad":false})"};
                try {
                    store().add_checkin_with_assessment(
                        checkin, {0, Level::normal, "{}", bad ? "" : "kb-1"});
                    ++stored[t];
                } catch (const tws::StoreError&) {
                    ++refused[t];
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    int expected_stored = 0;
    for (int t = 0; t < kThreads; ++t) {
        int bad = 0;
        for (int i = 0; i < kPerThread; ++i) bad += (t + i) % 3 == 0 ? 1 : 0;
        EXPECT_EQ(refused[t], bad) << "thread " << t;
        EXPECT_EQ(stored[t], kPerThread - bad) << "thread " << t;
        expected_stored += stored[t];
    }
    const auto checkins = store().list_checkins(practice.clinic.id, session.id);
    EXPECT_EQ(int(checkins.size()), expected_stored);
    for (const auto& item : checkins) {
        EXPECT_EQ(item.checkin.document, R"({"bad":false})");
        EXPECT_TRUE(item.assessment);
    }
}

TEST_P(backend, dashboard_puts_the_most_urgent_first) {
    const auto practice = make_practice("dash");
    auto client = [&](const std::string& name) {
        return store().create_client({0, practice.clinic.id, name, ""});
    };
    const auto quiet = client("Quiet");          // no report
    const auto fine = client("Fine");            // normal
    const auto worried = client("Worried");      // tell_therapist
    const auto flagged = client("Flagged");      // see_doctor earlier, normal later
    const auto urgent = client("Urgent");        // urgent
    const auto old = client("Old");              // session before the window
    const auto returning = client("Returning");  // an old urgent session, a new calm one
    // A see_doctor report on the old session, received after the new session started.
    const auto reported_late = client("Reported late");
    const auto still_reporting = client("Still reporting");  // session before the window, a
                                                             // report inside it

    make_session(practice, quiet, kNow - kDay);
    const auto fine_s = make_session(practice, fine, kNow - kDay);
    add_checkin(fine_s, kNow - 100, Level::normal);
    const auto worried_s = make_session(practice, worried, kNow - 2 * kDay);
    add_checkin(worried_s, kNow - 5000, Level::tell_therapist);
    const auto flagged_s = make_session(practice, flagged, kNow - 2 * kDay);
    add_checkin(flagged_s, kNow - 9000, Level::see_doctor);
    add_checkin(flagged_s, kNow - 10, Level::normal);
    const auto urgent_s = make_session(practice, urgent, kNow - kDay);
    add_checkin(urgent_s, kNow - 3000, Level::urgent);
    const auto old_s = make_session(practice, old, kNow - 30 * kDay);
    add_checkin(old_s, kNow - 29 * kDay, Level::urgent);
    const auto returning_old = make_session(practice, returning, kNow - 5 * kDay);
    add_checkin(returning_old, kNow - 4 * kDay, Level::urgent);
    const auto returning_new = make_session(practice, returning, kNow - kDay);
    add_checkin(returning_new, kNow - 2000, Level::normal);
    const auto late_old = make_session(practice, reported_late, kNow - 3 * kDay);
    const auto late_new = make_session(practice, reported_late, kNow - 2 * kDay);
    add_checkin(late_old, kNow - kDay, Level::see_doctor);
    add_checkin(late_new, kNow - 500, Level::normal);
    const auto still_s = make_session(practice, still_reporting, kNow - 20 * kDay);
    add_checkin(still_s, kNow - 19 * kDay, Level::normal);
    add_checkin(still_s, kNow - 300, Level::tell_therapist);

    const auto rows = store().dashboard(practice.clinic.id, kNow - 14 * kDay);
    std::vector<std::string> order;
    for (const auto& row : rows) order.push_back(row.client_name);
    // Reported late and Flagged share see_doctor: Reported late's latest level is see_doctor.
    // Still reporting and Worried, and Fine and Returning, share their levels: the newer report
    // comes first.
    EXPECT_EQ(order,
              (std::vector<std::string>{"Urgent", "Reported late", "Flagged", "Still reporting",
                                        "Worried", "Fine", "Returning", "Quiet"}));

    const auto& flagged_row = rows.at(2);
    EXPECT_EQ(flagged_row.client_id, flagged.id);
    EXPECT_EQ(flagged_row.session_id, flagged_s.id);
    EXPECT_EQ(flagged_row.session_started_at, kNow - 2 * kDay);
    EXPECT_EQ(flagged_row.reports, 2);
    EXPECT_EQ(flagged_row.highest_level, Level::see_doctor);
    EXPECT_EQ(flagged_row.latest_level, Level::normal);
    EXPECT_EQ(flagged_row.latest_report_at, kNow - 10);

    const auto& late_row = rows.at(1);
    EXPECT_EQ(late_row.session_id, late_old.id);  // the flag, not the calmer newer session
    EXPECT_EQ(late_row.highest_level, Level::see_doctor);

    const auto& still_row = rows.at(3);
    EXPECT_EQ(still_row.session_id, still_s.id);
    EXPECT_EQ(still_row.reports, 2);
    EXPECT_EQ(still_row.latest_report_at, kNow - 300);

    // The old urgent report came before the client's new session: the therapist has seen them
    // since, so the row is the new session.
    const auto& returning_row = rows.at(6);
    EXPECT_EQ(returning_row.session_id, returning_new.id);
    EXPECT_EQ(returning_row.highest_level, Level::normal);

    const auto& quiet_row = rows.at(7);
    EXPECT_EQ(quiet_row.reports, 0);
    EXPECT_FALSE(quiet_row.latest_level);
    EXPECT_FALSE(quiet_row.highest_level);
    EXPECT_FALSE(quiet_row.latest_report_at);
}

TEST_P(backend, dashboard_follows_a_report_on_an_earlier_session_sent_after_the_latest_began) {
    // Each client: session A 50 h ago, session B 2 h ago.
    const auto practice = make_practice("earlier");
    struct Course {
        tws::Client client;
        tws::Session a;
        tws::Session b;
    };
    auto course = [&](const std::string& name) {
        const auto client = store().create_client({0, practice.clinic.id, name, ""});
        const auto a = make_session(practice, client, kNow - 50 * kHour);
        return Course{client, a, make_session(practice, client, kNow - 2 * kHour)};
    };
    // Reported on A before B began: the therapist has seen them since, B is the one to look at.
    const auto seen = course("Seen since");
    add_checkin(seen.a, kNow - 48 * kHour, Level::tell_therapist);
    // Reported on A before and after B began: A, with both reports.
    const auto again = course("Reported again on A");
    add_checkin(again.a, kNow - 48 * kHour, Level::tell_therapist);
    add_checkin(again.a, kNow - 600, Level::tell_therapist);
    // Reports on A and B since B began: the latest report's session.
    const auto both = course("Reported on both");
    add_checkin(both.b, kNow - 3000, Level::normal);
    add_checkin(both.a, kNow - 1000, Level::normal);
    // A red flag on B, then a calm report on A: the flag still wins.
    const auto flagged = course("Flagged on B");
    add_checkin(flagged.b, kNow - 3000, Level::see_doctor);
    add_checkin(flagged.a, kNow - 1000, Level::normal);

    const auto rows = store().dashboard(practice.clinic.id, kNow - 14 * kDay);
    ASSERT_EQ(rows.size(), 4u);
    auto row_of = [&](const Course& of) {
        const auto found = std::find_if(rows.begin(), rows.end(), [&](const auto& row) {
            return row.client_id == of.client.id;
        });
        EXPECT_NE(found, rows.end()) << of.client.name;
        return found == rows.end() ? tws::DashboardRow{} : *found;
    };
    EXPECT_EQ(row_of(seen).session_id, seen.b.id);
    EXPECT_EQ(row_of(seen).reports, 0);
    const auto again_row = row_of(again);
    EXPECT_EQ(again_row.session_id, again.a.id);
    EXPECT_EQ(again_row.session_started_at, kNow - 50 * kHour);
    EXPECT_EQ(again_row.reports, 2);
    EXPECT_EQ(again_row.latest_level, Level::tell_therapist);
    EXPECT_EQ(again_row.latest_report_at, kNow - 600);
    EXPECT_EQ(row_of(both).session_id, both.a.id);
    EXPECT_EQ(row_of(flagged).session_id, flagged.b.id);
    EXPECT_EQ(row_of(flagged).highest_level, Level::see_doctor);
}

TEST_P(backend, session_summaries_give_each_sessions_reports_newest_first) {
    const auto practice = make_practice("summaries");
    const auto older =
        make_session(practice, practice.client, kNow - 3 * kDay, "deep_tissue", "deep");
    const auto newer = make_session(practice, practice.client, kNow - kDay);
    add_checkin(older, kNow - 2 * kDay, Level::see_doctor);
    add_checkin(older, kNow - 100, Level::normal);
    // Another client's session is not among them.
    const auto other = store().create_client({0, practice.clinic.id, "Other", ""});
    add_checkin(make_session(practice, other, kNow - kDay), kNow - 50, Level::urgent);

    const auto summaries = store().list_session_summaries(practice.clinic.id, practice.client.id);
    ASSERT_EQ(summaries.size(), 2u);
    EXPECT_EQ(summaries[0].session.id, newer.id);
    EXPECT_EQ(summaries[0].reports, 0);
    EXPECT_FALSE(summaries[0].latest_level);
    EXPECT_FALSE(summaries[0].highest_level);
    EXPECT_FALSE(summaries[0].latest_report_at);
    const auto& earlier = summaries[1];
    EXPECT_EQ(earlier.session.id, older.id);
    EXPECT_EQ(earlier.session.technique, "deep_tissue");
    EXPECT_EQ(earlier.session.started_at, kNow - 3 * kDay);
    EXPECT_EQ(earlier.session.regions, older.regions);
    EXPECT_EQ(earlier.reports, 2);
    EXPECT_EQ(earlier.latest_level, Level::normal);
    EXPECT_EQ(earlier.highest_level, Level::see_doctor);
    EXPECT_EQ(earlier.latest_report_at, kNow - 100);
}

TEST_P(backend, discomfort_shares_group_reports_by_technique_and_pressure) {
    const auto practice = make_practice("shares");
    const auto deep =
        make_session(practice, practice.client, kNow - 3 * kDay, "deep_tissue", "deep");
    const auto light = make_session(practice, practice.client, kNow - 2 * kDay, "swedish", "light");
    const auto firm = make_session(practice, practice.client, kNow - kDay, "deep_tissue", "firm");
    add_checkin(deep, kNow - 3 * kDay + 100, Level::normal, true);
    add_checkin(deep, kNow - 3 * kDay + 200, Level::normal, true);
    add_checkin(deep, kNow - 3 * kDay + 300, Level::normal, false);
    add_checkin(light, kNow - 2 * kDay + 100, Level::normal, false);
    add_checkin(firm, kNow - kDay + 100, Level::normal, true);

    const auto shares = store().discomfort_shares(practice.clinic.id);
    ASSERT_EQ(shares.by_technique.size(), 2u);
    EXPECT_EQ(shares.by_technique[0].key, "deep_tissue");
    EXPECT_EQ(shares.by_technique[0].reports, 4);
    EXPECT_EQ(shares.by_technique[0].with_discomfort, 3);
    EXPECT_DOUBLE_EQ(shares.by_technique[0].share(), 0.75);
    EXPECT_EQ(shares.by_technique[1].key, "swedish");
    EXPECT_EQ(shares.by_technique[1].with_discomfort, 0);
    EXPECT_DOUBLE_EQ(shares.by_technique[1].share(), 0.0);

    ASSERT_EQ(shares.by_pressure.size(), 3u);
    EXPECT_EQ(shares.by_pressure[0].key, "deep");
    EXPECT_EQ(shares.by_pressure[0].reports, 3);
    EXPECT_EQ(shares.by_pressure[0].with_discomfort, 2);
    EXPECT_EQ(shares.by_pressure[1].key, "firm");
    EXPECT_EQ(shares.by_pressure[1].with_discomfort, 1);
    EXPECT_EQ(shares.by_pressure[2].key, "light");
    EXPECT_EQ(shares.by_pressure[2].reports, 1);
}

TEST_P(backend, web_sessions_expire_and_can_be_deleted) {
    const auto practice = make_practice("web");
    store().create_web_session({"cookie-a", practice.therapist.id, "csrf-a", kNow + 3600});
    store().create_web_session({"cookie-b", practice.therapist.id, "csrf-b", kNow - 1});

    const auto found = store().find_web_session("cookie-a", kNow);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->therapist_id, practice.therapist.id);
    EXPECT_EQ(found->csrf_token, "csrf-a");
    EXPECT_EQ(found->expires_at, kNow + 3600);
    EXPECT_FALSE(store().find_web_session("cookie-a", kNow + 3600));  // expired at that moment
    EXPECT_FALSE(store().find_web_session("cookie-b", kNow));

    EXPECT_EQ(store().delete_expired_web_sessions(kNow), 1);
    EXPECT_EQ(store().delete_expired_web_sessions(kNow), 0);
    store().delete_web_session("cookie-a");
    EXPECT_FALSE(store().find_web_session("cookie-a", kNow));
}

TEST_P(backend, login_attempts_are_counted_per_key_within_the_window) {
    const std::vector<tws::LoginLimit> limits{{"a@example.org", 3}, {"address", 5}};
    std::vector<tws::Id> first;
    for (tws::Timestamp i = 0; i < 3; ++i) {
        const auto attempt = store().reserve_login_attempt(limits, kNow - 1000, kNow - 100 * i);
        ASSERT_TRUE(attempt.failure_ids) << "attempt " << i;
        EXPECT_EQ(attempt.failure_ids->size(), 2u);
        if (i == 0) first = *attempt.failure_ids;
    }
    EXPECT_EQ(store().count_login_failures("a@example.org", kNow - 1000), 3);
    EXPECT_EQ(store().count_login_failures("address", kNow - 1000), 3);

    // Over the e-mail's limit: refused, and nothing recorded for either key. The oldest of the
    // three failures holds the limit: the key is free once it leaves the window.
    const auto refused = store().reserve_login_attempt(limits, kNow - 1000, kNow);
    EXPECT_FALSE(refused.failure_ids);
    EXPECT_EQ(refused.blocking_failure_at, kNow - 200);
    EXPECT_EQ(store().count_login_failures("address", kNow - 1000), 3);
    // Of two keys at their limits, the later to free up is named.
    const auto both =
        store().reserve_login_attempt({{"a@example.org", 3}, {"address", 1}}, kNow - 1000, kNow);
    EXPECT_FALSE(both.failure_ids);
    EXPECT_EQ(both.blocking_failure_at, kNow);
    // Failures before the window, or at its start, do not count (the window is (since, at]).
    EXPECT_EQ(store().count_login_failures("a@example.org", kNow - 200), 2);
    EXPECT_TRUE(
        store().reserve_login_attempt({{"a@example.org", 3}}, kNow - 200, kNow).failure_ids);

    // A released attempt (the password was right) no longer counts; other keys keep theirs.
    store().release_login_attempt(first);
    EXPECT_EQ(store().count_login_failures("a@example.org", 0), 3);
    EXPECT_EQ(store().count_login_failures("address", 0), 2);
    store().clear_login_failures("a@example.org");
    EXPECT_EQ(store().count_login_failures("a@example.org", 0), 0);
    EXPECT_EQ(store().count_login_failures("address", 0), 2);
}

TEST_P(backend, parallel_login_attempts_never_pass_the_limit) {
    // Reopened with several connections, so that PostgreSQL runs the attempts side by side.
    store_.reset();
    store_ = tws::open_store(database_->url(), 8);
    constexpr int kLimit = 4;
    constexpr int kThreads = 16;
    std::atomic<int> passed{0};
    std::atomic<int> ready{0};
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                ++ready;
                while (ready.load() < kThreads) std::this_thread::yield();
                if (store().reserve_login_attempt({{"someone", kLimit}}, 0, kNow).failure_ids) {
                    ++passed;
                }
            });
        }
    }
    EXPECT_EQ(passed.load(), kLimit);
    EXPECT_EQ(store().count_login_failures("someone", 0), kLimit);
}

TEST_P(backend, a_transaction_writes_everything_or_nothing) {
    EXPECT_THROW(store().in_transaction([](tws::Store& writing) {
        const auto clinic = writing.create_clinic({0, "half"});
        writing.create_client({0, clinic.id, "first", ""});
        // Reads inside see the transaction's own writes.
        EXPECT_EQ(writing.list_clients(clinic.id).size(), 1u);
        writing.in_transaction([&](tws::Store& nested) {  // joins the open transaction
            nested.create_client({0, clinic.id, "second", ""});
        });
        throw tws::StoreError("failed halfway");
    }),
                 tws::StoreError);
    const auto& url = database_->url();
    EXPECT_EQ(tws::testing::query_directly(url, "SELECT COUNT(*) FROM clinics"), "0");
    EXPECT_EQ(tws::testing::query_directly(url, "SELECT COUNT(*) FROM clients"), "0");

    tws::Id clinic_id = 0;
    store().in_transaction([&](tws::Store& writing) {
        clinic_id = writing.create_clinic({0, "whole"}).id;
        writing.create_client({0, clinic_id, "first", ""});
        writing.create_client({0, clinic_id, "second", ""});
    });
    EXPECT_EQ(store().list_clients(clinic_id).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(, backend, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         [](const auto& info) { return tws::testing::backend_name(info.param); });

TEST(open_store, rejects_an_unknown_sqlite_option) {
    EXPECT_THROW(tws::open_store("sqlite:/tmp/never-created.sqlite3?journal=off"),
                 twitchwatch::InputError);
}

TEST(open_store, rejects_sqlite_without_a_path) {
    for (const char* url : {"sqlite:", "sqlite:?synchronous=full"}) {
        try {
            (void)tws::open_store(url);
            ADD_FAILURE() << url << " opened a database";
        } catch (const twitchwatch::InputError& e) {
            EXPECT_STREQ(e.what(),
                         "--db: sqlite: needs a file path, e.g. sqlite:./data/twitchwatch.sqlite3");
        }
    }
}

TEST(open_store, reports_an_unreachable_postgresql_server) {
    // Port 1 on loopback: nothing listens there.
    EXPECT_THROW(tws::open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"),
                 tws::StoreError);
}

TEST(reports_discomfort, counts_pain_painful_twitching_and_marked_soreness) {
    using nlohmann::json;
    EXPECT_FALSE(tws::reports_discomfort(json{{"hours_since_massage", 3}}));
    EXPECT_FALSE(tws::reports_discomfort(json::parse(
        R"({"hours_since_massage":3,"symptoms":{"pain_0_10":0,"soreness":"mild"},
            "twitching":{"present":true,"painful":false}})")));
    EXPECT_TRUE(tws::reports_discomfort(
        json::parse(R"({"hours_since_massage":3,"symptoms":{"pain_0_10":0.5}})")));
    EXPECT_TRUE(tws::reports_discomfort(
        json::parse(R"({"hours_since_massage":3,"twitching":{"painful":true}})")));
    EXPECT_TRUE(tws::reports_discomfort(
        json::parse(R"({"hours_since_massage":3,"symptoms":{"soreness":"moderate"}})")));
    EXPECT_TRUE(tws::reports_discomfort(
        json::parse(R"({"hours_since_massage":3,"symptoms":{"soreness":"severe"}})")));
}

}  // namespace
