// libFuzzer target: any bytes into parse_checkin. A bad check-in must end as an InputError (one
// line); an accepted one must survive a round trip and an assessment. Anything else - another
// exception, a crash, a sanitizer report - is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "twitchwatch/assess/engine.hpp"
#include "twitchwatch/errors.hpp"

namespace {

const twitchwatch::assess::Engine& engine() {
    static const twitchwatch::assess::Engine instance{
        twitchwatch::assess::KnowledgeBase::built_in()};
    return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto checkin = twitchwatch::assess::parse_checkin(text);
        // What was accepted once is accepted again after serialisation.
        const auto again = twitchwatch::assess::parse_checkin(checkin.document.dump());
        const auto answer = engine().assess(again);
        if (answer.summary.empty() || answer.summary.size() > 4 * 140) std::abort();
    } catch (const twitchwatch::InputError& e) {
        if (std::string_view(e.what()).find('\n') != std::string_view::npos) std::abort();
    }
    return 0;
}
