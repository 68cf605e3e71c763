// The rules for typed text shared by the API and `twitchwatch therapist` (text_fields.hpp).
#include <gtest/gtest.h>

#include "text_fields.hpp"

namespace twitchwatch::service::detail {
namespace {

TEST(service, text_rules_count_characters_and_refuse_controls_and_invisible_names) {
    EXPECT_FALSE(text_problem("Zo\u00eb", 3, Text::name, Presence::required))
        << "3 characters in 4 bytes fit a limit of 3";
    EXPECT_EQ(text_problem("Zoey", 3, Text::name, Presence::required),
              "is longer than 3 characters");
    EXPECT_EQ(text_problem("a\tb", 10, Text::name, Presence::required),
              "must not contain control characters");
    EXPECT_FALSE(text_problem("a\tb", 10, Text::note, Presence::required));
    EXPECT_FALSE(text_problem("", 10, Text::note, Presence::optional));
    EXPECT_EQ(text_problem("", 10, Text::name, Presence::required), "must not be empty");
    EXPECT_EQ(text_problem("\u200b\u3164", 10, Text::name, Presence::required),
              "must not be only spaces or invisible characters");
    EXPECT_FALSE(text_problem("   ", 10, Text::secret, Presence::required))
        << "a password is taken as typed";
}

TEST(service, a_new_email_needs_text_on_both_sides_of_an_at_sign_and_no_spaces) {
    EXPECT_FALSE(new_email_problem("anna.berg@praxis-nord.example"));
    EXPECT_FALSE(new_email_problem("\"odd@local\"@example.org")) << "the last @ splits";
    for (const char* bad :
         {"anna", "@example.org", "anna@", "anna berg@example.org", "anna@example.org\u00a0", ""}) {
        EXPECT_TRUE(new_email_problem(bad)) << bad;
    }
    EXPECT_EQ(new_email_problem(std::string(250, 'a') + "@x.org"), "is longer than 254 characters");
}

TEST(service, a_new_password_has_10_to_1024_characters) {
    EXPECT_EQ(new_password_problem("123456789"), "must be at least 10 characters long");
    EXPECT_FALSE(new_password_problem("1234567890"));
    EXPECT_EQ(new_password_problem("\u00e4\u00e4\u00e4\u00e4\u00e4"),
              "must be at least 10 characters long")
        << "10 bytes, but 5 characters";
    EXPECT_FALSE(new_password_problem(std::string(1024, 'x')));
    EXPECT_EQ(new_password_problem(std::string(1025, 'x')), "is longer than 1024 characters");
}

}  // namespace
}  // namespace twitchwatch::service::detail
