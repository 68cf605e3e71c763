#pragma once
// The rules for the text a person types into the service: names, notes, e-mails and passwords.
// One definition for the HTTP API (server.cpp, which names the JSON field) and for the
// `twitchwatch therapist` commands (accounts.cpp, which names the option), so a name refused by
// one is refused by the other.

#include <cstddef>
#include <optional>
#include <string>

namespace twitchwatch::service::detail {

// Longest values, in Unicode code points (openapi.yaml's maxLength counts them so).
inline constexpr std::size_t kMaxNameLength = 200;
inline constexpr std::size_t kMaxNoteLength = 4000;
inline constexpr std::size_t kMaxEmailLength = 254;  // RFC 5321's longest forward path
inline constexpr std::size_t kMaxPasswordLength = 1024;
// Shortest password for a new account: NIST SP 800-63B asks for at least 8; 10 leaves a margin
// for passwords chosen by people rather than generated.
inline constexpr std::size_t kMinPasswordLength = 10;

// Names are shown on one line and notes as paragraphs: neither takes control characters (notes
// take line breaks and tabs). A secret (password) is taken as typed.
enum class Text { name, note, secret };
enum class Presence { optional, required };

// What is wrong with a value (valid UTF-8), as the words after the field's name ("is longer
// than 200 characters"), or nothing. A required value must not be empty, and a name or note not
// only spaces or invisible characters.
std::optional<std::string> text_problem(const std::string& utf8, std::size_t max_length, Text kind,
                                        Presence presence);

// For a new account's e-mail (login keeps accepting any name-like text, so that an old account
// still signs in): text_problem's rules for a name, no spaces, and one "@" with text on each
// side. The mail system checks the rest.
std::optional<std::string> new_email_problem(const std::string& utf8);

// For a new password: kMinPasswordLength to kMaxPasswordLength characters.
std::optional<std::string> new_password_problem(const std::string& utf8);

}  // namespace twitchwatch::service::detail
