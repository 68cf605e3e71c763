// The store's share of a check-in: add_checkin_with_assessment (two inserts, one durable
// transaction) from 1 and 4 threads, on SQLite with synchronous=normal and =full, and on
// PostgreSQL when TW_BENCH_PG_URL names a database (e.g. from scripts/pg-test-server).
//   build/release/bench/service/bench_store_checkin
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "twitchwatch/store/store.hpp"

namespace tws = twitchwatch::store;

namespace {

// One store and one session per URL, shared by the benchmark's threads.
struct Target {
    std::unique_ptr<tws::Store> store;
    tws::Id session_id = 0;
};

Target& target_for(const std::string& url) {
    static std::mutex mutex;
    static std::map<std::string, Target> targets;
    std::lock_guard lock(mutex);
    auto& target = targets[url];
    if (!target.store) {
        target.store = tws::open_store(url);
        const auto clinic = target.store->create_clinic({0, "bench"});
        const auto therapist = target.store->create_therapist(
            {0, clinic.id, "bench" + std::to_string(clinic.id) + "@example.org", "x", "bench"});
        const auto client = target.store->create_client({0, clinic.id, "bench client", ""});
        tws::Session session;
        session.clinic_id = clinic.id;
        session.client_id = client.id;
        session.therapist_id = therapist.id;
        session.technique = "deep_tissue";
        session.pressure = "firm";
        target.session_id = target.store->create_session(session).id;
    }
    return target;
}

std::string sqlite_url(const char* options) {
    static const auto folder = [] {
        auto path = std::filesystem::temp_directory_path() / "twitchwatch-bench-store";
        std::filesystem::remove_all(path);
        return path;
    }();
    return "sqlite:" + (folder / (std::string(options) + ".sqlite3")).string() + "?" + options;
}

void add_checkins(benchmark::State& state, const std::string& url) {
    Target& target = target_for(url);
    // Sizes like the service's: a check-in document and the engine's answer.
    const std::string document(600, 'd');
    const std::string output(3000, 'o');
    for (auto _ : state) {
        benchmark::DoNotOptimize(target.store->add_checkin_with_assessment(
            {0, target.session_id, 1'780'000'000, 20.5, true, document},
            {0, twitchwatch::assess::Level::normal, output, "bench-knowledge"}));
    }
    state.SetItemsProcessed(state.iterations());
}

void register_all() {
    for (const char* options : {"synchronous=normal", "synchronous=full"}) {
        const std::string url = sqlite_url(options);
        benchmark::RegisterBenchmark((std::string("add_checkin/sqlite_") + options).c_str(),
                                     [url](benchmark::State& state) { add_checkins(state, url); })
            ->Threads(1)
            ->Threads(4)
            ->UseRealTime();
    }
    if (const char* pg = std::getenv("TW_BENCH_PG_URL"); pg != nullptr && *pg != '\0') {
        const std::string url = pg;
        benchmark::RegisterBenchmark("add_checkin/postgresql",
                                     [url](benchmark::State& state) { add_checkins(state, url); })
            ->Threads(1)
            ->Threads(4)
            ->UseRealTime();
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
