#include "git/format/delta.h"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
[[noreturn]] void fail(const std::string& message) { throwError(ErrorCode::InvalidInput, message); }

// Little-endian base-128 size, as in the delta header.
uint64_t readSize(const uint8_t* p, size_t n, size_t& pos, const char* what) {
  uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    if (pos >= n) fail(std::string("delta is truncated in its ") + what + " size");
    const uint8_t c = p[pos++];
    const uint64_t bits = c & 0x7f;
    if (shift >= 64 || (shift > 0 && (bits >> (64 - shift)) != 0)) {
      fail(std::string("delta ") + what + " size does not fit in 64 bits");
    }
    value |= bits << shift;
    if (!(c & 0x80)) return value;
  }
}

void writeSize(Bytes& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

// The largest copy git emits (diff-delta.c keeps pack v2 readers happy).
constexpr size_t kMaxCopy = 0x10000;
constexpr size_t kMaxInsert = 0x7f;
constexpr size_t kBlock = 16;

void emitInsert(Bytes& out, const uint8_t* p, size_t n) {
  while (n) {
    const size_t take = std::min(n, kMaxInsert);
    out.push_back(static_cast<uint8_t>(take));
    out.insert(out.end(), p, p + take);
    p += take;
    n -= take;
  }
}

void emitCopy(Bytes& out, uint64_t offset, size_t n) {
  while (n) {
    const size_t take = std::min(n, kMaxCopy);
    uint8_t cmd = 0x80;
    uint8_t args[7];
    size_t argc = 0;
    for (int i = 0; i < 4; ++i) {
      const uint8_t b = static_cast<uint8_t>(offset >> (8 * i));
      if (b) {
        cmd |= uint8_t(1u << i);
        args[argc++] = b;
      }
    }
    // A size of 0x10000 is encoded as "no size bytes".
    if (take != kMaxCopy) {
      for (int i = 0; i < 3; ++i) {
        const uint8_t b = static_cast<uint8_t>(take >> (8 * i));
        if (b) {
          cmd |= uint8_t(0x10u << i);
          args[argc++] = b;
        }
      }
    }
    out.push_back(cmd);
    out.insert(out.end(), args, args + argc);
    offset += take;
    n -= take;
  }
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint32_t blockHash(const uint8_t* p) {
  const uint64_t h = (load64(p) * 0x9e3779b97f4a7c15ULL) ^ (load64(p + 8) * 0xc2b2ae3d27d4eb4fULL);
  return static_cast<uint32_t>((h ^ (h >> 29)) >> 16);
}
}  // namespace

std::pair<uint64_t, uint64_t> deltaSizes(const uint8_t* delta, size_t n) {
  size_t pos = 0;
  const uint64_t baseSize = readSize(delta, n, pos, "base");
  const uint64_t resultSize = readSize(delta, n, pos, "result");
  return {baseSize, resultSize};
}

Bytes applyDelta(const Bytes& base, const uint8_t* delta, size_t n, size_t maxResultSize) {
  size_t pos = 0;
  const uint64_t baseSize = readSize(delta, n, pos, "base");
  const uint64_t resultSize = readSize(delta, n, pos, "result");
  if (baseSize != base.size()) {
    fail("delta expects a base of " + std::to_string(baseSize) + " bytes, but the base has " +
         std::to_string(base.size()));
  }
  if (resultSize > maxResultSize) {
    fail("delta result of " + std::to_string(resultSize) + " bytes exceeds the limit of " +
         std::to_string(maxResultSize));
  }
  Bytes out(static_cast<size_t>(resultSize));
  size_t written = 0;
  while (pos < n) {
    const uint8_t cmd = delta[pos++];
    if (cmd & 0x80) {
      // Copy: bits 0-3 select offset bytes, bits 4-6 size bytes (little-endian).
      uint64_t offset = 0;
      size_t size = 0;
      for (int i = 0; i < 4; ++i) {
        if (cmd & (1u << i)) {
          if (pos >= n) fail("delta is truncated inside a copy instruction");
          offset |= uint64_t(delta[pos++]) << (8 * i);
        }
      }
      for (int i = 0; i < 3; ++i) {
        if (cmd & (0x10u << i)) {
          if (pos >= n) fail("delta is truncated inside a copy instruction");
          size |= size_t(delta[pos++]) << (8 * i);
        }
      }
      if (size == 0) size = kMaxCopy;
      if (offset > base.size() || size > base.size() - offset) {
        fail("delta copies bytes " + std::to_string(offset) + ".." + std::to_string(offset + size) +
             " outside a base of " + std::to_string(base.size()) + " bytes");
      }
      if (size > out.size() - written) fail("delta writes past its announced result size");
      std::memcpy(out.data() + written, base.data() + offset, size);
      written += size;
    } else if (cmd != 0) {
      // Insert: the next `cmd` bytes are literal.
      if (cmd > n - pos) fail("delta is truncated inside an insert instruction");
      if (cmd > out.size() - written) fail("delta writes past its announced result size");
      std::memcpy(out.data() + written, delta + pos, cmd);
      pos += cmd;
      written += cmd;
    } else {
      fail("delta uses the reserved instruction 0");
    }
  }
  if (written != out.size()) {
    fail("delta produced " + std::to_string(written) + " bytes, but announced " + std::to_string(out.size()));
  }
  return out;
}

Bytes createDelta(const Bytes& base, const Bytes& target) {
  // Copy offsets are 32-bit in the format.
  if (uint64_t(base.size()) > std::numeric_limits<uint32_t>::max()) fail("delta base is larger than 4 GiB");
  Bytes out;
  out.reserve(target.size() / 4 + 32);
  writeSize(out, base.size());
  writeSize(out, target.size());

  // Index the base's aligned 16-byte blocks; the first occurrence wins.
  constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
  const size_t blocks = base.size() / kBlock;
  size_t buckets = 1;
  while (buckets < blocks * 2) buckets <<= 1;
  const uint32_t mask = static_cast<uint32_t>(buckets - 1);
  std::vector<uint32_t> table(blocks ? buckets : 0, kEmpty);
  for (size_t b = 0; b < blocks; ++b) {
    uint32_t& slot = table[blockHash(base.data() + b * kBlock) & mask];
    if (slot == kEmpty) slot = static_cast<uint32_t>(b * kBlock);
  }

  // Slide over the target; at each position look its 16 bytes up, and on a
  // hit extend the match both ways, flushing pending literals before it.
  size_t literalStart = 0;
  size_t i = 0;
  while (blocks && i + kBlock <= target.size()) {
    const uint32_t candidate = table[blockHash(target.data() + i) & mask];
    if (candidate == kEmpty || std::memcmp(base.data() + candidate, target.data() + i, kBlock) != 0) {
      ++i;
      continue;
    }
    size_t b = candidate, t = i;
    while (t > literalStart && b > 0 && base[b - 1] == target[t - 1]) --b, --t;
    size_t len = (i - t) + kBlock;
    while (b + len < base.size() && t + len < target.size() && base[b + len] == target[t + len]) ++len;
    emitInsert(out, target.data() + literalStart, t - literalStart);
    emitCopy(out, b, len);
    i = t + len;
    literalStart = i;
  }
  emitInsert(out, target.data() + literalStart, target.size() - literalStart);
  return out;
}

}  // namespace oa::git
