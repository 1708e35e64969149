#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "open_artifacts/errors.h"
#include "git/format/sha1.h"
#include "open_artifacts/bytes.h"

namespace oa::git {
namespace {

std::string sha1Hex(std::string_view s) {
  Sha1 h;
  h.update(s.data(), s.size());
  return h.finish().hex();
}

Bytes randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// FIPS 180-1 / NIST example vectors.
TEST(Sha1, NistVectors) {
  EXPECT_EQ(sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(sha1Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, PaddingBoundaries) {
  // Lengths around the 55/56/64-byte padding edges, checked against Python's hashlib.
  const std::pair<size_t, const char*> cases[] = {
      {55, "cef734ba81a024479e09eb5a75b6ddae62e6abf1"},  {56, "901305367c259952f4e7af8323f480d59f81335b"},
      {63, "0ddc4e0cccd9a12850deb5abb0853a4425559fec"},  {64, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163"},
      {65, "78c741ddc482e4cdf8c474a0876347a0905b6233"},  {119, "4300320394f7ee239bcdce7d3b8bcee173a0cd5c"},
      {120, "ceb2821639c4b6dcb10bce0e522ca2e608ce056d"},
  };
  for (const auto& [n, hex] : cases) EXPECT_EQ(sha1Hex(std::string(n, 'x')), hex) << n;
}

TEST(Sha1, StreamingInAnySplitMatchesOneShot) {
  const Bytes data = randomBytes(10000, 1);
  Sha1 whole;
  whole.update(data.data(), data.size());
  const ObjectId expected = whole.finish();
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    Sha1 h;
    size_t pos = 0;
    while (pos < data.size()) {
      const size_t take = std::min<size_t>(data.size() - pos, rng() % 200);
      h.update(data.data() + pos, take);
      pos += take;
    }
    EXPECT_EQ(h.finish(), expected);
  }
  // finish() resets: the object can hash again.
  whole.update("abc", 3);
  EXPECT_EQ(whole.finish().hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(HashObject, MatchesGitHashObject) {
  // `printf ... | git hash-object --stdin` and the well-known empty tree id.
  EXPECT_EQ(hashObject(ObjectType::Blob, nullptr, 0).hex(), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  const std::string hello = "hello\n";
  EXPECT_EQ(hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>(hello.data()), hello.size()).hex(),
            "ce013625030ba8dba906f756967f9e9ca394464a");
  const std::string doc = "what is up, doc?";
  EXPECT_EQ(hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>(doc.data()), doc.size()).hex(),
            "bd9dbf5aae1a3862dd1526723246b20206e5fc37");
  EXPECT_EQ(hashObject(ObjectType::Tree, nullptr, 0).hex(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
}

TEST(HashObject, MatchesLiveGitForEveryType) {
  char dir[] = "/tmp/oa-sha1-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/obj";
  const Bytes data = randomBytes(100000, 3);
  for (const char* type : {"blob", "commit", "tree", "tag"}) {
    FILE* f = fopen(path.c_str(), "wb");
    ASSERT_TRUE(f);
    fwrite(data.data(), 1, data.size(), f);
    fclose(f);
    // --literally: git would otherwise insist that random bytes parse as a commit/tree/tag.
    FILE* p = popen(("git hash-object --literally -t " + std::string(type) + " " + path).c_str(), "r");
    ASSERT_TRUE(p);
    char line[64] = {};
    ASSERT_TRUE(fgets(line, sizeof line, p));
    pclose(p);
    EXPECT_EQ(hashObject(*objectTypeFromName(type), data.data(), data.size()).hex(), std::string(line, 40)) << type;
  }
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(HashObject, DeltasHaveNoId) {
  const uint8_t byte = 0;
  for (ObjectType t : {ObjectType::OfsDelta, ObjectType::RefDelta}) {
    try {
      hashObject(t, &byte, 1);
      FAIL() << "expected ArtifactsError";
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    }
  }
}

}  // namespace
}  // namespace oa::git
