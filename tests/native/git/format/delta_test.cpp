#include <gtest/gtest.h>

#include <random>
#include <string>

#include "open_artifacts/errors.h"
#include "git/format/delta.h"

namespace oa::git {
namespace {

constexpr size_t kNoLimit = size_t(1) << 40;

Bytes randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A delta from hand-written header sizes and instruction bytes.
Bytes delta(uint64_t baseSize, uint64_t resultSize, std::initializer_list<uint8_t> ops) {
  Bytes out;
  for (uint64_t v : {baseSize, resultSize}) {
    while (v >= 0x80) {
      out.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
  }
  out.insert(out.end(), ops);
  return out;
}

std::string applyError(const Bytes& base, const Bytes& d, size_t max = kNoLimit) {
  try {
    applyDelta(base, d.data(), d.size(), max);
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    return e.what();
  }
  return "(no error)";
}

void expectRoundTrip(const Bytes& base, const Bytes& target) {
  const Bytes d = createDelta(base, target);
  const auto [baseSize, resultSize] = deltaSizes(d.data(), d.size());
  EXPECT_EQ(baseSize, base.size());
  EXPECT_EQ(resultSize, target.size());
  EXPECT_EQ(applyDelta(base, d.data(), d.size(), target.size()), target);
}

TEST(Delta, AppliesCopyAndInsertInstructions) {
  const Bytes base = str("0123456789abcdef");
  // insert "XY", copy base[4..10), copy base[0..2)
  const Bytes d = delta(16, 10, {0x02, 'X', 'Y', 0x80 | 0x01 | 0x10, 4, 6, 0x80 | 0x10, 2});
  EXPECT_EQ(applyDelta(base, d.data(), d.size(), 100), str("XY45678901"));
  EXPECT_EQ(deltaSizes(d.data(), d.size()), std::make_pair(uint64_t(16), uint64_t(10)));
}

TEST(Delta, CopySizeZeroMeans64KiB) {
  const Bytes base = randomBytes(0x10000 + 10, 1);
  // Offset byte 0 = 10, no size bytes: copies 0x10000 bytes.
  const Bytes d = delta(base.size(), 0x10000, {0x80 | 0x01, 10});
  const Bytes out = applyDelta(base, d.data(), d.size(), kNoLimit);
  EXPECT_EQ(out, Bytes(base.begin() + 10, base.end()));
}

TEST(Delta, MultiByteOffsetsAndSizes) {
  const Bytes base = randomBytes(0x30000, 2);
  // Offset 0x012345 in three bytes, size 0x0102 in two.
  const Bytes d = delta(base.size(), 0x0102, {0x80 | 0x07 | 0x30, 0x45, 0x23, 0x01, 0x02, 0x01});
  EXPECT_EQ(applyDelta(base, d.data(), d.size(), kNoLimit), Bytes(base.begin() + 0x12345, base.begin() + 0x12345 + 0x102));
}

TEST(Delta, RejectsMalformedDeltas) {
  const Bytes base = str("0123456789");
  struct Case {
    const char* name;
    Bytes delta;
    const char* message;
    size_t max = kNoLimit;
  };
  const Case cases[] = {
      {"empty", {}, "truncated in its base size"},
      {"no result size", {10}, "truncated in its result size"},
      {"base size varint cut", {0x8a}, "truncated in its base size"},
      {"base size mismatch", delta(11, 1, {0x01, 'x'}), "expects a base of 11 bytes, but the base has 10"},
      {"result over limit", delta(10, 101, {}), "exceeds the limit of 100", 100},
      {"reserved instruction", delta(10, 1, {0x00, 'x'}), "reserved instruction 0"},
      {"copy past base end", delta(10, 5, {0x80 | 0x01 | 0x10, 8, 5}), "outside a base of 10 bytes"},
      {"copy offset beyond base", delta(10, 1, {0x80 | 0x08 | 0x10, 0xff, 1}), "outside a base of 10 bytes"},
      {"copy 64 KiB default past base", delta(10, 0x10000, {0x80}), "outside a base"},
      {"copy past result", delta(10, 3, {0x80 | 0x10, 5}), "past its announced result size"},
      {"insert past result", delta(10, 1, {0x02, 'a', 'b'}), "past its announced result size"},
      {"insert truncated", delta(10, 3, {0x03, 'a'}), "truncated inside an insert"},
      {"copy args truncated", delta(10, 3, {0x80 | 0x01 | 0x10, 1}), "truncated inside a copy"},
      {"result short", delta(10, 5, {0x02, 'a', 'b'}), "produced 2 bytes, but announced 5"},
      {"size varint overflow", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}, "does not fit in 64 bits"},
      {"size varint too long", {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, "does not fit in 64 bits"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(applyError(base, c.delta, c.max).find(c.message), std::string::npos)
        << c.name << ": " << applyError(base, c.delta, c.max);
  }
  // deltaSizes checks the header only.
  EXPECT_THROW(deltaSizes(nullptr, 0), ArtifactsError);
  const Bytes onlyBase = {0x8a, 0x01};
  EXPECT_THROW(deltaSizes(onlyBase.data(), onlyBase.size()), ArtifactsError);
  const Bytes big = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
  EXPECT_EQ(deltaSizes(big.data(), big.size()).first, ~uint64_t(0));
}

TEST(Delta, CreateRoundTripsEdgeCases) {
  const Bytes text = str(std::string(5000, 'a') + "middle" + std::string(5000, 'b'));
  expectRoundTrip({}, {});
  expectRoundTrip({}, str("only inserts"));
  expectRoundTrip(str("base without target"), {});
  expectRoundTrip(text, text);
  expectRoundTrip(text, str("short"));
  expectRoundTrip(str("short"), text);
  expectRoundTrip(randomBytes(15, 1), randomBytes(15, 1));  // below one block
  // Identical large data: copies are split at 64 KiB, and the delta stays tiny.
  const Bytes big = randomBytes(1 << 20, 3);
  const Bytes same = createDelta(big, big);
  EXPECT_LT(same.size(), 200u);
  EXPECT_EQ(applyDelta(big, same.data(), same.size(), big.size()), big);
}

TEST(Delta, CreateFindsSharedBlocksInEditedData) {
  std::mt19937 rng(9);
  for (int round = 0; round < 100; ++round) {
    Bytes base = randomBytes(rng() % 200000, round);
    Bytes target = base;
    // Random edits: inserts, deletes, overwrites, moved ranges.
    for (int e = 0, edits = rng() % 20; e < edits; ++e) {
      const size_t pos = target.empty() ? 0 : rng() % target.size();
      switch (rng() % 4) {
        case 0: {
          const Bytes ins = randomBytes(rng() % 300, rng());
          target.insert(target.begin() + pos, ins.begin(), ins.end());
          break;
        }
        case 1: target.erase(target.begin() + pos, target.begin() + std::min(target.size(), pos + rng() % 500)); break;
        case 2:
          if (pos < target.size()) target[pos] ^= 0x55;
          break;
        case 3: {
          const size_t from = base.empty() ? 0 : rng() % base.size();
          target.insert(target.begin() + pos, base.begin() + from, base.begin() + std::min(base.size(), from + rng() % 4000));
          break;
        }
      }
    }
    const Bytes d = createDelta(base, target);
    ASSERT_EQ(applyDelta(base, d.data(), d.size(), target.size()), target) << round;
    if (base.size() > 10000 && target.size() > 10000) {
      EXPECT_LT(d.size(), target.size() / 4) << round;
    }
  }
}

TEST(Delta, CreateUsesFourByteOffsets) {
  // A match beyond 16 MiB needs the fourth offset byte.
  Bytes base = randomBytes((16 << 20) + 70000, 4);
  const Bytes target(base.end() - 70000, base.end());
  expectRoundTrip(base, target);
}

}  // namespace
}  // namespace oa::git
