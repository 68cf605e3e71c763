// Demo clinic for `twitchwatch serve --demo`: five clients whose stories cover the dashboard's
// cases (a red flag, painful twitching after deep work that fades, a calm relaxed client, a client
// with no report yet), every report assessed by the real engine.
#include "twitchwatch/store/demo.hpp"

#include <nlohmann/json.hpp>

namespace twitchwatch::store {
namespace {

constexpr const char* kDemoEmail = "demo@twitchwatch.example";
constexpr const char* kDemoPassword = "twitchwatch-demo";
constexpr Timestamp kHour = 3600;

struct DemoReport {
    double hours_since_massage;
    nlohmann::json answers;  // everything but hours_since_massage and massage
};

struct DemoClient {
    const char* name;
    const char* note;
    double hours_ago;  // when the session started, before now
    const char* technique;
    const char* pressure;
    double minutes;
    std::vector<std::string> regions;
    bool knots_worked;
    const char* notes;
    std::vector<DemoReport> reports;
};

std::vector<DemoClient> demo_clients() {
    using nlohmann::json;
    return {
        {"Maria K.",
         "Runner, calf tightness",
         80,
         "deep_tissue",
         "deep",
         60,
         {"left_calf"},
         true,
         "Worked two knots in the left calf.",
         {{6, json{{"twitching",
                    {{"present", true},
                     {"regions", {"left_calf"}},
                     {"painful", true},
                     {"episodes_per_day", 12},
                     {"episode_seconds", 5}}},
                   {"symptoms", {{"pain_0_10", 4}, {"soreness", "moderate"}}}}},
          {30, json{{"twitching",
                     {{"present", true},
                      {"regions", {"left_calf"}},
                      {"painful", true},
                      {"episodes_per_day", 6},
                      {"trend", "better"}}},
                    {"symptoms", {{"pain_0_10", 2}, {"soreness", "mild"}}}}},
          {54,
           json{{"twitching", {{"present", true}, {"episodes_per_day", 2}, {"trend", "better"}}},
                {"symptoms", {{"pain_0_10", 0}, {"soreness", "none"}}}}},
          {76,
           json{{"twitching", {{"present", true}, {"episodes_per_day", 1}, {"trend", "better"}}},
                {"symptoms", {{"pain_0_10", 0}, {"soreness", "none"}}}}}}},
        {"Jonas P.",
         "Plays football twice a week",
         50,
         "sports",
         "firm",
         45,
         {"right_thigh"},
         false,
         "Firm work on the quadriceps.",
         {{20, json{{"twitching",
                     {{"present", true},
                      {"regions", {"right_thigh"}},
                      {"episodes_per_day", 25},
                      {"trend", "same"}}},
                    {"symptoms", {{"pain_0_10", 3}}}}},
          {44, json{{"twitching",
                     {{"present", true},
                      {"regions", {"right_thigh"}},
                      {"episodes_per_day", 40},
                      {"trend", "worse"}}},
                    {"symptoms", {{"pain_0_10", 3}, {"weakness", true}}}}}}},
        {"Lena S.",
         "",
         26,
         "swedish",
         "light",
         60,
         {"back", "shoulders"},
         false,
         "",
         {{12, json{{"twitching", {{"present", false}}},
                    {"symptoms", {{"pain_0_10", 0}, {"relaxed", true}}},
                    {"context", {{"sleep_hours", 8}}}}}}},
        {"Tom R.",
         "Desk work, stiff neck",
         100,
         "trigger_point",
         "medium",
         30,
         {"neck"},
         true,
         "Trigger points in the upper trapezius.",
         {{4, json{{"twitching",
                    {{"present", true},
                     {"regions", {"neck"}},
                     {"episodes_per_day", 5},
                     {"painful", false}}},
                   {"symptoms", {{"pain_0_10", 2}}},
                   {"context", {{"caffeine_drinks_24h", 4}, {"sleep_hours", 5}}}}},
          {28,
           json{{"twitching", {{"present", true}, {"episodes_per_day", 3}, {"trend", "better"}}},
                {"symptoms", {{"soreness", "mild"}}}}},
          {76, json{{"twitching", {{"present", false}}}}}}},
        {"Sara M.",
         "First visit",
         5,
         "myofascial_release",
         "firm",
         50,
         {"lower_back"},
         false,
         "",
         {}},
    };
}

// Everything of the demo clinic, written through `store` (inside load_demo's transaction).
// Returns the clinic id.
Id add_demo_clinic(Store& store, const assess::Engine& engine, const std::string& password_hash,
                   Timestamp now) {
    const Clinic clinic = store.create_clinic({0, "Demo massage clinic"});
    const Therapist therapist =
        store.create_therapist({0, clinic.id, kDemoEmail, password_hash, "Alex Demo"});
    for (const DemoClient& demo : demo_clients()) {
        const Client client = store.create_client({0, clinic.id, demo.name, demo.note});
        Session session;
        session.clinic_id = clinic.id;
        session.client_id = client.id;
        session.therapist_id = therapist.id;
        session.started_at = now - Timestamp(demo.hours_ago * kHour);
        session.technique = demo.technique;
        session.pressure = demo.pressure;
        session.minutes = demo.minutes;
        session.regions = demo.regions;
        session.knots_worked = demo.knots_worked;
        session.notes = demo.notes;
        session = store.create_session(session);

        for (const DemoReport& report : demo.reports) {
            nlohmann::json document = report.answers;
            document["hours_since_massage"] = report.hours_since_massage;
            document["massage"] = {{"technique", session.technique},
                                   {"pressure", session.pressure},
                                   {"minutes", session.minutes},
                                   {"regions", session.regions},
                                   {"knots_worked", session.knots_worked}};
            const assess::CheckIn checkin = assess::validate_checkin(document);
            const assess::Assessment assessment = engine.assess(checkin);
            CheckinRecord record;
            record.session_id = session.id;
            // The service counts a check-in's hours from the session's start (when the massage
            // ended, as the pages say): a demo report arrives as many hours after it as it says.
            record.received_at = session.started_at + Timestamp(report.hours_since_massage * kHour);
            record.hours_since_massage = report.hours_since_massage;
            record.discomfort = reports_discomfort(checkin.document);
            record.document = checkin.document.dump();
            store.add_checkin_with_assessment(
                record,
                {0, assessment.level, assessment.to_json().dump(), assessment.knowledge_version});
        }
    }
    return clinic.id;
}

}  // namespace

DemoLogin load_demo(Store& store, const assess::Engine& engine,
                    const std::function<std::string(const std::string&)>& hash_password,
                    Timestamp now) {
    DemoLogin login{kDemoEmail, kDemoPassword, 0, false};
    const auto loaded_before = [&] {
        if (const auto existing = store.find_therapist_by_email(kDemoEmail)) {
            login.clinic_id = existing->clinic_id;
            return true;
        }
        return false;
    };
    if (loaded_before()) return login;
    // Hashed before the transaction: Argon2id is slow, and SQLite's writers would wait for it.
    const std::string password_hash = hash_password(kDemoPassword);
    try {
        store.in_transaction([&](Store& writing) {
            if (loaded_before()) return;
            login.clinic_id = add_demo_clinic(writing, engine, password_hash, now);
            login.created = true;
        });
    } catch (const Conflict&) {
        // Another server instance on the same database loaded the demo at the same moment; ours
        // was rolled back as a whole.
        login.created = false;
        if (!loaded_before()) throw;
    }
    return login;
}

}  // namespace twitchwatch::store
