#pragma once
// The engine over the built-in knowledge base (the repository's knowledge/ at build time), loaded
// once and shared by every test of the assessment test executable (loading it for each test would
// dominate the run time).

#include "twitchwatch/assess/engine.hpp"

namespace twitchwatch::assess::test_support {

inline const Engine& default_engine() {
    static const Engine instance{KnowledgeBase::built_in()};
    return instance;
}

}  // namespace twitchwatch::assess::test_support
