#include "text_fields.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

namespace twitchwatch::service::detail {
namespace {

// The code points of valid UTF-8 (the caller has checked it): lengths are counted in them, not
// in bytes.
std::vector<char32_t> code_points_of(const std::string& utf8) {
    std::vector<char32_t> points;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        char32_t point = length == 1 ? lead : lead & (0x7F >> length);
        for (std::size_t k = 1; k < length && i + k < utf8.size(); ++k) {
            point = (point << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
        }
        points.push_back(point);
        i += length;
    }
    return points;
}

// Characters that show as nothing: a name made only of these would be an empty line on the
// therapist's page. Unicode's White_Space and Default_Ignorable_Code_Point properties (spaces of
// every width, zero-width characters and joiners, directional marks, the soft hyphen, variation
// selectors, the byte order mark, Hangul fillers, tags), plus the braille pattern blank, which
// neither property lists but every font draws empty. Ranges are inclusive, in code point order.
struct CodePointRange {
    char32_t first;
    char32_t last;
};
constexpr CodePointRange kInvisible[] = {
    {0x0009, 0x000D}, {0x0020, 0x0020},   {0x0085, 0x0085},   {0x00A0, 0x00A0},   {0x00AD, 0x00AD},
    {0x034F, 0x034F}, {0x061C, 0x061C},   {0x115F, 0x1160},   {0x1680, 0x1680},   {0x17B4, 0x17B5},
    {0x180B, 0x180F}, {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x206F},   {0x2800, 0x2800},
    {0x3000, 0x3000}, {0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},
    {0xFFF0, 0xFFF8}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};
static_assert(std::adjacent_find(std::begin(kInvisible), std::end(kInvisible),
                                 [](const CodePointRange& a, const CodePointRange& b) {
                                     return a.last >= b.first;
                                 }) == std::end(kInvisible),
              "kInvisible: ranges in order, none overlapping (is_invisible searches it)");

bool is_invisible(char32_t c) {
    const auto after = std::upper_bound(
        std::begin(kInvisible), std::end(kInvisible), c,
        [](char32_t value, const CodePointRange& range) { return value < range.first; });
    return after != std::begin(kInvisible) && c <= std::prev(after)->last;
}

}  // namespace

std::optional<std::string> text_problem(const std::string& utf8, std::size_t max_length, Text kind,
                                        Presence presence) {
    const auto characters = code_points_of(utf8);
    if (characters.size() > max_length) {
        return "is longer than " + std::to_string(max_length) + " characters";
    }
    if (kind != Text::secret) {
        for (const char32_t c : characters) {
            const bool line_break = kind == Text::note && (c == '\n' || c == '\r' || c == '\t');
            // C0 and C1 controls, and the bidirectional overrides and isolates that make a name
            // read backwards on the therapist's page (U+202A-U+202E, U+2066-U+2069).
            const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
            const bool bidi = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
            if ((control && !line_break) || bidi) return "must not contain control characters";
        }
    }
    if (presence == Presence::optional) return std::nullopt;
    if (characters.empty()) return "must not be empty";
    if (kind != Text::secret && std::all_of(characters.begin(), characters.end(), is_invisible)) {
        return "must not be only spaces or invisible characters";
    }
    return std::nullopt;
}

std::optional<std::string> new_email_problem(const std::string& utf8) {
    if (auto problem = text_problem(utf8, kMaxEmailLength, Text::name, Presence::required)) {
        return problem;
    }
    const auto characters = code_points_of(utf8);
    if (std::any_of(characters.begin(), characters.end(), is_invisible)) {
        return "must not contain spaces";
    }
    const auto at = utf8.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == utf8.size()) {
        return "must be an e-mail address like name@example.org";
    }
    return std::nullopt;
}

std::optional<std::string> new_password_problem(const std::string& utf8) {
    if (code_points_of(utf8).size() < kMinPasswordLength) {
        return "must be at least " + std::to_string(kMinPasswordLength) + " characters long";
    }
    return text_problem(utf8, kMaxPasswordLength, Text::secret, Presence::required);
}

}  // namespace twitchwatch::service::detail
