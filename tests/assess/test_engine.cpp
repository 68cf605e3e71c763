// The public API of engine.hpp: parsing and validation of a check-in, loading the knowledge base,
// and the shape of an assessment.
#include "twitchwatch/assess/engine.hpp"

#include <gtest/gtest.h>

#include <string>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::assess {
namespace {

const Engine& engine() {
    static const Engine instance{KnowledgeBase::load(KnowledgeBase::default_dir())};
    return instance;
}

Assessment assess_text(const std::string& text) { return engine().assess(parse_checkin(text)); }

TEST(AssessEngine, UrgentSummaryTellsToCallEmergencyServicesFirst) {
    const auto answer = assess_text(R"({"hours_since_massage": 2, "symptoms": {"fainted": true}})");
    EXPECT_EQ(answer.level, Level::urgent);
    EXPECT_EQ(answer.summary.rfind("Call emergency services", 0), 0u) << answer.summary;
}

}  // namespace
}  // namespace twitchwatch::assess
