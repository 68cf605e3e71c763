#pragma once
// Public API of the assessment pillar: parse a check-in, load the knowledge base, assess.
//
// This is the stable surface the CLI and the service use; everything else under src/assess may
// change freely.

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace twitchwatch::assess {

enum class Level { normal = 0, tell_therapist = 1, see_doctor = 2, urgent = 3 };

std::string_view to_string(Level level);

// A validated check-in (../shared/contracts/checkin.schema.json). It keeps the document as given;
// a field that is absent means "not reported", never "no".
struct CheckIn {
    nlohmann::json document;
};

// Parses and validates one check-in. Throws twitchwatch::InputError with a one-line message that
// names the field (for example "symptoms.pain_0_10: 11 is above the maximum 10").
CheckIn parse_checkin(std::string_view json_text);
CheckIn validate_checkin(const nlohmann::json& document);

// The latest time a check-in can report, in hours since the massage: the contract's maximum of
// hours_since_massage (a year). Callers that compute the hours themselves clamp to it.
double max_hours_since_massage();

struct Assessment {
    Level level = Level::normal;
    std::string summary;            // at most 140 characters
    nlohmann::json causes;          // [{id, label, why}]
    nlohmann::json advice;          // [string | {id, text, source}]
    nlohmann::json course;          // {text, ...}
    nlohmann::json benefits;        // [..]
    nlohmann::json reasons;         // [{rule, level, text, source}]
    nlohmann::json findings;        // [id]: the knowledge base's findings that hold
    std::string knowledge_version;  // the knowledge base that made this answer
    std::string disclaimer;         // every answer: it does not replace a professional
    double hours_since_massage = 0;

    // The output documented in docs/assess-output.md.
    nlohmann::json to_json() const;
};

// The knowledge base in knowledge/: rules, thresholds, causes, advice and topics, read at start.
class KnowledgeBase {
  public:
    // A folder of its files (a clinic's edited copy). Throws twitchwatch::InputError naming the
    // file, the entry and the problem.
    static KnowledgeBase load(const std::filesystem::path& dir);
    // The one this build carries: knowledge/ as it was when built (and tested).
    static KnowledgeBase built_in();
    // The folder in TWITCHWATCH_KNOWLEDGE when it is set, else the built-in one.
    static KnowledgeBase load_default();

    const std::string& version() const;
    const std::string& origin() const;  // the folder it was read from, or "built in"

    // A rule as a reader meets it: its text with the thresholds filled in.
    struct RuleText {
        std::string id;
        Level level = Level::normal;
        std::string text;
    };
    std::vector<RuleText> rule_texts() const;  // every rule, in the order of rules.toml
    nlohmann::json to_json() const;            // the whole knowledge base

    ~KnowledgeBase();
    KnowledgeBase(KnowledgeBase&&) noexcept;
    KnowledgeBase& operator=(KnowledgeBase&&) noexcept;

    struct Data;
    const Data& data() const { return *data_; }

  private:
    explicit KnowledgeBase(std::unique_ptr<Data> data);
    std::unique_ptr<Data> data_;
};

// Deterministic and thread-safe: one Engine serves every request of the service.
class Engine {
  public:
    explicit Engine(KnowledgeBase knowledge);
    Assessment assess(const CheckIn& checkin) const;
    const KnowledgeBase& knowledge() const { return knowledge_; }

  private:
    KnowledgeBase knowledge_;
};

}  // namespace twitchwatch::assess
