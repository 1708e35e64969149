#include "artifacts/token_format.h"

#include "base/text.h"

namespace oa {

namespace {
bool isLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isDigits(std::string_view s) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> tokenSecret(std::string_view token) {
  std::string_view secret = token;
  const size_t q = token.find('?');
  if (q != std::string_view::npos) {
    secret = token.substr(0, q);
    const std::string_view suffix = token.substr(q);
    if (!startsWith(suffix, "?expires=") || !isDigits(suffix.substr(9))) return std::nullopt;
  }
  std::string_view hex;
  if (startsWith(secret, "art_v1_")) {
    hex = secret.substr(7);
  } else if (startsWith(secret, "art_v2_") && secret.size() > 9 && secret[8] == '_' &&
             std::string_view("xeuf").find(secret[7]) != std::string_view::npos) {
    hex = secret.substr(9);
  } else {
    return std::nullopt;
  }
  if (hex.size() != kTokenSecretHexDigits || !isLowerHex(hex)) return std::nullopt;
  return std::string(secret);
}

std::string secretFromHex(std::string_view hex40) { return "art_v1_" + std::string(hex40); }

std::string formatToken(std::string_view secret, int64_t expiresAtMs) {
  return std::string(secret) + "?expires=" + std::to_string(expiresAtMs / 1000);
}

}  // namespace oa
