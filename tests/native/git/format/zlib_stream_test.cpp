#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "open_artifacts/errors.h"
#include "git/format/sha1.h"
#include "git/format/zlib_stream.h"

namespace oa::git {
namespace {

Bytes randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Bytes textBytes(size_t n) {
  Bytes out;
  for (size_t i = 0; out.size() < n; ++i) {
    const std::string line = "line " + std::to_string(i * 7919 % 1000) + " of a compressible text\n";
    out.insert(out.end(), line.begin(), line.end());
  }
  out.resize(n);
  return out;
}

// Runs `fn` and returns the InvalidInput message it throws ("" if none).
template <typename Fn>
std::string invalidInputMessage(Fn fn) {
  try {
    fn();
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected ArtifactsError";
  return "";
}

TEST(Zlib, RoundTripsAtEveryLevel) {
  for (size_t n : {size_t(0), size_t(1), size_t(100), size_t(65536), size_t(300000)}) {
    for (const Bytes& data : {textBytes(n), randomBytes(n, 5)}) {
      for (int level : {-1, 0, 1, 6, 9}) {
        const Bytes z = deflateBytes(data.data(), data.size(), level);
        EXPECT_EQ(inflateBytes(z.data(), z.size(), data.size()), data) << n << " level " << level;
      }
    }
  }
}

TEST(Zlib, InflateRejectsMalformedStreams) {
  const Bytes data = textBytes(5000);
  const Bytes z = deflateBytes(data.data(), data.size());

  EXPECT_NE(invalidInputMessage([&] { inflateBytes(z.data(), z.size() - 1, data.size()); }).find("truncated"),
            std::string::npos);
  Bytes extra = z;
  extra.push_back(0);
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(extra.data(), extra.size(), data.size()); }).find("after the end"),
            std::string::npos);
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(z.data(), z.size(), data.size() + 1); }).find("inflates to 5000"),
            std::string::npos);
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(z.data(), z.size(), data.size() - 1); }).find("more than 4999"),
            std::string::npos);

  Bytes badAdler = z;
  badAdler.back() ^= 1;
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(badAdler.data(), badAdler.size(), data.size()); })
                .find("incorrect data check"),
            std::string::npos);
  Bytes badHeader = z;
  badHeader[0] = 0x79;
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(badHeader.data(), badHeader.size(), data.size()); })
                .find("invalid zlib stream"),
            std::string::npos);
  // Raw deflate (no zlib wrapper) is not what git writes.
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(z.data() + 2, z.size() - 2, data.size()); }), "");
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(nullptr, 0, 0); }).find("truncated"), std::string::npos);
  Bytes garbage = randomBytes(100, 9);
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(garbage.data(), garbage.size(), 100); }), "");
}

TEST(Zlib, OutputNeverExceedsTheCap) {
  // A 20 MB run of zeros compresses to ~20 KB: a bomb for a careless reader.
  const Bytes zeros(20 << 20, 0);
  const Bytes bomb = deflateBytes(zeros.data(), zeros.size(), 9);
  ASSERT_LT(bomb.size(), 100000u);
  EXPECT_NE(invalidInputMessage([&] { inflateBytes(bomb.data(), bomb.size(), 1000); }).find("more than 1000"),
            std::string::npos);
  Inflater inflater;
  inflater.reset(1000);
  Bytes out;
  EXPECT_NE(invalidInputMessage([&] { inflater.feed(bomb.data(), bomb.size(), out); }), "");
  EXPECT_LE(out.capacity(), 1000u);
  EXPECT_EQ(out.size(), 1000u);
}

TEST(Inflater, FindsTheEndOfAStreamFollowedByOtherBytes) {
  const Bytes data = textBytes(200000);
  const Bytes z = deflateBytes(data.data(), data.size(), 6);
  Bytes input = z;
  const std::string tail = "NEXT ENTRY";
  input.insert(input.end(), tail.begin(), tail.end());

  Inflater inflater;
  // One call with everything.
  inflater.reset(data.size());
  Bytes out;
  EXPECT_EQ(inflater.feed(input.data(), input.size(), out), z.size());
  EXPECT_TRUE(inflater.done());
  EXPECT_EQ(out, data);
  EXPECT_EQ(inflater.totalIn(), z.size());
  EXPECT_EQ(inflater.totalOut(), data.size());
  EXPECT_EQ(inflater.feed(input.data() + z.size(), tail.size(), out), 0u);  // ended: takes nothing more

  // One byte at a time, reusing the same Inflater.
  inflater.reset(data.size());
  out.clear();
  size_t pos = 0;
  while (!inflater.done()) {
    ASSERT_LT(pos, input.size());
    pos += inflater.feed(input.data() + pos, 1, out);
  }
  EXPECT_EQ(pos, z.size());
  EXPECT_EQ(out, data);
}

TEST(Inflater, RandomChunksAndAnExactCap) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    const Bytes data = round % 2 ? randomBytes(rng() % 150000, round) : textBytes(rng() % 150000);
    const Bytes z = deflateBytes(data.data(), data.size(), round % 10);
    Inflater inflater;
    inflater.reset(data.size());  // exact: the stream must still be able to end
    Bytes out;
    size_t pos = 0;
    while (!inflater.done()) {
      ASSERT_LT(pos, z.size());
      const size_t take = std::min<size_t>(z.size() - pos, 1 + rng() % 5000);
      const size_t used = inflater.feed(z.data() + pos, take, out);
      ASSERT_TRUE(used == take || inflater.done());
      pos += used;
    }
    EXPECT_EQ(pos, z.size());
    EXPECT_EQ(out, data);
  }
}

// git's loose objects are zlib streams of "<type> <size>\0<content>": read
// one git wrote, and have git read one we wrote.
TEST(Zlib, InteroperatesWithGitLooseObjects) {
  char dir[] = "/tmp/oa-zlib-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  const std::string repo = dir;
  const std::string git = "env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C " + repo + " ";
  ASSERT_EQ(std::system((git + "init -q").c_str()), 0);

  const Bytes content = textBytes(30000);
  {
    std::ofstream f(repo + "/file", std::ios::binary);
    f.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
  }
  FILE* p = popen((git + "hash-object -w file").c_str(), "r");
  ASSERT_TRUE(p);
  char line[64] = {};
  ASSERT_TRUE(fgets(line, sizeof line, p));
  pclose(p);
  const std::string hex(line, 40);
  std::ifstream loose(repo + "/.git/objects/" + hex.substr(0, 2) + "/" + hex.substr(2), std::ios::binary);
  const Bytes stored((std::istreambuf_iterator<char>(loose)), std::istreambuf_iterator<char>());
  const std::string header = "blob 30000";
  Bytes expected(header.begin(), header.end());
  expected.push_back(0);
  expected.insert(expected.end(), content.begin(), content.end());
  EXPECT_EQ(inflateBytes(stored.data(), stored.size(), expected.size()), expected);

  // Our stream, written as a loose object: git must read it back.
  const Bytes other = randomBytes(5000, 2);
  const std::string otherHeader = "blob 5000";
  Bytes raw(otherHeader.begin(), otherHeader.end());
  raw.push_back(0);
  raw.insert(raw.end(), other.begin(), other.end());
  const std::string otherHex = hashObject(ObjectType::Blob, other.data(), other.size()).hex();
  const Bytes z = deflateBytes(raw.data(), raw.size());
  ASSERT_EQ(std::system(("mkdir -p " + repo + "/.git/objects/" + otherHex.substr(0, 2)).c_str()), 0);
  {
    std::ofstream f(repo + "/.git/objects/" + otherHex.substr(0, 2) + "/" + otherHex.substr(2), std::ios::binary);
    f.write(reinterpret_cast<const char*>(z.data()), static_cast<std::streamsize>(z.size()));
  }
  EXPECT_EQ(std::system((git + "fsck --strict >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system((git + "cat-file blob " + otherHex + " > " + repo + "/out").c_str()), 0);
  std::ifstream back(repo + "/out", std::ios::binary);
  EXPECT_EQ(Bytes((std::istreambuf_iterator<char>(back)), std::istreambuf_iterator<char>()), other);
  std::system(("rm -rf " + repo).c_str());
}

}  // namespace
}  // namespace oa::git
