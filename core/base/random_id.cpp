#include "base/random_id.h"

#include <vector>

#include "base/sha256.h"

namespace oa {

std::string randomBase36Id(Host& host) {
  static const char* kAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < kIdLength) {
    uint8_t buf[32];
    host.randomBytes(buf, sizeof buf);
    for (uint8_t b : buf) {
      // Rejection sampling keeps every character equally likely (252 = 7 * 36).
      if (b < 252 && out.size() < kIdLength) out.push_back(kAlphabet[b % 36]);
    }
  }
  return out;
}

std::string randomHex(Host& host, size_t hexDigits) {
  std::vector<uint8_t> buf((hexDigits + 1) / 2);
  host.randomBytes(buf.data(), buf.size());
  return toHex(buf.data(), buf.size()).substr(0, hexDigits);
}

bool isBase36Id(std::string_view s) {
  if (s.size() != kIdLength) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

}  // namespace oa
