#pragma once
// The engine over the repository's knowledge base, loaded once and shared by every test of the
// assessment test executable (loading it for each test would dominate the run time).

#include "twitchwatch/assess/engine.hpp"

namespace twitchwatch::assess::test_support {

inline const Engine& default_engine() {
    static const Engine instance{KnowledgeBase::load(KnowledgeBase::default_dir())};
    return instance;
}

}  // namespace twitchwatch::assess::test_support
