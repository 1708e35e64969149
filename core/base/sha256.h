// SHA-256 (FIPS 180-4). Tokens are stored only as the SHA-256 of their secret.
// libgit2 1.5 keeps its SHA-256 private, so the core carries this small one.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace oa {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
std::string sha256Hex(std::string_view data);

// Compares two equal-length strings in time independent of where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

std::string toHex(const uint8_t* data, size_t n);

}  // namespace oa
