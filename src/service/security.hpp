#pragma once
// Secrets of the service: password hashes, random tokens and token digests.

#include <string>
#include <string_view>

namespace twitchwatch::service {

// Calls sodium_init() once; throws std::runtime_error if libsodium cannot start.
void init_crypto();

// Argon2id (libsodium crypto_pwhash_str, interactive limits): the encoded string carries its
// own salt and parameters.
std::string hash_password(std::string_view password);
bool verify_password(const std::string& encoded_hash, std::string_view password);
// Spends the same work as a real verification, so an unknown e-mail answers as slowly as a
// wrong password and response times do not reveal which accounts exist.
void verify_password_against_dummy(std::string_view password);

// 32 random bytes, base64url without padding (43 characters): session and link tokens.
std::string random_token();
// What the database keeps instead of a token: hex SHA-256. A stolen database copy does not
// give working links or sessions.
std::string token_digest(std::string_view token);
// Constant-time comparison for tokens (CSRF).
bool tokens_equal(std::string_view a, std::string_view b);

}  // namespace twitchwatch::service
