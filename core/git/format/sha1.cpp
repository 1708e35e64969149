#include "git/format/sha1.h"

// Natively through the system libgit2's git_odb_hash. In WebAssembly straight
// from libgit2's bundled SHA1DC sources (build-wasm-deps.sh builds them as
// libsha1dc.a): the same code libgit2 runs, without linking the rest of
// libgit2 (about 190 KB of wasm that git_libgit2_init and git_odb_hash pull in).
#ifdef __EMSCRIPTEN__
#include <sha1dc/sha1.h>
#else
#include <git2.h>
#endif

#include <algorithm>
#include <cstring>
#include <string>

#include "open_artifacts/errors.h"

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

// Unrolled rounds over a 16-word circular message schedule: several times
// faster than the textbook 80-word loop, and pack trailers hash every byte.
#define OA_SHA1_BLK(i) \
  (w[(i) & 15] = rotl(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ w[((i) + 2) & 15] ^ w[(i) & 15], 1))
#define OA_SHA1_R0(v, x, y, z, u, i) \
  u += ((x & (y ^ z)) ^ z) + w[i] + 0x5a827999 + rotl(v, 5); x = rotl(x, 30);
#define OA_SHA1_R1(v, x, y, z, u, i) \
  u += ((x & (y ^ z)) ^ z) + OA_SHA1_BLK(i) + 0x5a827999 + rotl(v, 5); x = rotl(x, 30);
#define OA_SHA1_R2(v, x, y, z, u, i) \
  u += (x ^ y ^ z) + OA_SHA1_BLK(i) + 0x6ed9eba1 + rotl(v, 5); x = rotl(x, 30);
#define OA_SHA1_R3(v, x, y, z, u, i) \
  u += (((x | y) & z) | (x & y)) + OA_SHA1_BLK(i) + 0x8f1bbcdc + rotl(v, 5); x = rotl(x, 30);
#define OA_SHA1_R4(v, x, y, z, u, i) \
  u += (x ^ y ^ z) + OA_SHA1_BLK(i) + 0xca62c1d6 + rotl(v, 5); x = rotl(x, 30);

void Sha1::compress(const uint8_t block[64]) {
  uint32_t w[16];
  for (int i = 0; i < 16; ++i) w[i] = loadBigEndian(block + 4 * i);
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
  // Five rounds per line; the variables rotate instead of being moved.
  OA_SHA1_R0(a, b, c, d, e, 0) OA_SHA1_R0(e, a, b, c, d, 1) OA_SHA1_R0(d, e, a, b, c, 2)
  OA_SHA1_R0(c, d, e, a, b, 3) OA_SHA1_R0(b, c, d, e, a, 4) OA_SHA1_R0(a, b, c, d, e, 5)
  OA_SHA1_R0(e, a, b, c, d, 6) OA_SHA1_R0(d, e, a, b, c, 7) OA_SHA1_R0(c, d, e, a, b, 8)
  OA_SHA1_R0(b, c, d, e, a, 9) OA_SHA1_R0(a, b, c, d, e, 10) OA_SHA1_R0(e, a, b, c, d, 11)
  OA_SHA1_R0(d, e, a, b, c, 12) OA_SHA1_R0(c, d, e, a, b, 13) OA_SHA1_R0(b, c, d, e, a, 14)
  OA_SHA1_R0(a, b, c, d, e, 15) OA_SHA1_R1(e, a, b, c, d, 16) OA_SHA1_R1(d, e, a, b, c, 17)
  OA_SHA1_R1(c, d, e, a, b, 18) OA_SHA1_R1(b, c, d, e, a, 19)
  OA_SHA1_R2(a, b, c, d, e, 20) OA_SHA1_R2(e, a, b, c, d, 21) OA_SHA1_R2(d, e, a, b, c, 22)
  OA_SHA1_R2(c, d, e, a, b, 23) OA_SHA1_R2(b, c, d, e, a, 24) OA_SHA1_R2(a, b, c, d, e, 25)
  OA_SHA1_R2(e, a, b, c, d, 26) OA_SHA1_R2(d, e, a, b, c, 27) OA_SHA1_R2(c, d, e, a, b, 28)
  OA_SHA1_R2(b, c, d, e, a, 29) OA_SHA1_R2(a, b, c, d, e, 30) OA_SHA1_R2(e, a, b, c, d, 31)
  OA_SHA1_R2(d, e, a, b, c, 32) OA_SHA1_R2(c, d, e, a, b, 33) OA_SHA1_R2(b, c, d, e, a, 34)
  OA_SHA1_R2(a, b, c, d, e, 35) OA_SHA1_R2(e, a, b, c, d, 36) OA_SHA1_R2(d, e, a, b, c, 37)
  OA_SHA1_R2(c, d, e, a, b, 38) OA_SHA1_R2(b, c, d, e, a, 39)
  OA_SHA1_R3(a, b, c, d, e, 40) OA_SHA1_R3(e, a, b, c, d, 41) OA_SHA1_R3(d, e, a, b, c, 42)
  OA_SHA1_R3(c, d, e, a, b, 43) OA_SHA1_R3(b, c, d, e, a, 44) OA_SHA1_R3(a, b, c, d, e, 45)
  OA_SHA1_R3(e, a, b, c, d, 46) OA_SHA1_R3(d, e, a, b, c, 47) OA_SHA1_R3(c, d, e, a, b, 48)
  OA_SHA1_R3(b, c, d, e, a, 49) OA_SHA1_R3(a, b, c, d, e, 50) OA_SHA1_R3(e, a, b, c, d, 51)
  OA_SHA1_R3(d, e, a, b, c, 52) OA_SHA1_R3(c, d, e, a, b, 53) OA_SHA1_R3(b, c, d, e, a, 54)
  OA_SHA1_R3(a, b, c, d, e, 55) OA_SHA1_R3(e, a, b, c, d, 56) OA_SHA1_R3(d, e, a, b, c, 57)
  OA_SHA1_R3(c, d, e, a, b, 58) OA_SHA1_R3(b, c, d, e, a, 59)
  OA_SHA1_R4(a, b, c, d, e, 60) OA_SHA1_R4(e, a, b, c, d, 61) OA_SHA1_R4(d, e, a, b, c, 62)
  OA_SHA1_R4(c, d, e, a, b, 63) OA_SHA1_R4(b, c, d, e, a, 64) OA_SHA1_R4(a, b, c, d, e, 65)
  OA_SHA1_R4(e, a, b, c, d, 66) OA_SHA1_R4(d, e, a, b, c, 67) OA_SHA1_R4(c, d, e, a, b, 68)
  OA_SHA1_R4(b, c, d, e, a, 69) OA_SHA1_R4(a, b, c, d, e, 70) OA_SHA1_R4(e, a, b, c, d, 71)
  OA_SHA1_R4(d, e, a, b, c, 72) OA_SHA1_R4(c, d, e, a, b, 73) OA_SHA1_R4(b, c, d, e, a, 74)
  OA_SHA1_R4(a, b, c, d, e, 75) OA_SHA1_R4(e, a, b, c, d, 76) OA_SHA1_R4(d, e, a, b, c, 77)
  OA_SHA1_R4(c, d, e, a, b, 78) OA_SHA1_R4(b, c, d, e, a, 79)
  state_[0] += a; state_[1] += b; state_[2] += c; state_[3] += d; state_[4] += e;
}

#undef OA_SHA1_BLK
#undef OA_SHA1_R0
#undef OA_SHA1_R1
#undef OA_SHA1_R2
#undef OA_SHA1_R3
#undef OA_SHA1_R4

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
  if (type != ObjectType::Commit && type != ObjectType::Tree && type != ObjectType::Blob && type != ObjectType::Tag) {
    throwError(ErrorCode::InvalidInput,
               std::string("cannot hash a ") + objectTypeName(type) + ": only whole objects have ids");
  }
  ObjectId id;
#ifdef __EMSCRIPTEN__
  // What git_odb_hash does: "<type> <size>\0" then the content, through SHA1DC
  // as libgit2 sets it up (SHA1DCInit's defaults: collision detection on).
  std::string header = objectTypeName(type);
  header += ' ';
  header += std::to_string(n);
  SHA1_CTX ctx;
  SHA1DCInit(&ctx);
  SHA1DCUpdate(&ctx, header.c_str(), header.size() + 1);  // with its NUL
  if (n) SHA1DCUpdate(&ctx, reinterpret_cast<const char*>(data), n);
  if (SHA1DCFinal(id.bytes.data(), &ctx) != 0) {
    // libgit2's message for the one failure: a detected collision attack.
    throwError(ErrorCode::InvalidInput, "hashing object failed: SHA1 collision attack detected");
  }
#else
  // libgit2 must be initialised once before use; a function static runs it
  // exactly once, thread-safely.
  static const int initialised = git_libgit2_init();
  (void)initialised;
  git_object_t gitType = GIT_OBJECT_BLOB;
  switch (type) {
    case ObjectType::Commit: gitType = GIT_OBJECT_COMMIT; break;
    case ObjectType::Tree: gitType = GIT_OBJECT_TREE; break;
    case ObjectType::Tag: gitType = GIT_OBJECT_TAG; break;
    default: break;
  }
  static const uint8_t kEmpty = 0;
  git_oid oid;
  if (git_odb_hash(&oid, n ? data : &kEmpty, n, gitType) != 0) {
    const git_error* e = git_error_last();
    // With SHA1DC the one failure is a detected collision attack: bad input.
    throwError(ErrorCode::InvalidInput,
               std::string("hashing object failed: ") + (e && e->message ? e->message : "unknown error"));
  }
  std::memcpy(id.bytes.data(), oid.id, id.bytes.size());
#endif
  return id;
}

}  // namespace oa::git
