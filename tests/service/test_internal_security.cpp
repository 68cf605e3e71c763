// Password hashes, tokens and digests.
#include <gtest/gtest.h>

#include <set>

#include "security.hpp"

namespace twitchwatch::service {
namespace {

TEST(service, password_hash_is_argon2id_and_verifies_only_the_password) {
    init_crypto();
    const auto hash = hash_password("correct horse");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
    EXPECT_TRUE(verify_password(hash, "correct horse"));
    EXPECT_FALSE(verify_password(hash, "correct horsf"));
    EXPECT_NE(hash, hash_password("correct horse")) << "each hash has its own salt";
}

TEST(service, tokens_are_43_url_safe_characters_and_differ) {
    init_crypto();
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto token = random_token();
        EXPECT_EQ(token.size(), 43u);
        EXPECT_EQ(token.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST(service, token_digest_is_sha256_hex) {
    init_crypto();
    // SHA-256("abc") from FIPS 180-2, appendix B.1.
    EXPECT_EQ(token_digest("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(service, tokens_equal_compares_whole_tokens) {
    EXPECT_TRUE(tokens_equal("abc", "abc"));
    EXPECT_FALSE(tokens_equal("abc", "abd"));
    EXPECT_FALSE(tokens_equal("abc", "abcd"));
    EXPECT_FALSE(tokens_equal("", "")) << "an empty token never matches";
}

}  // namespace
}  // namespace twitchwatch::service
