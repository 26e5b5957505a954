// Passwords and device tokens.
//
// Passwords are stored as Argon2id strings (libsodium crypto_pwhash_str, interactive
// limits). A device token is 32 random bytes; the server stores only its SHA-256, so a copy
// of the database does not let anyone act as a device. Tokens travel as lower-case hex in
// the metadata "authorization: Bearer <hex>".
#pragma once

#include <string>
#include <string_view>

#include "core/hex.h"  // ToHex, FromHex: tokens travel as hex

#include "core/status.h"

namespace homevisit::server {

// Initialises libsodium; call once before anything below (idempotent, thread-safe).
Status InitCrypto();

inline constexpr size_t kMinPasswordBytes = 8;
inline constexpr size_t kMaxPasswordBytes = 256;

// kInteractive: libsodium's interactive limits (64 MiB, about 0.3 s here), for real accounts.
// kMinimum: the same Argon2id at libsodium's minimum cost, for test fixtures only, where the
// cost of hashing is not what is tested. Verification honours whatever the hash string says.
enum class PasswordCost { kInteractive, kMinimum };

// Argon2id of `password`; InvalidArgument for a password outside the length limits.
Result<std::string> HashPassword(std::string_view password,
                                 PasswordCost cost = PasswordCost::kInteractive);
// True if `password` matches `hash`. Costs one Argon2id evaluation (about 64 MiB, tenths of a
// second): callers bound how many run at once.
bool VerifyPassword(const std::string& hash, std::string_view password);

inline constexpr size_t kTokenBytes = 32;
std::string NewToken();                        // 32 random bytes
std::string TokenDigest(std::string_view token);  // SHA-256, 32 raw bytes
std::string RandomPassword();                  // 16 readable characters for new accounts


}  // namespace homevisit::server
