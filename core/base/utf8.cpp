#include "base/utf8.h"

#include <cstdint>

namespace oa {

namespace {
// The length of the well-formed sequence starting at text[i], or 0 when the
// bytes there are ill-formed (stray continuation, overlong, surrogate, past
// U+10FFFF, truncated).
size_t sequenceLength(std::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  size_t extra;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    extra = 1, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    extra = 2, cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    extra = 3, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + extra >= text.size()) return 0;  // truncated sequence
  for (size_t k = 1; k <= extra; ++k) {
    const unsigned char cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
    return 0;
  }
  return extra + 1;
}
}  // namespace

bool isValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = sequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t utf16PrefixBytes(std::string_view text, size_t maxUnits) {
  size_t units = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = sequenceLength(text, i);
    const size_t step = n == 0 ? 1 : n;
    const size_t stepUnits = n == 4 ? 2 : 1;  // past U+FFFF: a surrogate pair
    if (units + stepUnits > maxUnits) break;
    units += stepUnits;
    i += step;
  }
  return i;
}

}  // namespace oa
