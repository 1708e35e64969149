#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "open_artifacts/errors.h"
#include "git/format/pkt_line.h"

namespace oa::git {
namespace {

using Kind = Packet::Kind;

Packet data(std::string payload) { return {Kind::Data, std::move(payload)}; }
Packet special(Kind kind) { return {kind, ""}; }

// Feeds `stream` in chunks of `chunk` bytes and drains packets after each.
std::vector<Packet> readAll(PktLineReader& reader, const std::string& stream, size_t chunk) {
  std::vector<Packet> packets;
  Packet p;
  for (size_t i = 0; i < stream.size(); i += chunk) {
    reader.feed(std::string_view(stream).substr(i, chunk));
    while (reader.next(p)) packets.push_back(p);
  }
  return packets;
}

std::vector<Packet> readAll(const std::string& stream, size_t chunk = 1 << 20) {
  PktLineReader reader;
  auto packets = readAll(reader, stream, chunk);
  EXPECT_EQ(reader.buffered(), 0u);
  return packets;
}

std::string binary(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

// ---- Known encodings (gitprotocol-common "pkt-line Format" examples).

struct Vector {
  std::string payload;
  std::string encoded;
};

class PktVectorTest : public ::testing::TestWithParam<Vector> {};

TEST_P(PktVectorTest, EncodesAndDecodes) {
  const auto& v = GetParam();
  std::string s;
  appendPkt(s, v.payload);
  EXPECT_EQ(s, v.encoded);
  Bytes b;
  appendPkt(b, v.payload);
  EXPECT_EQ(bytesToString(b), v.encoded);
  EXPECT_EQ(readAll(v.encoded), std::vector<Packet>{data(v.payload)});
}

INSTANTIATE_TEST_SUITE_P(Spec, PktVectorTest,
                         ::testing::Values(Vector{"a\n", "0006a\n"}, Vector{"a", "0005a"},
                                           Vector{"foobar\n", "000bfoobar\n"}, Vector{"", "0004"},
                                           Vector{std::string(251, 'x'), "00ff" + std::string(251, 'x')},
                                           Vector{std::string(kMaxPktPayload, 'y'),
                                                  "fff0" + std::string(kMaxPktPayload, 'y')}));

// ---- Round trips of assorted payloads, fed whole and one byte at a time.

class PktRoundTripTest : public ::testing::TestWithParam<size_t> {};

TEST_P(PktRoundTripTest, SurvivesAnyChunking) {
  std::string payload = binary(GetParam());
  std::string stream;
  appendPkt(stream, payload);
  appendDelim(stream);
  appendPkt(stream, payload);
  appendFlush(stream);
  appendResponseEnd(stream);
  std::vector<Packet> want{data(payload), special(Kind::Delim), data(payload), special(Kind::Flush),
                           special(Kind::ResponseEnd)};
  for (size_t chunk : {size_t(1), size_t(3), size_t(4), size_t(5), size_t(4096), stream.size()}) {
    EXPECT_EQ(readAll(stream, chunk), want) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, PktRoundTripTest,
                         ::testing::Values(0, 1, 2, 3, 4, 5, 255, 996, 65515, kMaxPktPayload));

// ---- Malformed headers: every one is InvalidInput, and stays an error.

struct BadHeader {
  std::string bytes;
  std::string messagePart;
};

class PktBadHeaderTest : public ::testing::TestWithParam<BadHeader> {};

TEST_P(PktBadHeaderTest, ThrowsInvalidInput) {
  const auto& c = GetParam();
  PktLineReader reader;
  reader.feed(c.bytes);
  Packet p;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      reader.next(p);
      ADD_FAILURE() << "accepted " << ::testing::PrintToString(c.bytes);
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
      EXPECT_NE(std::string(e.what()).find(c.messagePart), std::string::npos) << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Headers, PktBadHeaderTest,
    ::testing::Values(BadHeader{"00zz", "\"00zz\""}, BadHeader{"0x10abcdef", "\"0x10\""},
                      BadHeader{" 006a\n", "\" 006\""}, BadHeader{"-001", "4 hex digits"},
                      BadHeader{"000g", "4 hex digits"}, BadHeader{"+004", "4 hex digits"},
                      BadHeader{std::string("\0\0\0\0", 4), "\\x00\\x00\\x00\\x00"},
                      BadHeader{"00\n0", "\\x0a"}, BadHeader{std::string("PACK\0\0\0\2", 8), "\"PACK\""},
                      BadHeader{"0003", "0003"}, BadHeader{"0003abc", "0003"},
                      BadHeader{"fff1", "65521 exceeds the maximum of 65520"},
                      BadHeader{"FFFF", "65535 exceeds"}, BadHeader{"ffff" + std::string(100, 'a'), "65535"}));

// The header is judged as soon as its 4 bytes are in, before any payload.
TEST(PktLineReader, RejectsOversizeLengthWithoutWaitingForPayload) {
  PktLineReader reader;
  Packet p;
  reader.feed("fff");
  EXPECT_FALSE(reader.next(p));
  reader.feed("1");
  EXPECT_THROW(reader.next(p), ArtifactsError);
}

TEST(PktLineReader, AcceptsUppercaseHexLikeGit) {
  const std::string bin("\xff\xfe\x00\x01\xab\xcd", 6);
  EXPECT_EQ(readAll("000Bfoobar\n000A" + bin), (std::vector<Packet>{data("foobar\n"), data(bin)}));
}

TEST(PktLineReader, SpecialPacketsCarryNoPayload) {
  PktLineReader reader;
  reader.feed("0000000100020004");
  Packet p{Kind::Data, "stale"};
  std::vector<Kind> kinds;
  while (reader.next(p)) {
    kinds.push_back(p.kind);
    EXPECT_EQ(p.payload, "");
  }
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::Flush, Kind::Delim, Kind::ResponseEnd, Kind::Data}));
}

TEST(PktLineReader, ReportsPartialInputAsNeedMore) {
  PktLineReader reader;
  Packet p;
  EXPECT_FALSE(reader.next(p));
  for (char c : std::string("0009hello")) {
    EXPECT_FALSE(reader.next(p));
    reader.feed(std::string(1, c));
  }
  EXPECT_EQ(reader.buffered(), 9u);
  ASSERT_TRUE(reader.next(p));
  EXPECT_EQ(p, data("hello"));
  EXPECT_EQ(reader.buffered(), 0u);
  EXPECT_FALSE(reader.next(p));
}

// A protocol v2 ls-refs request (gitprotocol-v2): command, delim, args, flush.
TEST(PktLineReader, ParsesV2CommandRequest) {
  EXPECT_EQ(readAll("0014command=ls-refs\n0015agent=git/2.39.5\n00010009peel\n000csymrefs\n0000", 1),
            (std::vector<Packet>{data("command=ls-refs\n"), data("agent=git/2.39.5\n"), special(Kind::Delim),
                                 data("peel\n"), data("symrefs\n"), special(Kind::Flush)}));
}

// Captured from `GIT_PROTOCOL=version=2 git upload-pack --stateless-rpc
// --advertise-refs .` (git 2.39.5): a stream produced by git itself.
TEST(PktLineReader, ParsesGitV2CapabilityAdvertisement) {
  const std::string stream =
      "000eversion 2\n0015agent=git/2.39.5\n0013ls-refs=unborn\n0020fetch=shallow wait-for-done\n"
      "0012server-option\n0017object-format=sha1\n0010object-info\n0000";
  std::vector<Packet> want;
  for (const char* line : {"version 2\n", "agent=git/2.39.5\n", "ls-refs=unborn\n", "fetch=shallow wait-for-done\n",
                           "server-option\n", "object-format=sha1\n", "object-info\n"}) {
    want.push_back(data(line));
  }
  want.push_back(special(Kind::Flush));
  EXPECT_EQ(readAll(stream, 7), want);
  // And our writer reproduces it byte for byte.
  std::string rebuilt;
  for (size_t i = 0; i + 1 < want.size(); ++i) appendPkt(rebuilt, want[i].payload);
  appendFlush(rebuilt);
  EXPECT_EQ(rebuilt, stream);
}

// receive-pack: commands, flush, then the raw pack (not pkt-lines).
TEST(PktLineReader, TakeRemainingHandsOverPackAfterFlush) {
  const std::string oldId(40, '0'), newId(40, 'a');
  std::string body;
  appendPkt(body, oldId + " " + newId + " refs/heads/main" + std::string(1, '\0') + " report-status\n");
  appendFlush(body);
  const std::string pack = "PACK" + binary(5000);
  body += pack;

  for (size_t chunk : {size_t(1), size_t(100), body.size()}) {
    PktLineReader reader;
    Packet p;
    size_t fed = 0;
    std::vector<Packet> got;
    while (got.empty() || got.back().kind != Kind::Flush) {
      ASSERT_LT(fed, body.size());
      size_t n = std::min(chunk, body.size() - fed);
      reader.feed(std::string_view(body).substr(fed, n));
      fed += n;
      while ((got.empty() || got.back().kind != Kind::Flush) && reader.next(p)) got.push_back(p);
    }
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(chompNewline(got[0].payload).substr(82), "refs/heads/main" + std::string(1, '\0') + " report-status");
    std::string rest = reader.takeRemaining();
    EXPECT_EQ(reader.buffered(), 0u);
    EXPECT_FALSE(reader.next(p));
    rest += body.substr(fed);  // what the caller receives after switching
    EXPECT_EQ(rest, pack) << "chunk " << chunk;
  }
}

TEST(PktLineReader, TakeRemainingOnEmptyAndPartialInput) {
  PktLineReader reader;
  EXPECT_EQ(reader.takeRemaining(), "");
  reader.feed("0009hel");
  EXPECT_EQ(reader.takeRemaining(), "0009hel");
  EXPECT_EQ(reader.buffered(), 0u);
  reader.feed("0005x");
  Packet p;
  ASSERT_TRUE(reader.next(p));
  EXPECT_EQ(p, data("x"));
}

TEST(PktLineReader, EnforcesBufferCap) {
  PktLineReader reader(10);
  reader.feed("0009hello");  // 9 bytes
  try {
    reader.feed("00");
    FAIL() << "cap not enforced";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("10"), std::string::npos);
  }
  EXPECT_EQ(reader.buffered(), 9u);  // a rejected feed changes nothing
  reader.feed("0");
  Packet p;
  ASSERT_TRUE(reader.next(p));
  EXPECT_EQ(reader.buffered(), 1u);
  reader.feed("005x0000");  // consumed bytes no longer count
  ASSERT_TRUE(reader.next(p));
  EXPECT_EQ(p, data("x"));
}

// Consumed bytes must not be re-copied per packet: 64 MiB fed in one call and
// in 64 KiB chunks both drain quickly (a per-packet erase would take minutes).
TEST(PktLineReader, LongStreamsStayLinear) {
  std::string payload = binary(kMaxPktPayload);
  std::string stream;
  const size_t packets = (64u << 20) / kMaxPktLength;
  for (size_t i = 0; i < packets; ++i) appendPkt(stream, payload);
  for (size_t chunk : {stream.size(), size_t(64 * 1024), size_t(4093)}) {
    PktLineReader reader;
    Packet p;
    size_t count = 0, maxBuffered = 0;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      reader.feed(std::string_view(stream).substr(i, chunk));
      maxBuffered = std::max(maxBuffered, reader.buffered());
      while (reader.next(p)) count += p.payload == payload;
    }
    EXPECT_EQ(count, packets) << "chunk " << chunk;
    if (chunk < stream.size()) {
      EXPECT_LT(maxBuffered, chunk + kMaxPktLength);
    }
  }
}

TEST(PktWriter, RejectsOversizePayload) {
  std::string s = "keep";
  EXPECT_NO_THROW(appendPkt(s, std::string(kMaxPktPayload, 'a')));
  s = "keep";
  try {
    appendPkt(s, std::string(kMaxPktPayload + 1, 'a'));
    FAIL() << "oversize payload accepted";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
  EXPECT_EQ(s, "keep");
  Bytes b;
  EXPECT_THROW(appendPkt(b, std::string(100000, 'a')), ArtifactsError);
  EXPECT_TRUE(b.empty());
}

TEST(PktWriter, SpecialPackets) {
  std::string s;
  appendFlush(s);
  appendDelim(s);
  appendResponseEnd(s);
  appendPkt(s, "want abc\n");
  appendPkt(s, "");
  EXPECT_EQ(s, "000000010002000dwant abc\n0004");
  Bytes b;
  appendFlush(b);
  appendDelim(b);
  appendResponseEnd(b);
  appendPkt(b, "ng refs/heads/x 42\n");
  EXPECT_EQ(bytesToString(b), "0000000100020017ng refs/heads/x 42\n");
}

struct ChompCase {
  std::string in, out;
};

class ChompNewlineTest : public ::testing::TestWithParam<ChompCase> {};

TEST_P(ChompNewlineTest, StripsOneTrailingNewline) {
  EXPECT_EQ(chompNewline(GetParam().in), GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(Cases, ChompNewlineTest,
                         ::testing::Values(ChompCase{"a\n", "a"}, ChompCase{"a\n\n", "a\n"}, ChompCase{"", ""},
                                           ChompCase{"\n", ""}, ChompCase{"a", "a"}, ChompCase{"a\r\n", "a\r"},
                                           ChompCase{"\na", "\na"}));

}  // namespace
}  // namespace oa::git
