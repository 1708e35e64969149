#include "git/sha1.h"

#include <git2.h>

#include <algorithm>
#include <cstring>

#include "error.h"

namespace oa::git {

namespace {
inline uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
inline uint32_t loadBigEndian(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
}  // namespace

Sha1::Sha1() { reset(); }

void Sha1::reset() {
  state_[0] = 0x67452301;
  state_[1] = 0xefcdab89;
  state_[2] = 0x98badcfe;
  state_[3] = 0x10325476;
  state_[4] = 0xc3d2e1f0;
  length_ = 0;
  buffered_ = 0;
}

void Sha1::compress(const uint8_t block[64]) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i) w[i] = loadBigEndian(block + 4 * i);
  for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
  auto round = [&](uint32_t f, uint32_t k, uint32_t wi) {
    const uint32_t t = rotl(a, 5) + f + e + k + wi;
    e = d; d = c; c = rotl(b, 30); b = a; a = t;
  };
  for (int i = 0; i < 20; ++i) round((b & c) | (~b & d), 0x5a827999, w[i]);
  for (int i = 20; i < 40; ++i) round(b ^ c ^ d, 0x6ed9eba1, w[i]);
  for (int i = 40; i < 60; ++i) round((b & c) | (b & d) | (c & d), 0x8f1bbcdc, w[i]);
  for (int i = 60; i < 80; ++i) round(b ^ c ^ d, 0xca62c1d6, w[i]);
  state_[0] += a; state_[1] += b; state_[2] += c; state_[3] += d; state_[4] += e;
}

void Sha1::update(const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  length_ += n;
  if (buffered_) {
    const size_t take = std::min(n, 64 - buffered_);
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < 64) return;
    compress(buffer_);
    buffered_ = 0;
  }
  for (; n >= 64; p += 64, n -= 64) compress(p);
  if (n) {
    std::memcpy(buffer_, p, n);
    buffered_ = n;
  }
}

ObjectId Sha1::finish() {
  // Padding: 0x80, zeros to 56 mod 64, then the bit length big-endian.
  const uint64_t bits = length_ * 8;
  const uint8_t one = 0x80;
  update(&one, 1);
  const uint8_t zeros[64] = {};
  update(zeros, (buffered_ <= 56 ? 56 : 120) - buffered_);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  update(len, 8);
  ObjectId out;
  for (int i = 0; i < 5; ++i) {
    out.bytes[4 * i] = static_cast<uint8_t>(state_[i] >> 24);
    out.bytes[4 * i + 1] = static_cast<uint8_t>(state_[i] >> 16);
    out.bytes[4 * i + 2] = static_cast<uint8_t>(state_[i] >> 8);
    out.bytes[4 * i + 3] = static_cast<uint8_t>(state_[i]);
  }
  reset();
  return out;
}

ObjectId hashObject(ObjectType type, const uint8_t* data, size_t n) {
  // libgit2 must be initialised once before use; a function static runs it
  // exactly once, thread-safely.
  static const int initialised = git_libgit2_init();
  (void)initialised;
  git_object_t gitType;
  switch (type) {
    case ObjectType::Commit: gitType = GIT_OBJECT_COMMIT; break;
    case ObjectType::Tree: gitType = GIT_OBJECT_TREE; break;
    case ObjectType::Blob: gitType = GIT_OBJECT_BLOB; break;
    case ObjectType::Tag: gitType = GIT_OBJECT_TAG; break;
    default:
      throw ArtifactsError(ErrorCode::InvalidInput,
                           std::string("cannot hash a ") + objectTypeName(type) + ": only whole objects have ids");
  }
  static const uint8_t kEmpty = 0;
  git_oid oid;
  if (git_odb_hash(&oid, n ? data : &kEmpty, n, gitType) != 0) {
    const git_error* e = git_error_last();
    // With SHA1DC the one failure is a detected collision attack: bad input.
    throw ArtifactsError(ErrorCode::InvalidInput,
                         std::string("hashing object failed: ") + (e && e->message ? e->message : "unknown error"));
  }
  ObjectId id;
  std::memcpy(id.bytes.data(), oid.id, id.bytes.size());
  return id;
}

}  // namespace oa::git
