// The ref advertisement codec: what upload-pack and receive-pack encode, the
// fetch client decodes to the same refs, capabilities, peeled tags, shallow
// commits and symrefs; and git's own advertisements decode as git meant them.
#include <gtest/gtest.h>

#include "git/protocol/capabilities.h"
#include "git/protocol/ref_advertisement.h"
#include "open_artifacts/errors.h"
#include "support/git_fixture.h"

namespace oa::git {
namespace {

using Status = RefAdvertisementDecoder::Status;

ObjectId id(char c) { return *ObjectId::fromHex(std::string(40, c)); }

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

template <typename F>
std::optional<ErrorCode> errorOf(F&& f) {
  try {
    f();
  } catch (const ArtifactsError& e) {
    return e.code();
  }
  return std::nullopt;
}

std::vector<Packet> packets(const std::string& body) {
  PktLineReader reader;
  reader.feed(body);
  std::vector<Packet> out;
  for (Packet p; reader.next(p);) out.push_back(p);
  EXPECT_EQ(reader.buffered(), 0u);
  return out;
}

// Feeds a whole body; the status after its last packet.
Status decodeInto(RefAdvertisementDecoder& decoder, const std::string& body) {
  Status status = Status::NeedMore;
  for (const auto& p : packets(body)) {
    EXPECT_EQ(status, Status::NeedMore) << "packet after the end";
    status = decoder.onPacket(p);
    if (status == Status::NotAnAdvertisement) break;
  }
  return status;
}

RefAdvertisement decode(const Bytes& body, const std::string& service = "git-upload-pack") {
  RefAdvertisementDecoder decoder(service);
  EXPECT_EQ(decodeInto(decoder, text(body)), Status::Complete);
  EXPECT_TRUE(decoder.recognised());
  return decoder.result();
}

std::vector<AdvertisedRef> decodeLsRefs(const Bytes& body) {
  LsRefsDecoder decoder;
  bool complete = false;
  for (const auto& p : packets(text(body))) {
    EXPECT_FALSE(complete) << "packet after the end";
    complete = decoder.onPacket(p);
  }
  EXPECT_TRUE(complete);
  return decoder.refs();
}

void expectSame(const RefAdvertisement& got, const RefAdvertisement& want) {
  EXPECT_EQ(got.service, want.service);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.capabilities, want.capabilities);
  EXPECT_EQ(got.refs, want.refs);
  EXPECT_EQ(got.shallow, want.shallow);
}

RefAdvertisement uploadPackAd(int version) {
  RefAdvertisement ad;
  ad.service = "git-upload-pack";
  ad.version = version;
  ad.capabilities = uploadPackCapabilities("refs/heads/main");
  ad.refs = {{"HEAD", id('a'), {}, {}},
             {"refs/heads/main", id('a'), {}, {}},
             {"refs/heads/topic", id('b'), {}, {}},
             {"refs/tags/v1", id('c'), id('a'), {}},  // annotated: peels to main
             {"refs/tags/light", id('b'), {}, {}}};
  ad.shallow = {id('d'), id('e')};
  return ad;
}

// ---- round trips

TEST(RefAdvertisement, V0AndV1RoundTripRefsCapabilitiesPeeledAndShallow) {
  for (int version : {0, 1}) {
    const RefAdvertisement ad = uploadPackAd(version);
    const RefAdvertisement back = decode(encodeRefAdvertisement(ad));
    expectSame(back, ad);
    // The symref travels as a capability in v0/v1.
    EXPECT_EQ(capabilityValue(back.capabilities, "symref"), "HEAD:refs/heads/main");
  }
}

TEST(RefAdvertisement, ReceivePackStyleRoundTrips) {
  RefAdvertisement ad;
  ad.service = "git-receive-pack";
  ad.capabilities = receivePackCapabilities();
  ad.refs = {{"refs/heads/main", id('a'), {}, {}}};
  expectSame(decode(encodeRefAdvertisement(ad), "git-receive-pack"), ad);
}

TEST(RefAdvertisement, AnEmptyRepoCarriesItsCapabilitiesOnCapabilitiesLine) {
  RefAdvertisement ad;
  ad.service = "git-upload-pack";
  ad.capabilities = {"multi_ack", "side-band-64k", "agent=x/1"};
  ad.shallow = {id('d')};
  const Bytes body = encodeRefAdvertisement(ad);
  EXPECT_NE(text(body).find(std::string(40, '0') + " capabilities^{}" + std::string(1, '\0') + "multi_ack"),
            std::string::npos);
  expectSame(decode(body), ad);
}

TEST(RefAdvertisement, V2CapabilitiesRoundTripWithAndWithoutThePreamble) {
  RefAdvertisement ad;
  ad.version = 2;
  ad.capabilities = protocolV2Capabilities();
  for (const std::string service : {"git-upload-pack", ""}) {
    ad.service = service;
    expectSame(decode(encodeRefAdvertisement(ad)), ad);
  }
}

TEST(RefAdvertisement, LsRefsRoundTripsSymrefsPeeledAndUnborn) {
  const std::vector<AdvertisedRef> refs = {
      {"HEAD", id('a'), {}, std::string("refs/heads/main")},
      {"refs/heads/main", id('a'), {}, {}},
      {"refs/tags/v1", id('c'), id('a'), {}},
  };
  EXPECT_EQ(decodeLsRefs(encodeLsRefsResponse(refs)), refs);
  const std::vector<AdvertisedRef> unborn = {{"HEAD", std::nullopt, {}, std::string("refs/heads/dev")}};
  const Bytes body = encodeLsRefsResponse(unborn);
  std::string want;
  appendPkt(want, "unborn HEAD symref-target:refs/heads/dev\n");
  appendFlush(want);
  EXPECT_EQ(text(body), want);
  EXPECT_EQ(decodeLsRefs(body), unborn);
  EXPECT_TRUE(decodeLsRefs(encodeLsRefsResponse({})).empty());
}

// ---- the wire format itself

TEST(RefAdvertisement, EncodesTheBytesGitSends) {
  RefAdvertisement ad;
  ad.service = "git-upload-pack";
  ad.capabilities = {"ofs-delta", "symref=HEAD:refs/heads/main"};
  ad.refs = {{"HEAD", id('a'), {}, {}}, {"refs/tags/v1", id('c'), id('a'), {}}};
  ad.shallow = {id('d')};
  std::string want = "001e# service=git-upload-pack\n0000";
  appendPkt(want, std::string(40, 'a') + " HEAD" + std::string(1, '\0') + "ofs-delta symref=HEAD:refs/heads/main\n");
  appendPkt(want, std::string(40, 'c') + " refs/tags/v1\n");
  appendPkt(want, std::string(40, 'a') + " refs/tags/v1^{}\n");
  appendPkt(want, "shallow " + std::string(40, 'd') + "\n");
  appendFlush(want);
  EXPECT_EQ(text(encodeRefAdvertisement(ad)), want);
}

// `git upload-pack --advertise-refs` as the oracle: its v0 advertisement
// (no preamble: that is http-backend's) decodes to what for-each-ref says.
TEST(RefAdvertisement, DecodesGitsOwnAdvertisement) {
  testing::TempDir dir;
  const std::string repo = dir.path + "/r";
  testing::run("git init -q -b main " + repo);
  testing::run(testing::git(repo) + "commit -q --allow-empty -m c1");
  testing::run(testing::git(repo) + "tag -a v1 -m 'tag v1'");
  testing::run(testing::git(repo) + "tag light");
  const std::string body =
      testing::run("GIT_PROTOCOL= " + testing::git(repo) + "upload-pack --stateless-rpc --advertise-refs .");
  RefAdvertisementDecoder decoder("git-upload-pack");
  ASSERT_EQ(decodeInto(decoder, body), Status::Complete);
  const RefAdvertisement& ad = decoder.result();
  auto rev = [&](const std::string& name) { return *ObjectId::fromHex(testing::run(testing::git(repo) + "rev-parse " + name).substr(0, 40)); };
  EXPECT_EQ(ad.service, "");
  EXPECT_EQ(ad.refs, (std::vector<AdvertisedRef>{{"HEAD", rev("main"), {}, {}},
                                                 {"refs/heads/main", rev("main"), {}, {}},
                                                 {"refs/tags/light", rev("main"), {}, {}},
                                                 {"refs/tags/v1", rev("v1"), rev("main"), {}}}));
  EXPECT_EQ(capabilityValue(ad.capabilities, "symref"), "HEAD:refs/heads/main");
  EXPECT_TRUE(hasCapability(ad.capabilities, "side-band-64k"));
}

// ---- decoding rules

TEST(RefAdvertisementDecoder, KeepsOnlyTheRefsAskedForWithTheirPeeledIds) {
  RefAdvertisement ad = uploadPackAd(0);
  ad.refs.insert(ad.refs.begin() + 3, AdvertisedRef{"refs/pull/1/head", id('f'), {}, {}});
  ad.refs.push_back({"refs/pull/2/tag", id('c'), id('a'), {}});
  RefAdvertisementDecoder decoder("git-upload-pack", [](std::string_view name) {
    return name.rfind("refs/heads/", 0) == 0 || name.rfind("refs/tags/", 0) == 0;
  });
  ASSERT_EQ(decodeInto(decoder, text(encodeRefAdvertisement(ad))), Status::Complete);
  std::vector<std::string> names;
  for (const auto& r : decoder.result().refs) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"refs/heads/main", "refs/heads/topic", "refs/tags/v1", "refs/tags/light"}));
  EXPECT_EQ(decoder.result().refs[2].peeled, id('a'));
  EXPECT_EQ(decoder.result().refs[3].peeled, std::nullopt) << "the peeled line of a dropped ref goes with it";
  EXPECT_EQ(decoder.result().capabilities, ad.capabilities) << "capabilities of a dropped first ref are kept";
}

TEST(RefAdvertisementDecoder, AFlushAfterThePreambleIsAnEmptyV0Advertisement) {
  RefAdvertisementDecoder decoder("git-upload-pack");
  EXPECT_EQ(decodeInto(decoder, "001e# service=git-upload-pack\n00000000"), Status::Complete);
  EXPECT_TRUE(decoder.result().refs.empty());
  EXPECT_TRUE(decoder.result().capabilities.empty());
}

TEST(RefAdvertisementDecoder, TellsOtherContentFromAMisbehavingGitServer) {
  struct Case {
    std::string body;
    bool recognised;
  };
  std::string hello;
  appendPkt(hello, "hello\n");
  const std::string preamble = "001e# service=git-upload-pack\n0000";
  // Not a git advertisement at all; recognised: what the decoder had seen by then.
  const std::vector<Case> notGit = {
      {hello + "0000", false},
      {"0000", false},                                  // a flush with nothing before it
      {"001f# service=git-receive-pack\n0000", false},  // not the service asked for
      {"001e# service=git-upload-pack\n0001", true},    // no flush after the preamble
      {preamble + "0001", true},
  };
  for (const auto& c : notGit) {
    RefAdvertisementDecoder decoder("git-upload-pack");
    EXPECT_EQ(decodeInto(decoder, c.body), Status::NotAnAdvertisement) << c.body;
    EXPECT_EQ(decoder.recognised(), c.recognised) << c.body;
  }
  // Once recognised, a bad line is a misbehaving server: InvalidInput.
  std::string badRefLine = text(encodeRefAdvertisement(uploadPackAd(0)));
  badRefLine.insert(badRefLine.size() - 4, "0008bad\n");
  for (const std::string& body : {preamble + hello, preamble + "000eversion 2\n0001", badRefLine}) {
    RefAdvertisementDecoder decoder("git-upload-pack");
    EXPECT_EQ(errorOf([&] { decodeInto(decoder, body); }), ErrorCode::InvalidInput) << body;
    EXPECT_TRUE(decoder.recognised());
  }
}

TEST(RefAdvertisementDecoder, BoundsTheShallowList) {
  RefAdvertisement ad;
  ad.service = "git-upload-pack";
  ad.refs = {{"refs/heads/main", id('a'), {}, {}}};
  std::string body = text(encodeRefAdvertisement(ad));
  body.resize(body.size() - 4);  // drop the flush
  for (size_t i = 0; i <= RefAdvertisementDecoder::kMaxShallow; ++i) appendPkt(body, "shallow " + id('d').hex() + "\n");
  appendFlush(body);
  RefAdvertisementDecoder decoder("git-upload-pack");
  EXPECT_EQ(errorOf([&] { decodeInto(decoder, body); }), ErrorCode::InvalidInput);
}

TEST(LsRefsDecoder, RejectsMalformedLines) {
  for (const std::string& line : {std::string("HEAD\n"), std::string("zz refs/heads/main\n"),
                                  std::string(40, 'a') + " refs/tags/v1 peeled:zz\n"}) {
    std::string body;
    appendPkt(body, line);
    LsRefsDecoder decoder;
    EXPECT_EQ(errorOf([&] {
                for (const auto& p : packets(body)) decoder.onPacket(p);
              }),
              ErrorCode::InvalidInput)
        << line;
  }
  LsRefsDecoder decoder;
  EXPECT_EQ(errorOf([&] { decoder.onPacket(Packet{Packet::Kind::Delim, ""}); }), ErrorCode::InvalidInput);
}

}  // namespace
}  // namespace oa::git
