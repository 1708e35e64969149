// The text form of repo tokens (spec §4.3, DESIGN.md): minted as
// "art_v1_<40 hex>?expires=<unix s>"; "art_v1_" and "art_v2_<j>_" forms are
// accepted with or without the suffix. The secret is the part before "?";
// the suffix is informational only (expiry comes from the stored record).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oa {

constexpr size_t kTokenSecretHexDigits = 40;

// The secret of a token-shaped string, or nullopt if it is not token-shaped.
std::optional<std::string> tokenSecret(std::string_view token);

// "art_v1_<hex>" from 40 random hex digits.
std::string secretFromHex(std::string_view hex40);
// "<secret>?expires=<unix seconds>".
std::string formatToken(std::string_view secret, int64_t expiresAtMs);

}  // namespace oa
