#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "open_artifacts/errors.h"
#include "git/format/pkt_line.h"
#include "git/format/sideband.h"

namespace oa::git {
namespace {

std::string binary(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

std::vector<Packet> decode(const std::string& stream) {
  PktLineReader reader;
  reader.feed(stream);
  std::vector<Packet> packets;
  Packet p;
  while (reader.next(p)) packets.push_back(p);
  EXPECT_EQ(reader.buffered(), 0u);
  return packets;
}

TEST(Sideband, LimitsMatchGit) {
  EXPECT_EQ(kSidebandMaxData, 995u);
  EXPECT_EQ(kSideband64kMaxData, 65515u);
  EXPECT_EQ(kSideband64kPktLength, kMaxPktLength);
}

// ---- Splitting: sizes around both limits, on every band.

struct SplitCase {
  size_t maxData;
  size_t size;
  size_t packets;
};

class SidebandSplitTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SidebandSplitTest, SplitsAtLimitAndReassembles) {
  const auto& c = GetParam();
  const std::string payload = binary(c.size);
  for (Band band : {Band::Data, Band::Progress, Band::Error}) {
    std::string out;
    appendSideband(out, band, payload, c.maxData);
    Bytes bytesOut;
    appendSideband(bytesOut, band, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), c.maxData);
    EXPECT_EQ(bytesToString(bytesOut), out);

    auto packets = decode(out);
    ASSERT_EQ(packets.size(), c.packets);
    std::string joined;
    for (size_t i = 0; i < packets.size(); ++i) {
      const auto& p = packets[i];
      ASSERT_EQ(p.kind, Packet::Kind::Data);
      ASSERT_GE(p.payload.size(), 2u);
      EXPECT_EQ(static_cast<uint8_t>(p.payload[0]), static_cast<uint8_t>(band));
      EXPECT_LE(p.payload.size() - 1, c.maxData);
      // Every packet but the last is full, as git's send_sideband() does.
      if (i + 1 < packets.size()) {
        EXPECT_EQ(p.payload.size() - 1, c.maxData);
      }
      joined += p.payload.substr(1);
    }
    EXPECT_EQ(joined, payload);
    EXPECT_EQ(out.size(), c.size + 5 * c.packets);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Limits, SidebandSplitTest,
    ::testing::Values(SplitCase{kSidebandMaxData, 0, 0}, SplitCase{kSidebandMaxData, 1, 1},
                      SplitCase{kSidebandMaxData, 994, 1}, SplitCase{kSidebandMaxData, 995, 1},
                      SplitCase{kSidebandMaxData, 996, 2}, SplitCase{kSidebandMaxData, 1990, 2},
                      SplitCase{kSidebandMaxData, 1991, 3}, SplitCase{kSidebandMaxData, 100000, 101},
                      SplitCase{kSideband64kMaxData, 0, 0}, SplitCase{kSideband64kMaxData, 1, 1},
                      SplitCase{kSideband64kMaxData, 65515, 1}, SplitCase{kSideband64kMaxData, 65516, 2},
                      SplitCase{kSideband64kMaxData, 3 * 65515, 3}, SplitCase{kSideband64kMaxData, 1000000, 16},
                      SplitCase{1, 3, 3}));

TEST(Sideband, HeadersAtBothLimits) {
  std::string out;
  appendSideband(out, Band::Data, std::string(995, 'p'), kSidebandMaxData);
  EXPECT_EQ(out.substr(0, 5), std::string("03e8\x01"));  // 1000 bytes in all
  EXPECT_EQ(out.size(), 1000u);
  out.clear();
  appendSideband(out, Band::Data, std::string(65515, 'p'));
  EXPECT_EQ(out.substr(0, 5), std::string("fff0\x01"));  // 65520 bytes in all
  EXPECT_EQ(out.size(), kMaxPktLength);
}

// Byte-exact small vectors: header counts itself, the band byte and the data.
TEST(Sideband, EncodesLikeGit) {
  std::string out;
  appendSideband(out, Band::Progress, "Counting objects: 100% (3/3), done.\n");
  appendSideband(out, Band::Error, "fatal\n");
  appendSideband(out, Band::Data, std::string("PACK\0\0\0\2", 8), kSidebandMaxData);
  appendFlush(out);
  EXPECT_EQ(out, std::string("0029\x02" "Counting objects: 100% (3/3), done.\n"
                             "000b\x03" "fatal\n"
                             "000d\x01" "PACK\0\0\0\x02"
                             "0000",
                             41 + 11 + 13 + 4));
}

TEST(Sideband, RejectsBadPacketLimit) {
  for (size_t bad : {size_t(0), kSideband64kMaxData + 1, size_t(1) << 20}) {
    std::string out;
    try {
      appendSideband(out, Band::Data, "x", bad);
      ADD_FAILURE() << "accepted maxData " << bad;
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    }
    EXPECT_TRUE(out.empty());
  }
}

// ---- Progress text: git's own t0500-progress-display vector and our pacing.

TEST(ProgressMeter, MatchesGitProgressDisplay) {
  ProgressMeter meter("Working hard", 3);
  std::string shown;
  for (uint64_t n = 1; n <= 3; ++n) shown += meter.update(n);
  shown += meter.done();
  EXPECT_EQ(shown,
            "Working hard:  33% (1/3)\r"
            "Working hard:  66% (2/3)\r"
            "Working hard: 100% (3/3)\r"
            "Working hard: 100% (3/3), done.\n");
}

// Band-2 text of a real `git upload-pack` (2.39.5) fetch of 7 objects.
TEST(ProgressMeter, MatchesCapturedUploadPackProgress) {
  ProgressMeter meter("Counting objects", 7);
  std::string shown;
  for (uint64_t n = 1; n <= 7; ++n) shown += meter.update(n);
  shown += meter.done();
  EXPECT_EQ(shown,
            "Counting objects:  14% (1/7)\rCounting objects:  28% (2/7)\rCounting objects:  42% (3/7)\r"
            "Counting objects:  57% (4/7)\rCounting objects:  71% (5/7)\rCounting objects:  85% (6/7)\r"
            "Counting objects: 100% (7/7)\rCounting objects: 100% (7/7), done.\n");
}

TEST(ProgressMeter, EmitsOnlyWhenPercentChanges) {
  ProgressMeter meter("Counting objects", 1000);
  std::vector<std::string> lines;
  for (uint64_t n = 0; n <= 1000; ++n) {
    std::string s = meter.update(n);
    if (!s.empty()) lines.push_back(s);
  }
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_EQ(lines[0], "Counting objects:   0% (0/1000)\r");
  EXPECT_EQ(lines[1], "Counting objects:   1% (10/1000)\r");
  EXPECT_EQ(lines[45], "Counting objects:  45% (450/1000)\r");
  EXPECT_EQ(lines[100], "Counting objects: 100% (1000/1000)\r");
  EXPECT_EQ(meter.update(1000), "");
  EXPECT_EQ(meter.done(), "Counting objects: 100% (1000/1000), done.\n");
}

struct ProgressCase {
  uint64_t total, n;
  std::string line;
};

class ProgressFormatTest : public ::testing::TestWithParam<ProgressCase> {};

TEST_P(ProgressFormatTest, FormatsDoneLine) {
  const auto& c = GetParam();
  ProgressMeter meter("Compressing objects", c.total);
  EXPECT_EQ(meter.done(c.n), c.line);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ProgressFormatTest,
    ::testing::Values(ProgressCase{1000, 1000, "Compressing objects: 100% (1000/1000), done.\n"},
                      ProgressCase{7, 0, "Compressing objects:   0% (0/7), done.\n"},
                      ProgressCase{200, 199, "Compressing objects:  99% (199/200), done.\n"},
                      ProgressCase{1, 1, "Compressing objects: 100% (1/1), done.\n"},
                      ProgressCase{10000000000ull, 5000000000ull,
                                   "Compressing objects:  50% (5000000000/10000000000), done.\n"},
                      ProgressCase{0, 0, "Compressing objects: 0, done.\n"},
                      ProgressCase{0, 12345, "Compressing objects: 12345, done.\n"}));

TEST(ProgressMeter, UnknownTotalShowsCountPerStep) {
  ProgressMeter meter("Receiving objects", 0, 100);
  EXPECT_EQ(meter.update(0), "Receiving objects: 0\r");
  EXPECT_EQ(meter.update(99), "");
  EXPECT_EQ(meter.update(100), "Receiving objects: 100\r");
  EXPECT_EQ(meter.update(150), "");
  EXPECT_EQ(meter.update(250), "Receiving objects: 250\r");
  EXPECT_EQ(meter.done(), "Receiving objects: 250, done.\n");
}

// The intended use: progress on band 2 costs nothing when nothing changed.
TEST(ProgressMeter, FeedsBandTwo) {
  ProgressMeter meter("Counting objects", 2);
  std::string out;
  appendSideband(out, Band::Progress, meter.update(1));
  appendSideband(out, Band::Progress, meter.update(1));  // unchanged: appends nothing
  appendSideband(out, Band::Progress, meter.done(2));
  auto packets = decode(out);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].payload, "\x02" "Counting objects:  50% (1/2)\r");
  EXPECT_EQ(packets[1].payload, "\x02" "Counting objects: 100% (2/2), done.\n");
}

}  // namespace
}  // namespace oa::git
