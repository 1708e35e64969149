// Hand-made packs for tests that need shapes git would not produce (hostile
// deltas, chains of large objects): whole objects and deltas, written with the
// server's own PackWriter.
#pragma once

#include <string>
#include <vector>

#include "git/format/object_id.h"
#include "git/format/pack_writer.h"
#include "git/format/sha1.h"
#include "git/format/zlib_stream.h"

namespace oa::testing {

// A delta against a base of `baseSize` bytes: copies base[0, baseSize) `copies`
// times (in git's 64 KiB copy instructions), then inserts `tail`.
inline Bytes copyingDelta(uint64_t baseSize, int copies, const std::string& tail) {
  Bytes d;
  auto size = [&](uint64_t v) {
    while (v >= 0x80) {
      d.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    d.push_back(static_cast<uint8_t>(v));
  };
  size(baseSize);
  size(baseSize * copies + tail.size());
  for (int c = 0; c < copies; ++c) {
    for (uint64_t off = 0; off < baseSize; off += 0x10000) {
      const uint64_t n = std::min<uint64_t>(0x10000, baseSize - off);
      uint8_t cmd = 0x80;
      Bytes args;
      for (int i = 0; i < 4; ++i) {
        if (const uint8_t b = static_cast<uint8_t>(off >> (8 * i))) {
          cmd |= uint8_t(1u << i);
          args.push_back(b);
        }
      }
      if (n != 0x10000) {
        for (int i = 0; i < 3; ++i) {
          if (const uint8_t b = static_cast<uint8_t>(n >> (8 * i))) {
            cmd |= uint8_t(0x10u << i);
            args.push_back(b);
          }
        }
      }
      d.push_back(cmd);
      d.insert(d.end(), args.begin(), args.end());
    }
  }
  for (size_t i = 0; i < tail.size(); i += 0x7f) {
    const size_t n = std::min<size_t>(0x7f, tail.size() - i);
    d.push_back(static_cast<uint8_t>(n));
    d.insert(d.end(), tail.begin() + i, tail.begin() + i + n);
  }
  return d;
}

class PackBuilder {
 public:
  // Returns the entry's index (for OFS_DELTA bases).
  size_t whole(git::ObjectType type, const Bytes& data) {
    entries_.push_back({type, data, 0, {}});
    return entries_.size() - 1;
  }
  size_t blob(const std::string& text) { return whole(git::ObjectType::Blob, Bytes(text.begin(), text.end())); }
  size_t refDelta(const git::ObjectId& base, const Bytes& delta) {
    entries_.push_back({git::ObjectType::RefDelta, delta, 0, base});
    return entries_.size() - 1;
  }
  size_t ofsDelta(size_t baseIndex, const Bytes& delta) {
    entries_.push_back({git::ObjectType::OfsDelta, delta, baseIndex, {}});
    return entries_.size() - 1;
  }

  Bytes build() const {
    git::PackWriter writer(static_cast<uint32_t>(entries_.size()));
    std::vector<uint64_t> offsets;
    for (const auto& e : entries_) {
      const Bytes z = git::deflateBytes(e.data.data(), e.data.size());
      offsets.push_back(writer.addEntry(e.type, e.data.size(), z.data(), z.size(),
                                        e.type == git::ObjectType::OfsDelta ? offsets.at(e.baseIndex) : 0,
                                        e.type == git::ObjectType::RefDelta ? &e.baseId : nullptr));
    }
    writer.finish();
    return writer.take();
  }

 private:
  struct Entry {
    git::ObjectType type;
    Bytes data;
    size_t baseIndex;
    git::ObjectId baseId;
  };
  std::vector<Entry> entries_;
};

inline Bytes randomBytes(size_t n, uint64_t seed) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    out[i] = static_cast<uint8_t>(seed >> 56);
  }
  return out;
}

}  // namespace oa::testing
