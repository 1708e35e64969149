// The fetch response decoder on its own: sections, the shallow list, and the
// pack on side-band or raw, handed to a sink. (fetch_client_test reads real
// responses from git http-backend through it.)
#include <gtest/gtest.h>

#include "git/format/sideband.h"
#include "git/protocol/fetch_response.h"
#include "open_artifacts/errors.h"

namespace oa::git {
namespace {

ObjectId id(char c) { return *ObjectId::fromHex(std::string(40, c)); }

struct RecordingSink : FetchResponseDecoder::PackSink {
  std::string events;  // "[" begin, "]" end
  std::string pack;
  void packBegins() override { events += "["; }
  void packData(const uint8_t* data, size_t n) override { pack.append(reinterpret_cast<const char*>(data), n); }
  void packEnds() override { events += "]"; }
};

// Feeds the body's packets until the decoder is complete or the pack goes
// raw (then the rest is raw pack); true if the response was complete.
bool feed(FetchResponseDecoder& decoder, const std::string& body) {
  PktLineReader reader;
  reader.feed(body);
  bool complete = false;
  for (Packet p; !complete && !decoder.packIsRaw() && reader.next(p);) complete = decoder.onPacket(p);
  if (decoder.packIsRaw()) {
    const std::string rest = reader.takeRemaining();
    decoder.rawPackData(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  }
  EXPECT_EQ(reader.buffered(), 0u);
  return decoder.endOfBody() || complete;
}

const std::string kPack = "PACK-bytes-stand-in";

TEST(FetchResponseDecoder, V2SectionsThenThePackOnSideband) {
  std::string body;
  appendPkt(body, "acknowledgments\n");
  appendPkt(body, "NAK\n");
  appendDelim(body);
  appendPkt(body, "shallow-info\n");
  appendPkt(body, "shallow " + id('a').hex() + "\n");
  appendPkt(body, "shallow " + id('b').hex() + "\n");
  appendPkt(body, "unshallow " + id('b').hex() + "\n");
  appendDelim(body);
  appendPkt(body, "packfile\n");
  appendSideband(body, Band::Progress, "Enumerating objects: 3, done.\n");
  appendSideband(body, Band::Data, kPack, 5);  // several packets
  appendFlush(body);
  RecordingSink sink;
  FetchResponseDecoder decoder(/*v2=*/true, /*sideband=*/false, sink);
  EXPECT_TRUE(feed(decoder, body));
  EXPECT_EQ(sink.events, "[]");
  EXPECT_EQ(sink.pack, kPack);
  EXPECT_EQ(decoder.shallow(), std::set<ObjectId>{id('a')});
}

TEST(FetchResponseDecoder, V0ShallowListThenNakThenSidebandOrRawPack) {
  for (bool sideband : {true, false}) {
    std::string body;
    appendPkt(body, "shallow " + id('c').hex() + "\n");
    appendFlush(body);
    appendPkt(body, "NAK\n");
    if (sideband) {
      appendSideband(body, Band::Data, kPack);
      appendFlush(body);
    } else {
      body += kPack;
    }
    RecordingSink sink;
    FetchResponseDecoder decoder(/*v2=*/false, sideband, sink);
    EXPECT_TRUE(feed(decoder, body)) << sideband;
    EXPECT_EQ(sink.events, "[]");
    EXPECT_EQ(sink.pack, kPack);
    EXPECT_EQ(decoder.shallow(), std::set<ObjectId>{id('c')});
  }
}

TEST(FetchResponseDecoder, AResponseCutShortIsIncomplete) {
  std::string body;
  appendPkt(body, "packfile\n");
  appendSideband(body, Band::Data, kPack);
  RecordingSink sink;
  FetchResponseDecoder decoder(true, false, sink);
  EXPECT_FALSE(feed(decoder, body));
  EXPECT_EQ(sink.events, "[");
}

TEST(FetchResponseDecoder, ErrorsOfTheRemoteAndOfTheFraming) {
  auto codeOf = [](bool v2, const std::string& body) -> std::optional<ErrorCode> {
    RecordingSink sink;
    FetchResponseDecoder decoder(v2, true, sink);
    try {
      feed(decoder, body);
    } catch (const ArtifactsError& e) {
      return e.code();
    }
    return std::nullopt;
  };
  std::string band3;
  appendPkt(band3, "packfile\n");
  appendSideband(band3, Band::Error, "fatal: out of memory\n");
  EXPECT_EQ(codeOf(true, band3), ErrorCode::UpstreamUnavailable);
  std::string unknownSection;
  appendPkt(unknownSection, "surprise\n");
  EXPECT_EQ(codeOf(true, unknownSection), ErrorCode::InvalidInput);
  std::string badBand;
  appendPkt(badBand, "NAK\n");
  appendPkt(badBand, "\x07oops");
  EXPECT_EQ(codeOf(false, badBand), ErrorCode::InvalidInput);
  std::string noAck;
  appendPkt(noAck, "hello\n");
  EXPECT_EQ(codeOf(false, noAck), ErrorCode::InvalidInput);
  std::string badShallow;
  appendPkt(badShallow, "shallow-info\n");
  appendPkt(badShallow, "shallow zz\n");
  EXPECT_EQ(codeOf(true, badShallow), ErrorCode::InvalidInput);
}

}  // namespace
}  // namespace oa::git
