// How many check-ins one core parses and assesses per second. The check-ins are a small mix, from
// the smallest document to one that fills every field and fires many rules.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "twitchwatch/assess/engine.hpp"

namespace {

using twitchwatch::assess::Engine;
using twitchwatch::assess::KnowledgeBase;

const std::vector<std::string>& checkins() {
    static const std::vector<std::string> texts = {
        R"({"hours_since_massage": 6})",
        R"({"hours_since_massage": 20, "massage": {"technique": "swedish", "pressure": "medium",
            "minutes": 60}, "twitching": {"present": true, "regions": ["calf"]},
            "symptoms": {"relaxed": true}, "context": {"water_liters_24h": 2, "sleep_hours": 7}})",
        R"({"hours_since_massage": 30, "massage": {"technique": "deep_tissue", "pressure": "deep",
            "minutes": 90, "regions": ["back", "neck"], "knots_worked": true},
            "twitching": {"present": true, "painful": true, "episodes_per_day": 12,
            "episode_seconds": 4, "trend": "same"}, "symptoms": {"pain_0_10": 5,
            "soreness": "severe", "bruising": true}, "context": {"water_liters_24h": 1,
            "sleep_hours": 5, "stress_0_10": 8, "caffeine_drinks_24h": 5,
            "medications": ["ibuprofen"]}})",
        R"({"hours_since_massage": 200, "twitching": {"present": true, "trend": "worse",
            "painful": true}, "symptoms": {"weakness": true, "numbness": true, "pain_0_10": 8},
            "context": {"neuromuscular_disease": true, "anxiety": true}})",
        R"({"hours_since_massage": 2, "symptoms": {"fainted": true, "dizziness": true,
            "nausea": true}})",
    };
    return texts;
}

const Engine& engine() {
    static const Engine instance{KnowledgeBase::load(TW_SOURCE_DIR "/knowledge")};
    return instance;
}

void BM_ParseCheckin(benchmark::State& state) {
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            twitchwatch::assess::parse_checkin(checkins()[i++ % checkins().size()]));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseCheckin);

void BM_Assess(benchmark::State& state) {
    std::vector<twitchwatch::assess::CheckIn> parsed;
    for (const auto& text : checkins()) parsed.push_back(twitchwatch::assess::parse_checkin(text));
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(engine().assess(parsed[i++ % parsed.size()]));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Assess);

// The figure the issue asks for: text in, assessment out.
void BM_ParseAndAssess(benchmark::State& state) {
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(engine().assess(
            twitchwatch::assess::parse_checkin(checkins()[i++ % checkins().size()])));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndAssess);

// What `assess --json` and the service do: text in, JSON text out.
void BM_ParseAssessAndWriteJson(benchmark::State& state) {
    std::size_t i = 0;
    for (auto _ : state) {
        const auto answer = engine().assess(
            twitchwatch::assess::parse_checkin(checkins()[i++ % checkins().size()]));
        benchmark::DoNotOptimize(answer.to_json().dump());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAssessAndWriteJson);

void BM_LoadKnowledge(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(KnowledgeBase::load(TW_SOURCE_DIR "/knowledge"));
    }
}
BENCHMARK(BM_LoadKnowledge)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
