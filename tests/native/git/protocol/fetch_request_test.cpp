// The fetch request codec: what the fetch client encodes, upload-pack parses
// back to the same request, for every field each protocol version carries;
// and the v2 command framing around it.
#include <gtest/gtest.h>

#include "git/protocol/command_request.h"
#include "git/protocol/fetch_request.h"
#include "git/format/pkt_line.h"

namespace oa::git {
namespace {

ObjectId id(char c) { return *ObjectId::fromHex(std::string(40, c)); }

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

void expectSame(const FetchRequest& got, const FetchRequest& want) {
  EXPECT_EQ(got.wants, want.wants);
  EXPECT_EQ(got.wantRefs, want.wantRefs);
  EXPECT_EQ(got.haves, want.haves);
  EXPECT_EQ(got.done, want.done);
  EXPECT_EQ(got.negotiating, want.negotiating);
  EXPECT_EQ(got.shallows, want.shallows);
  EXPECT_EQ(got.depth, want.depth);
  EXPECT_EQ(got.deepenRelative, want.deepenRelative);
  EXPECT_EQ(got.deepenSince, want.deepenSince);
  EXPECT_EQ(got.deepenNot, want.deepenNot);
  EXPECT_EQ(got.filter, want.filter);
  EXPECT_EQ(got.sideband, want.sideband);
  EXPECT_EQ(got.sideband64k, want.sideband64k);
  EXPECT_EQ(got.ofsDelta, want.ofsDelta);
  EXPECT_EQ(got.thinPack, want.thinPack);
  EXPECT_EQ(got.noProgress, want.noProgress);
  EXPECT_EQ(got.includeTag, want.includeTag);
  EXPECT_EQ(got.multiAck, want.multiAck);
  EXPECT_EQ(got.multiAckDetailed, want.multiAckDetailed);
  EXPECT_EQ(got.noDone, want.noDone);
  EXPECT_EQ(got.waitForDone, want.waitForDone);
  EXPECT_EQ(got.sidebandAll, want.sidebandAll);
}

FetchRequest parseV2(const Bytes& body) {
  const CommandRequest command = parseCommandRequest(text(body));
  EXPECT_EQ(command.command, "fetch");
  return parseFetchArgumentsV2(command.arguments);
}

// Every field v0/v1 carries, set.
FetchRequest everyV0Field() {
  FetchRequest r;
  r.wants = {id('a'), id('b')};
  r.haves = {id('c'), id('d')};
  r.shallows = {id('e')};
  r.depth = 3;
  r.deepenRelative = true;
  r.deepenSince = 1767225600;
  r.deepenNot = {"refs/heads/old", "v1"};
  r.filter = ObjectFilter{ObjectFilter::Kind::BlobLimit, 2048};
  r.sideband = r.sideband64k = r.ofsDelta = r.thinPack = r.noProgress = r.includeTag = true;
  r.multiAck = r.multiAckDetailed = r.noDone = true;
  r.negotiating = r.done = true;
  return r;
}

// Every field v2 carries, set (side-band is implied: always on).
FetchRequest everyV2Field() {
  FetchRequest r;
  r.wants = {id('a'), id('b')};
  r.wantRefs = {"refs/heads/main"};
  r.haves = {id('c')};
  r.shallows = {id('e'), id('f')};
  r.depth = 1;
  r.deepenRelative = true;
  r.deepenSince = 42;
  r.deepenNot = {"refs/tags/v0"};
  r.filter = ObjectFilter{ObjectFilter::Kind::TreeDepth, 0};
  r.sideband64k = true;
  r.ofsDelta = r.thinPack = r.noProgress = r.includeTag = r.waitForDone = r.sidebandAll = true;
  r.done = true;
  return r;
}

TEST(FetchRequestCodec, V0RoundTripsEveryField) {
  const FetchRequest r = everyV0Field();
  expectSame(parseFetchRequestV0(text(encodeFetchRequestV0(r))), r);
}

TEST(FetchRequestCodec, V0RoundTripsEachFlagAlone) {
  bool FetchRequest::*flags[] = {&FetchRequest::sideband,   &FetchRequest::sideband64k, &FetchRequest::ofsDelta,
                                 &FetchRequest::thinPack,   &FetchRequest::noProgress,  &FetchRequest::includeTag,
                                 &FetchRequest::multiAck,   &FetchRequest::multiAckDetailed, &FetchRequest::noDone,
                                 &FetchRequest::deepenRelative};
  for (auto flag : flags) {
    FetchRequest r;
    r.wants = {id('a')};
    r.*flag = true;
    expectSame(parseFetchRequestV0(text(encodeFetchRequestV0(r))), r);
  }
}

// The three shapes of a v0/v1 body: wants only (a shallow clone's first
// request), a negotiation round (haves, flush), the last round (done).
TEST(FetchRequestCodec, V0RoundTripsEachNegotiationStage) {
  FetchRequest wantsOnly;
  wantsOnly.wants = {id('a')};
  wantsOnly.depth = 1;
  FetchRequest round = wantsOnly;
  round.negotiating = true;
  round.haves = {id('b'), id('c')};
  FetchRequest roundWithoutHaves = wantsOnly;
  roundWithoutHaves.negotiating = true;
  FetchRequest last = round;
  last.done = true;
  for (const FetchRequest& r : {wantsOnly, round, roundWithoutHaves, last}) {
    expectSame(parseFetchRequestV0(text(encodeFetchRequestV0(r))), r);
  }
}

TEST(FetchRequestCodec, V0PutsCapabilitiesOnTheFirstWantOnly) {
  FetchRequest r;
  r.wants = {id('a'), id('b')};
  r.sideband64k = r.ofsDelta = r.includeTag = r.noProgress = true;
  r.depth = 2;
  r.done = true;
  std::string want;
  appendPkt(want, "want " + id('a').hex() + " side-band-64k ofs-delta include-tag no-progress agent=x/1\n");
  appendPkt(want, "want " + id('b').hex() + "\n");
  appendPkt(want, "deepen 2\n");
  appendFlush(want);
  appendPkt(want, "done\n");
  EXPECT_EQ(text(encodeFetchRequestV0(r, {"agent=x/1"})), want);
  // The extra capability is read and ignored.
  expectSame(parseFetchRequestV0(want), [&] {
    FetchRequest back = r;
    back.negotiating = true;  // "done" ends negotiation
    return back;
  }());
}

TEST(FetchRequestCodec, V2RoundTripsEveryField) {
  const FetchRequest r = everyV2Field();
  const Bytes body = encodeFetchRequestV2(r, {"agent=x/1", "object-format=sha1"});
  expectSame(parseV2(body), r);
  const CommandRequest command = parseCommandRequest(text(body));
  EXPECT_EQ(command.capabilities, (std::vector<std::string>{"agent=x/1", "object-format=sha1"}));
}

TEST(FetchRequestCodec, V2RoundTripsANegotiationRound) {
  FetchRequest r;
  r.sideband64k = true;
  r.wants = {id('a')};
  r.haves = {id('b')};
  expectSame(parseV2(encodeFetchRequestV2(r, {})), r);
}

TEST(FetchRequestCodec, V2WritesTheLinesGitWrites) {
  FetchRequest r;
  r.wants = {id('a')};
  r.noProgress = r.ofsDelta = r.includeTag = true;
  r.depth = 2;
  r.done = true;
  std::string want;
  appendPkt(want, "command=fetch\n");
  appendPkt(want, "agent=x/1\n");
  appendDelim(want);
  for (const std::string& line :
       std::vector<std::string>{"no-progress", "ofs-delta", "include-tag", "deepen 2", "want " + id('a').hex(), "done"}) {
    appendPkt(want, line + "\n");
  }
  appendFlush(want);
  EXPECT_EQ(text(encodeFetchRequestV2(r, {"agent=x/1"})), want);
}

TEST(FetchRequestCodec, FiltersRoundTripAsSpecs) {
  for (const char* spec : {"blob:none", "blob:limit=0", "blob:limit=1k", "blob:limit=5m", "tree:0", "tree:3"}) {
    const auto filter = ObjectFilter::parse(spec);
    ASSERT_TRUE(filter) << spec;
    EXPECT_EQ(ObjectFilter::parse(filter->spec()), filter) << spec;
  }
  EXPECT_EQ(ObjectFilter::parse("blob:limit=1k")->spec(), "blob:limit=1024");
}

TEST(CommandRequestCodec, RoundTrips) {
  const CommandRequest r{"ls-refs", {"agent=x/1", "object-format=sha1"}, {"peel", "symrefs", "ref-prefix refs/heads/"}};
  const CommandRequest back = parseCommandRequest(text(encodeCommandRequest(r)));
  EXPECT_EQ(back.command, r.command);
  EXPECT_EQ(back.capabilities, r.capabilities);
  EXPECT_EQ(back.arguments, r.arguments);
  const CommandRequest bare = parseCommandRequest(text(encodeCommandRequest(CommandRequest{"ls-refs", {}, {}})));
  EXPECT_EQ(bare.command, "ls-refs");
  EXPECT_TRUE(bare.capabilities.empty());
  EXPECT_TRUE(bare.arguments.empty());
}

// The ls-refs request of git 2.39.5 (pkt_line_test's capture).
TEST(CommandRequestCodec, ParsesGitsRequest) {
  const CommandRequest r = parseCommandRequest("0014command=ls-refs\n0015agent=git/2.39.5\n00010009peel\n000csymrefs\n0000");
  EXPECT_EQ(r.command, "ls-refs");
  EXPECT_EQ(r.capabilities, std::vector<std::string>{"agent=git/2.39.5"});
  EXPECT_EQ(r.arguments, (std::vector<std::string>{"peel", "symrefs"}));
}

}  // namespace
}  // namespace oa::git
