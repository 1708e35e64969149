// upload-pack against git as the oracle: the packs we serve must index with
// `git index-pack --strict` and contain exactly what `git rev-list --objects`
// says a client needs.
#include <gtest/gtest.h>

#include "git/protocol/upload_pack.h"
#include "git/store/object_walk.h"
#include "support/git_fixture.h"

namespace oa::git {
namespace {

using testing::demux;
using testing::git;
using testing::lines;
using testing::run;

// A source repo with a merge, a tag, a subdirectory and binary data; its
// whole pack is ingested into a ServerRepo.
struct UploadPackFixture : ::testing::Test {
  testing::TempDir dir;
  std::string src;
  testing::ServerRepo server;
  std::map<std::string, std::string> ids;

  void SetUp() override {
    src = dir.path + "/src";
    run("git init -q -b main " + src);
    auto commit = [&](const std::string& file, const std::string& text, const std::string& msg) {
      return testing::commitFile(src, file, text, msg);
    };
    ids["c1"] = commit("a.txt", "one\n", "c1");
    ids["c2"] = commit("dir/b.txt", "two\n", "c2");
    run("head -c 3000 /dev/urandom > " + src + "/bin.dat && " + git(src) + "add -A && " + git(src) + "commit -qm c3");
    ids["c3"] = run(git(src) + "rev-parse HEAD").substr(0, 40);
    run(git(src) + "checkout -q -b side " + ids["c2"]);
    ids["s1"] = commit("side.txt", "side\n", "s1");
    run(git(src) + "checkout -q main && " + git(src) + "merge -q --no-edit side");
    ids["m"] = run(git(src) + "rev-parse HEAD").substr(0, 40);
    ids["c5"] = commit("a.txt", "one\nmore\n", "c5");
    run(git(src) + "tag -a v1 -m 'tag v1' " + ids["c2"]);
    server.ingest(testing::readFile(packAll()));
    server.setRef("refs/heads/main", ids["c5"]);
    server.setRef("refs/heads/side", ids["s1"]);
    server.setRef("refs/tags/v1", run(git(src) + "rev-parse v1").substr(0, 40));
  }

  std::string packAll() {
    const std::string path = dir.path + "/all.pack";
    run(git(src) + "pack-objects --revs --all --stdout --delta-base-offset </dev/null > " + path);
    return path;
  }

  Bytes serve(const std::string& request, int version) {
    auto body = UploadPack(server.ctx).serve(request, version);
    Bytes out;
    while (body->next(out)) {
    }
    return out;
  }

  // Object ids in a pack, via git index-pack + verify-pack (which also validates it).
  // `strict` also demands the pack be self-contained (true only for full clones).
  std::set<std::string> packObjects(const Bytes& pack, bool fixThin = false, bool strict = false) {
    const std::string repo = dir.path + "/check-" + std::to_string(counter++);
    run("git init -q --bare " + repo);
    testing::writeFile(repo + "/in.pack", pack);
    if (fixThin) {
      // Thin packs need the client's objects: give the check repo all of src.
      run("cp -r " + src + "/.git/objects/. " + repo + "/objects/");
      run(git(repo) + "index-pack --strict --fix-thin --stdin < " + repo + "/in.pack > /dev/null");
    } else {
      run(git(repo) + "index-pack " + (strict ? "--strict " : "") + "-o " + repo + "/in.idx " + repo +
          "/in.pack > /dev/null");
    }
    std::set<std::string> out;
    if (fixThin) return out;
    for (const auto& line : lines(run(git(repo) + "verify-pack -v " + repo + "/in.idx"))) {
      if (line.size() > 41 && line[40] == ' ' && line.find("chain length") == std::string::npos) out.insert(line.substr(0, 40));
    }
    return out;
  }

  std::set<std::string> revList(const std::string& args) {
    std::set<std::string> out;
    for (const auto& line : lines(run(git(src) + "rev-list --objects " + args))) out.insert(line.substr(0, 40));
    return out;
  }

  int counter = 0;
};

std::string wantRequest(const std::string& want, const std::string& caps, const std::vector<std::string>& extra = {},
                        const std::vector<std::string>& haves = {}) {
  std::string req;
  appendPkt(req, "want " + want + " " + caps + "\n");
  for (const auto& e : extra) appendPkt(req, e + "\n");
  appendFlush(req);
  for (const auto& h : haves) appendPkt(req, "have " + h + "\n");
  appendPkt(req, "done\n");
  return req;
}

TEST_F(UploadPackFixture, FullCloneMatchesRevList) {
  for (const std::string caps : {"side-band-64k ofs-delta", "side-band", ""}) {
    const bool sideband = !caps.empty();
    auto res = demux(serve(wantRequest(ids["c5"], caps), 0), sideband);
    ASSERT_FALSE(res.lines.empty());
    EXPECT_EQ(res.lines.back(), "NAK") << caps;
    EXPECT_EQ(packObjects(res.pack, false, /*strict=*/true), revList(ids["c5"])) << caps;
    if (sideband) EXPECT_NE(res.progress.find("Total"), std::string::npos);
  }
}

TEST_F(UploadPackFixture, FullClonesReuseTheCachedObjectListAndSurviveADamagedOne) {
  const std::string request = wantRequest(ids["c5"], "side-band-64k ofs-delta");
  EXPECT_FALSE(server.raw.get("cache/walk").has_value());
  const auto first = demux(serve(request, 0), true);
  ASSERT_TRUE(server.raw.get("cache/walk").has_value()) << "a plain full clone is cached";
  const auto second = demux(serve(request, 0), true);
  EXPECT_EQ(packObjects(second.pack, false, /*strict=*/true), revList(ids["c5"]));
  EXPECT_EQ(packObjects(first.pack), packObjects(second.pack));
  // A damaged entry is a miss, and is rewritten.
  WriteBatch damage;
  damage.put("cache/walk", std::string_view("\x01garbage"));
  server.store.commit(damage);
  EXPECT_EQ(packObjects(demux(serve(request, 0), true).pack), revList(ids["c5"]));
  EXPECT_GT(server.store.get("cache/walk")->size(), 100u);
  // Other wants miss (and replace the entry); requests with haves never use
  // it (filters: FilteredClonesUseAndFillTheCachedObjectList).
  EXPECT_EQ(packObjects(demux(serve(wantRequest(ids["s1"], "side-band-64k ofs-delta"), 0), true).pack), revList(ids["s1"]));
  EXPECT_EQ(packObjects(demux(serve(request, 0), true).pack), revList(ids["c5"]));
  const auto before = server.store.get("cache/walk");
  auto res = demux(serve(wantRequest(ids["c5"], "multi_ack_detailed side-band-64k ofs-delta", {}, {ids["c2"]}), 0), true);
  EXPECT_EQ(packObjects(res.pack), revList(ids["c5"] + " ^" + ids["c2"]));
  EXPECT_EQ(server.store.get("cache/walk"), before);
}

TEST_F(UploadPackFixture, AHaveStoredWithoutItsParentsIsNoError) {
  // A refused push leaves its objects as unreachable records: here a commit
  // whose parent never arrived. A client that has that commit can still fetch.
  run(git(src) + "checkout -q --orphan lost && " + git(src) + "rm -rfq . && printf 'p\\n' > " + src + "/p.txt && " +
      git(src) + "add -A && " + git(src) + "commit -qm parent");
  run("printf 'x\\n' > " + src + "/x.txt && " + git(src) + "add -A && " + git(src) + "commit -qm child");
  const std::string child = run(git(src) + "rev-parse HEAD").substr(0, 40);
  run("printf '%s\\n' HEAD '^HEAD~1' | " + git(src) + "pack-objects --revs --stdout > " + dir.path + "/child.pack");
  server.ingest(testing::readFile(dir.path + "/child.pack"));
  ASSERT_TRUE(server.ctx.objects().exists(*ObjectId::fromHex(child)));
  auto res = demux(serve(wantRequest(ids["c5"], "multi_ack_detailed side-band-64k ofs-delta", {}, {child}), 0), true);
  EXPECT_EQ(packObjects(res.pack), revList(ids["c5"]));
}

TEST_F(UploadPackFixture, IncrementalFetchSendsOnlyWhatTheHaveLacks) {
  auto res = demux(serve(wantRequest(ids["c5"], "multi_ack_detailed side-band-64k ofs-delta", {}, {ids["c2"]}), 0), true);
  EXPECT_EQ(res.lines.front(), "ACK " + ids["c2"] + " common");
  EXPECT_EQ(res.lines.back(), "ACK " + ids["c2"]);
  EXPECT_EQ(packObjects(res.pack), revList(ids["c5"] + " ^" + ids["c2"]));
  // A thin pack may lean on the client's objects; git completes it with --fix-thin.
  auto thin = demux(serve(wantRequest(ids["c5"], "side-band-64k thin-pack ofs-delta", {}, {ids["m"]}), 0), true);
  EXPECT_NO_THROW(packObjects(thin.pack, /*fixThin=*/true));
}

TEST_F(UploadPackFixture, NegotiationRoundWithoutDoneOnlyAcknowledges) {
  std::string req;
  appendPkt(req, "want " + ids["c5"] + " multi_ack_detailed side-band-64k\n");
  appendFlush(req);
  appendPkt(req, "have " + ids["c3"] + "\n");
  appendPkt(req, "have " + std::string(40, '1') + "\n");
  appendFlush(req);
  auto res = demux(serve(req, 0), true);
  EXPECT_EQ(res.lines, (std::vector<std::string>{"ACK " + ids["c3"] + " common", "NAK"}));
  EXPECT_TRUE(res.pack.empty());
}

TEST_F(UploadPackFixture, DepthOneSendsTheTipAndItsShallowBoundary) {
  auto res = demux(serve(wantRequest(ids["c5"], "side-band-64k", {"deepen 1"}), 0), true);
  EXPECT_EQ(res.lines.front(), "shallow " + ids["c5"]);
  EXPECT_EQ(packObjects(res.pack), revList("-n 1 " + ids["c5"]));  // the commit, its tree and blobs
}

TEST_F(UploadPackFixture, BlobNoneFilterLeavesBlobsOut) {
  auto res = demux(serve(wantRequest(ids["c5"], "side-band-64k", {"filter blob:none"}), 0), true);
  EXPECT_EQ(packObjects(res.pack), revList("--filter=blob:none " + ids["c5"]));
  auto limited = demux(serve(wantRequest(ids["c5"], "side-band-64k", {"filter blob:limit=100"}), 0), true);
  EXPECT_EQ(packObjects(limited.pack), revList("--filter=blob:limit=100 " + ids["c5"]));
  auto trees = demux(serve(wantRequest(ids["c5"], "side-band-64k", {"filter tree:0"}), 0), true);
  EXPECT_EQ(packObjects(trees.pack), revList("--filter=tree:0 " + ids["c5"]));
}

// blob:none and tree:0 drop whole types, so they are answered from a full
// clone's cached list (which keeps each object's type), and a blob:none walk
// lists blobs from the trees it reads anyway and leaves the full list behind.
TEST_F(UploadPackFixture, FilteredClonesUseAndFillTheCachedObjectList) {
  const std::string full = wantRequest(ids["c5"], "side-band-64k ofs-delta");
  const std::string blobNone = wantRequest(ids["c5"], "side-band-64k ofs-delta", {"filter blob:none"});
  const std::string treeZero = wantRequest(ids["c5"], "side-band-64k ofs-delta", {"filter tree:0"});
  ASSERT_FALSE(server.store.get("cache/walk").has_value());
  EXPECT_EQ(packObjects(demux(serve(blobNone, 0), true).pack), revList("--filter=blob:none " + ids["c5"]));
  const auto entry = server.store.get("cache/walk");
  ASSERT_TRUE(entry.has_value()) << "the blob:none walk left the full list";
  EXPECT_EQ(packObjects(demux(serve(full, 0), true).pack, false, /*strict=*/true), revList(ids["c5"]));
  EXPECT_EQ(packObjects(demux(serve(treeZero, 0), true).pack), revList("--filter=tree:0 " + ids["c5"]));

  // The answer comes from the entry: the list ends with one type byte per
  // object. Relabelling the last tree as a blob makes blob:none leave it out;
  // as a tag, tree:0 (commits and tags only) sends it.
  const auto relabelLastTree = [&](ObjectType as) {
    Bytes bytes = *entry;
    size_t last = bytes.size();
    while (bytes[--last] != static_cast<uint8_t>(ObjectType::Tree)) EXPECT_GT(last, 0u);
    bytes[last] = static_cast<uint8_t>(as);
    WriteBatch tamper;
    tamper.put("cache/walk", bytes);
    server.store.commit(tamper);
    return bytes;
  };
  relabelLastTree(ObjectType::Blob);
  auto expected = revList("--filter=blob:none " + ids["c5"]);
  const auto got = packObjects(demux(serve(blobNone, 0), true).pack);
  EXPECT_EQ(got.size() + 1, expected.size());
  for (const auto& id : got) EXPECT_TRUE(expected.count(id)) << id;
  relabelLastTree(ObjectType::Tag);
  EXPECT_EQ(packObjects(demux(serve(treeZero, 0), true).pack).size(), revList("--filter=tree:0 " + ids["c5"]).size() + 1)
      << "the relabelled tree is sent";
  const Bytes relabelled = relabelLastTree(ObjectType::Blob);

  // A blob wanted by id is sent whatever the filter, and such a fetch (a
  // partial clone filling in a blob) does not replace a clone's list.
  const std::string blob = run(git(src) + "rev-parse " + ids["c5"] + ":a.txt").substr(0, 40);
  const auto byId = packObjects(demux(serve(wantRequest(blob, "side-band-64k", {"filter blob:none"}), 0), true).pack);
  EXPECT_EQ(byId, std::set<std::string>{blob});
  EXPECT_EQ(packObjects(demux(serve(wantRequest(blob, "side-band-64k"), 0), true).pack), std::set<std::string>{blob});
  EXPECT_EQ(server.store.get("cache/walk"), relabelled);
}

// A tag naming a blob (git.git's junio-gpg-pub): a clone wants it, the list
// is cached all the same, and blob:none from it still sends that blob, as
// the filtered walk does.
TEST_F(UploadPackFixture, ATagOfABlobIsCachedAndKeptByBlobNone) {
  const std::string blob = run(git(src) + "rev-parse " + ids["c3"] + ":bin.dat").substr(0, 40);
  run(git(src) + "tag -a blobtag -m 'a key' " + blob);
  const std::string tag = run(git(src) + "rev-parse blobtag").substr(0, 40);
  run("printf '%s\\n' " + tag + " | " + git(src) + "pack-objects --stdout > " + dir.path + "/tag.pack");
  server.ingest(testing::readFile(dir.path + "/tag.pack"));
  server.setRef("refs/tags/blobtag", tag);
  const auto request = [&](const std::vector<std::string>& extra) {
    std::string req;
    appendPkt(req, "want " + ids["c5"] + " side-band-64k ofs-delta\n");
    appendPkt(req, "want " + tag + "\n");
    for (const auto& e : extra) appendPkt(req, e + "\n");
    appendFlush(req);
    appendPkt(req, "done\n");
    return req;
  };
  const auto walked = [&](ObjectFilter::Kind kind) {  // what the walk itself sends, no cache involved
    WalkRequest walk = server.ctx.walkRequest();
    walk.wants = {*ObjectId::fromHex(ids["c5"]), *ObjectId::fromHex(tag)};
    walk.filter.kind = kind;
    std::set<std::string> out;
    for (const auto& id : walkObjects(server.ctx.git(), walk).objects) out.insert(id.hex());
    return out;
  };
  const auto full = packObjects(demux(serve(request({}), 0), true).pack);
  ASSERT_TRUE(server.store.get("cache/walk").has_value()) << "a clone wanting a tag of a blob is cached";
  EXPECT_EQ(full, walked(ObjectFilter::Kind::None));
  const auto blobNone = packObjects(demux(serve(request({"filter blob:none"}), 0), true).pack);
  EXPECT_EQ(blobNone, walked(ObjectFilter::Kind::BlobNone));
  EXPECT_TRUE(blobNone.count(blob) && blobNone.count(tag));
}

// A damaged entry is a miss (the walk answers and rewrites it), whatever is damaged.
TEST_F(UploadPackFixture, DamagedCachedListsAreMisses) {
  const std::string full = wantRequest(ids["c5"], "side-band-64k ofs-delta");
  const std::string blobNone = wantRequest(ids["c5"], "side-band-64k ofs-delta", {"filter blob:none"});
  serve(full, 0);
  const Bytes good = *server.store.get("cache/walk");
  const size_t types = good.size() - revList(ids["c5"]).size();
  std::vector<std::pair<std::string, Bytes>> damaged;
  Bytes badType = good;
  badType[types + 5] = 9;
  damaged.emplace_back("a type that is none", badType);
  Bytes commitLate = good;
  commitLate.back() = static_cast<uint8_t>(ObjectType::Commit);
  damaged.emplace_back("a commit after the commits", commitLate);
  Bytes treeEarly = good;
  treeEarly[types] = static_cast<uint8_t>(ObjectType::Tree);
  damaged.emplace_back("no commit where the commits are", treeEarly);
  Bytes shortTypes(good.begin(), good.end() - 1);
  damaged.emplace_back("a type missing", shortTypes);
  Bytes manyCommits = good;
  manyCommits[21] = 0x7f;
  damaged.emplace_back("more commits than objects", manyCommits);
  for (const auto& [what, bytes] : damaged) {
    WriteBatch damage;
    damage.put("cache/walk", bytes);
    server.store.commit(damage);
    EXPECT_EQ(packObjects(demux(serve(blobNone, 0), true).pack), revList("--filter=blob:none " + ids["c5"])) << what;
    EXPECT_EQ(server.store.get("cache/walk"), good) << what << ": rewritten";
  }
}

TEST_F(UploadPackFixture, IncludeTagAddsTagsOfSentCommits) {
  const std::string tag = run(git(src) + "rev-parse v1").substr(0, 40);
  auto without = packObjects(demux(serve(wantRequest(ids["c5"], "side-band-64k"), 0), true).pack);
  auto with = packObjects(demux(serve(wantRequest(ids["c5"], "side-band-64k include-tag"), 0), true).pack);
  EXPECT_FALSE(without.count(tag));
  EXPECT_TRUE(with.count(tag));
}

TEST_F(UploadPackFixture, AdvertisementV0ListsHeadRefsAndPeeledTags) {
  const Bytes ad = UploadPack(server.ctx).advertise(0);
  const std::string text(ad.begin(), ad.end());
  EXPECT_NE(text.find(ids["c5"] + " HEAD\0", 0), std::string::npos);
  EXPECT_NE(text.find("symref=HEAD:refs/heads/main"), std::string::npos);
  EXPECT_NE(text.find(ids["c2"] + " refs/tags/v1^{}"), std::string::npos);
  EXPECT_NE(text.find("# service=git-upload-pack"), std::string::npos);
}

TEST_F(UploadPackFixture, LsRefsV2) {
  std::string req;
  appendPkt(req, "command=ls-refs\n");
  appendDelim(req);
  appendPkt(req, "peel\n");
  appendPkt(req, "symrefs\n");
  appendPkt(req, "ref-prefix refs/tags/\n");
  appendPkt(req, "ref-prefix HEAD\n");
  appendFlush(req);
  auto res = demux(serve(req, 2), false);
  const std::string tag = run(git(src) + "rev-parse v1").substr(0, 40);
  EXPECT_EQ(res.lines, (std::vector<std::string>{ids["c5"] + " HEAD symref-target:refs/heads/main",
                                                 tag + " refs/tags/v1 peeled:" + ids["c2"]}));
}

TEST_F(UploadPackFixture, BadRequestsGetAnErrPacket) {
  for (const std::string& body :
       {wantRequest(std::string(40, '9'), "side-band-64k"), std::string("zzzz"), std::string("0003"),
        wantRequest(ids["c5"], "", {"filter sparse:oid=abc"}), wantRequest(ids["c5"], "", {"deepen 0"})}) {
    auto res = demux(serve(body, 0), false);
    ASSERT_EQ(res.lines.size(), 1u) << body;
    EXPECT_EQ(res.lines[0].rfind("ERR ", 0), 0u) << res.lines[0];
  }
  std::string unknown;
  appendPkt(unknown, "command=frobnicate\n");
  appendFlush(unknown);
  auto res = demux(serve(unknown, 2), false);
  ASSERT_EQ(res.lines.size(), 1u);
  EXPECT_EQ(res.lines[0].rfind("ERR ", 0), 0u);
}

}  // namespace
}  // namespace oa::git
