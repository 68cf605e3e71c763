// load_demo: the demo clinic, assessed by the real engine, loaded once however often it is called.
#include "twitchwatch/store/demo.hpp"

#include <gtest/gtest.h>

#include <set>

#include "backends.hpp"

namespace tws = twitchwatch::store;
namespace assess = twitchwatch::assess;
using tws::testing::Backend;

namespace {

constexpr tws::Timestamp kNow = 1'780'000'000;
constexpr tws::Timestamp kDay = tws::Timestamp{24} * 3600;

std::string fake_hash(const std::string& password) { return "hashed:" + password; }

class DemoTest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        if (GetParam() == Backend::postgresql && !tws::testing::postgres_server_url()) {
            GTEST_SKIP() << "TW_PG_URL_FILE not set: run through ctest to get a PostgreSQL server";
        }
        database_ = std::make_unique<tws::testing::ScratchDatabase>(GetParam());
        store_ = tws::open_store(database_->url());
    }
    void TearDown() override {
        store_.reset();
        database_.reset();
    }

    static const assess::Engine& engine() {
        static const assess::Engine engine(assess::KnowledgeBase::load(TW_KNOWLEDGE_DIR));
        return engine;
    }

    std::unique_ptr<tws::testing::ScratchDatabase> database_;
    std::unique_ptr<tws::Store> store_;
};

// Lower case: the ctest names read store.demo.<what>/<database>.
using demo = DemoTest;

TEST_P(demo, loads_a_clinic_with_assessed_reports_and_a_red_flag) {
    const auto login = tws::load_demo(*store_, engine(), fake_hash, kNow);
    EXPECT_TRUE(login.created);
    EXPECT_FALSE(login.password.empty());

    const auto therapist = store_->find_therapist_by_email(login.email);
    ASSERT_TRUE(therapist);
    EXPECT_EQ(therapist->password_hash, fake_hash(login.password));
    EXPECT_EQ(therapist->clinic_id, login.clinic_id);

    const auto clients = store_->list_clients(login.clinic_id);
    EXPECT_GE(clients.size(), 4u);
    EXPECT_LE(clients.size(), 5u);

    // Every session is open aftercare within the last week; reports span several days.
    const auto rows = store_->dashboard(login.clinic_id, kNow - 7 * kDay);
    ASSERT_EQ(rows.size(), clients.size());
    ASSERT_TRUE(rows.front().highest_level);
    EXPECT_GE(*rows.front().highest_level, assess::Level::see_doctor) << "no red flag first";
    int red_flags = 0;
    std::set<tws::Timestamp> report_days;
    for (const auto& row : rows) {
        if (row.highest_level && *row.highest_level >= assess::Level::see_doctor) ++red_flags;
        for (const auto& item : store_->list_checkins(login.clinic_id, row.session_id)) {
            ASSERT_TRUE(item.assessment);
            // Stored with the version of the knowledge base that made it, and the engine's answer.
            EXPECT_EQ(item.assessment->knowledge_version, engine().knowledge().version());
            const auto checkin = assess::parse_checkin(item.checkin.document);
            const auto again = engine().assess(checkin);
            EXPECT_EQ(item.assessment->level, again.level);
            EXPECT_EQ(nlohmann::json::parse(item.assessment->output), again.to_json());
            EXPECT_LE(item.checkin.received_at, kNow);
            report_days.insert(item.checkin.received_at / kDay);
        }
    }
    EXPECT_EQ(red_flags, 1);
    EXPECT_GE(report_days.size(), 3u);
}

TEST_P(demo, each_report_is_received_the_hours_it_gives_after_its_session_began) {
    // As the service computes a real check-in's hours: they were the session's minutes short of
    // the time between the session's start ("Massage ended") and the report's arrival.
    const auto login = tws::load_demo(*store_, engine(), fake_hash, kNow);
    std::size_t reports = 0;
    for (const auto& client : store_->list_clients(login.clinic_id)) {
        for (const auto& session : store_->list_sessions(login.clinic_id, client.id)) {
            for (const auto& item : store_->list_checkins(login.clinic_id, session.id)) {
                EXPECT_DOUBLE_EQ(double(item.checkin.received_at - session.started_at) / 3600,
                                 item.checkin.hours_since_massage)
                    << client.name;
                ++reports;
            }
        }
    }
    EXPECT_GE(reports, 5u);
}

TEST_P(demo, loading_twice_adds_nothing) {
    const auto first = tws::load_demo(*store_, engine(), fake_hash, kNow);
    const auto clients = store_->list_clients(first.clinic_id).size();
    const auto rows = store_->dashboard(first.clinic_id, 0);
    const auto second = tws::load_demo(*store_, engine(), fake_hash, kNow + 3600);
    EXPECT_FALSE(second.created);
    EXPECT_EQ(second.clinic_id, first.clinic_id);
    EXPECT_EQ(second.email, first.email);
    EXPECT_EQ(store_->list_clients(first.clinic_id).size(), clients);
    const auto rows_again = store_->dashboard(first.clinic_id, 0);
    ASSERT_EQ(rows_again.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows_again[i].reports, rows[i].reports);
    }
    // No second clinic either: the next clinic id is the first one after the demo's.
    EXPECT_EQ(store_->create_clinic({0, "next"}).id, first.clinic_id + 1);
}

TEST_P(demo, a_failure_halfway_leaves_nothing_of_the_demo) {
    // The database refuses the fourth client, after three clients with their sessions and
    // reports went in (a trigger: a failure of the real write path, on each backend).
    const auto& url = database_->url();
    if (GetParam() == Backend::sqlite) {
        tws::testing::query_directly(url,
                                     "CREATE TRIGGER refuse_fourth_client BEFORE INSERT ON clients "
                                     "WHEN (SELECT COUNT(*) FROM clients) >= 3 "
                                     "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    } else {
        tws::testing::query_directly(
            url,
            "CREATE FUNCTION refuse_fourth_client() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF (SELECT COUNT(*) FROM clients) >= 3 THEN "
            "RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; "
            "CREATE TRIGGER refuse_fourth_client BEFORE INSERT ON clients "
            "FOR EACH ROW EXECUTE FUNCTION refuse_fourth_client()");
    }
    EXPECT_THROW(tws::load_demo(*store_, engine(), fake_hash, kNow), tws::StoreError);
    for (const char* table :
         {"clinics", "therapists", "clients", "sessions", "checkins", "assessments"}) {
        EXPECT_EQ(tws::testing::query_directly(url, std::string("SELECT COUNT(*) FROM ") + table),
                  "0")
            << table;
    }

    // Once the database accepts it, the whole demo loads (nothing half-made is in the way).
    tws::testing::query_directly(url, GetParam() == Backend::sqlite
                                          ? "DROP TRIGGER refuse_fourth_client"
                                          : "DROP TRIGGER refuse_fourth_client ON clients");
    const auto login = tws::load_demo(*store_, engine(), fake_hash, kNow);
    EXPECT_TRUE(login.created);
    EXPECT_EQ(store_->list_clients(login.clinic_id).size(), 5u);
    EXPECT_EQ(tws::testing::query_directly(url, "SELECT COUNT(*) FROM clinics"), "1");
}

INSTANTIATE_TEST_SUITE_P(, demo, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         [](const auto& info) { return tws::testing::backend_name(info.param); });

}  // namespace
