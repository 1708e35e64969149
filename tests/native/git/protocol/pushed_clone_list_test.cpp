// The clone list a push leaves (pushed_clone_list.h): written only when the
// pack is exactly what the refs reach, equal to what a walk lists, and the
// clone served from it is what git's rev-list says.
#include <gtest/gtest.h>

#include <map>

#include "git/format/pkt_line.h"
#include "git/protocol/receive_pack.h"
#include "git/protocol/upload_pack.h"
#include "git/store/object_walk.h"
#include "git/store/walk_cache.h"
#include "support/git_fixture.h"

namespace oa::git {
namespace {

using testing::git;
using testing::run;

const std::string kZero(40, '0');

std::string trim(const std::string& s) { return s.substr(0, s.find_first_not_of("0123456789abcdef")); }

// A source repo with a merge, an annotated and a lightweight tag, a tag of a
// blob and a subdirectory, pushed into an empty ServerRepo.
struct PushedCloneList : ::testing::Test {
  testing::TempDir dir;
  std::string src;
  testing::ServerRepo server;
  std::map<std::string, std::string> refs;  // name -> id, what the push sets

  void SetUp() override {
    src = dir.path + "/src";
    run("git init -q -b main " + src);
    auto commit = [&](const std::string& file, const std::string& text, const std::string& msg) {
      return testing::commitFile(src, file, text, msg);
    };
    const std::string c1 = commit("a.txt", "one\n", "c1");
    commit("dir/sub/b.txt", "two\n", "c2");
    run(git(src) + "checkout -q -b side " + c1);
    commit("side.txt", "side\n", "s1");
    run(git(src) + "checkout -q main && " + git(src) + "merge -q --no-edit side");
    commit("a.txt", "one\nmore\n", "c4");
    run(git(src) + "tag -a v1 -m 'tag v1' " + c1 + " && " + git(src) + "tag light HEAD~1");
    const std::string blob = trim(run("printf 'key\\n' | " + git(src) + "hash-object -w --stdin"));
    run(git(src) + "tag -a blobtag -m 'a blob' " + blob);
    for (const auto& line : testing::lines(run(git(src) + "for-each-ref --format='%(objectname) %(refname)'"))) {
      refs[line.substr(41)] = line.substr(0, 40);
    }
  }

  // Every object the refs reach, plus `extra` object ids, as a pack (git
  // push's pack-objects, given the object list instead of revisions).
  Bytes packOf(const std::string& revs, const std::vector<std::string>& extra = {}) {
    std::string list = run(git(src) + "rev-list --objects " + revs + " | cut -c1-40");
    for (const auto& id : extra) list += id + "\n";
    testing::writeFile(dir.path + "/list", Bytes(list.begin(), list.end()));
    run(git(src) + "pack-objects --stdout --delta-base-offset < " + dir.path + "/list > " + dir.path + "/push.pack");
    return testing::readFile(dir.path + "/push.pack");
  }

  // A push of `commands` ("<old> <new> <ref>") with `pack`, up to its end.
  std::unique_ptr<ReceivePack> startPush(const std::vector<std::string>& commands, const Bytes& pack) {
    std::string body;
    for (size_t i = 0; i < commands.size(); ++i) {
      appendPkt(body, commands[i] + (i ? std::string() : std::string(1, '\0') + "report-status") + "\n");
    }
    appendFlush(body);
    body.append(pack.begin(), pack.end());
    auto receive = std::make_unique<ReceivePack>(server.ctx);
    receive->write(reinterpret_cast<const uint8_t*>(body.data()), body.size());
    return receive;
  }
  // Its end: the report's lines.
  static std::vector<std::string> finishPush(ReceivePack& receive) {
    auto response = receive.finish();
    Bytes out;
    while (response->next(out)) {
    }
    return testing::demux(out, false).lines;
  }
  std::vector<std::string> push(const std::vector<std::string>& commands, const Bytes& pack) {
    return finishPush(*startPush(commands, pack));
  }

  std::vector<std::string> createAll() {
    std::vector<std::string> commands;
    for (const auto& [name, id] : refs) commands.push_back(kZero + " " + id + " " + name);
    return commands;
  }

  WalkRequest cloneRequest() {
    WalkRequest r;
    for (const auto& ref : server.ctx.refs().list()) r.wants.push_back(ref.id);
    return r;
  }
};

// Each object with its type, and the other fields a clone's answer depends on.
std::multiset<std::string> describe(const WalkResult& r) {
  std::multiset<std::string> out;
  for (size_t i = 0; i < r.objects.size(); ++i) {
    out.insert(r.objects[i].hex() + " " + objectTypeName(r.types[i]) + (i < r.commitCount ? " (commits first)" : ""));
  }
  for (const auto& id : r.wantedBlobs) out.insert("wanted " + id.hex());
  return out;
}

TEST_F(PushedCloneList, AFirstPushLeavesTheListAWalkWouldGive) {
  const auto report = push(createAll(), packOf("--all"));
  ASSERT_EQ(report.front(), "unpack ok");
  for (size_t i = 1; i < report.size(); ++i) EXPECT_EQ(report[i].substr(0, 3), "ok ") << report[i];
  const WalkRequest clone = cloneRequest();
  const auto cached = WalkCache(server.store).find(clone);
  ASSERT_TRUE(cached) << "the push left a clone list";
  const WalkResult walked = walkObjects(server.ctx.git(), clone);
  EXPECT_EQ(describe(*cached), describe(walked));
  EXPECT_EQ(cached->commitCount, walked.commitCount);
  EXPECT_EQ(cached->wantedBlobs.size(), 1u) << "the tag of a blob names a wanted blob";
  EXPECT_EQ(cached->objects.size(), testing::lines(run(git(src) + "rev-list --objects --all")).size());
  // The filtered clones it answers keep what a filtered walk keeps.
  for (const char* spec : {"blob:none", "tree:0"}) {
    WalkRequest filtered = clone;
    filtered.filter = *ObjectFilter::parse(spec);
    EXPECT_EQ(describe(*WalkCache(server.store).find(filtered)), describe(walkObjects(server.ctx.git(), filtered)))
        << spec;
  }
}

TEST_F(PushedCloneList, AClonePackServedFromItIsWhatRevListSays) {
  ASSERT_EQ(push(createAll(), packOf("--all")).front(), "unpack ok");
  ASSERT_TRUE(WalkCache(server.store).find(cloneRequest()));
  std::string request;
  bool first = true;
  for (const auto& ref : server.ctx.refs().list()) {
    appendPkt(request, "want " + ref.id.hex() + (first ? " ofs-delta" : "") + "\n");
    first = false;
  }
  appendFlush(request);
  appendPkt(request, "done\n");
  auto body = UploadPack(server.ctx).serve(request, 0);
  Bytes out;
  while (body->next(out)) {
  }
  const auto res = testing::demux(out, false);
  const std::string check = dir.path + "/check";
  run("git init -q --bare " + check);
  testing::writeFile(check + "/in.pack", res.pack);
  run(git(check) + "index-pack --strict -o " + check + "/in.idx " + check + "/in.pack > /dev/null");
  std::set<std::string> sent;
  for (const auto& line : testing::lines(run(git(check) + "show-index < " + check + "/in.idx"))) {
    sent.insert(line.substr(line.find(' ') + 1, 40));
  }
  std::set<std::string> expected;
  for (const auto& line : testing::lines(run(git(src) + "rev-list --objects --all"))) expected.insert(line.substr(0, 40));
  EXPECT_EQ(sent, expected);
}

TEST_F(PushedCloneList, AnObjectNothingReachesLeavesNoList) {
  const std::string stray = trim(run("printf 'stray\\n' | " + git(src) + "hash-object -w --stdin"));
  ASSERT_EQ(push(createAll(), packOf("--all", {stray})).front(), "unpack ok");
  EXPECT_TRUE(server.ctx.objects().exists(*ObjectId::fromHex(stray)));
  EXPECT_FALSE(server.store.get("cache/walk").has_value());
}

TEST_F(PushedCloneList, ARefusedRefLeavesItsObjectUnreachableAndNoList) {
  // A blob pushed as a branch is refused: it stays stored, and nothing reaches it.
  const std::string blob = trim(run("printf 'lone\n' | " + git(src) + "hash-object -w --stdin"));
  auto commands = createAll();
  commands.push_back(kZero + " " + blob + " refs/heads/not-a-commit");
  const auto report = push(commands, packOf("--all", {blob}));
  EXPECT_EQ(report.back(), "ng refs/heads/not-a-commit branches must point at commits");
  EXPECT_EQ(report[1], "ok refs/heads/main");
  EXPECT_FALSE(server.store.get("cache/walk").has_value());
}

TEST_F(PushedCloneList, APushOntoListedRefsExtendsTheirList) {
  // Only a tag of the first commit, then the rest on top of it (outside links to stored objects).
  ASSERT_EQ(push({kZero + " " + refs["refs/tags/v1"] + " refs/tags/v1"}, packOf("refs/tags/v1")).front(), "unpack ok");
  ASSERT_TRUE(WalkCache(server.store).find(cloneRequest())) << "the first push was self-contained";
  std::vector<std::string> rest;
  for (const auto& [name, id] : refs) {
    if (name != "refs/tags/v1") rest.push_back(kZero + " " + id + " " + name);
  }
  ASSERT_EQ(push(rest, packOf("--all ^refs/tags/v1")).front(), "unpack ok");
  const WalkRequest clone = cloneRequest();
  const auto cached = WalkCache(server.store).find(clone);
  ASSERT_TRUE(cached) << "the stored list, extended by the pack";
  EXPECT_EQ(describe(*cached), describe(walkObjects(server.ctx.git(), clone)));

  // A fast-forward of main by one commit extends it again.
  const std::string oldMain = refs["refs/heads/main"];
  run("printf 'three\n' > " + src + "/c.txt && " + git(src) + "add -A && " + git(src) + "commit -qm c6");
  const std::string newMain = trim(run(git(src) + "rev-parse main"));
  ASSERT_EQ(push({oldMain + " " + newMain + " refs/heads/main"}, packOf("main ^" + oldMain)).front(), "unpack ok");
  const auto extended = WalkCache(server.store).find(cloneRequest());
  ASSERT_TRUE(extended);
  EXPECT_EQ(describe(*extended), describe(walkObjects(server.ctx.git(), cloneRequest())));
  EXPECT_EQ(extended->objects.size(), cached->objects.size() + 3) << "a commit, its tree and its blob";
}

TEST_F(PushedCloneList, AForcedPushOrADeletedRefLeavesTheListToTheWalk) {
  ASSERT_EQ(push(createAll(), packOf("--all")).front(), "unpack ok");
  const auto listed = server.store.get("cache/walk");
  ASSERT_TRUE(listed);
  // side moves back to its parent: its old tip is no tip, and the (empty) pack does not link to it.
  const std::string sideParent = trim(run(git(src) + "rev-parse side~1"));
  ASSERT_EQ(push({refs["refs/heads/side"] + " " + sideParent + " refs/heads/side"}, packOf("side~1 ^side~1")).back(),
            "ok refs/heads/side");
  EXPECT_EQ(server.store.get("cache/walk"), listed);
  EXPECT_FALSE(WalkCache(server.store).find(cloneRequest()));
}

TEST_F(PushedCloneList, UnrelatedHistoryIsListedOnlyWithTheListOfTheRefsBefore) {
  ASSERT_EQ(push({kZero + " " + refs["refs/tags/v1"] + " refs/tags/v1"}, packOf("refs/tags/v1")).front(), "unpack ok");
  ASSERT_TRUE(server.store.get("cache/walk"));
  const auto orphan = [&](const std::string& branch) {
    run(git(src) + "checkout -q --orphan " + branch + " && " + git(src) + "rm -rfq . && printf '" + branch + "\n' > " +
        src + "/l.txt && " + git(src) + "add -A && " + git(src) + "commit -qm " + branch);
    const std::string tip = trim(run(git(src) + "rev-parse " + branch));
    return push({kZero + " " + tip + " refs/heads/" + branch}, packOf(branch)).back();
  };
  // A self-contained push of a history of its own: the stored list plus the pack.
  ASSERT_EQ(orphan("lone"), "ok refs/heads/lone");
  const auto cached = WalkCache(server.store).find(cloneRequest());
  ASSERT_TRUE(cached);
  EXPECT_EQ(describe(*cached), describe(walkObjects(server.ctx.git(), cloneRequest())));
  // Another clone's list replaced it (or none was made): the pack alone is not the list.
  WriteBatch other;
  other.remove("cache/walk");
  server.store.commit(other);
  ASSERT_EQ(orphan("lone2"), "ok refs/heads/lone2");
  EXPECT_FALSE(server.store.get("cache/walk").has_value());
}

TEST_F(PushedCloneList, TwoPushesWritingTheSameObjectsListThemOnce) {
  ASSERT_EQ(push({kZero + " " + refs["refs/tags/v1"] + " refs/tags/v1"}, packOf("refs/tags/v1")).front(), "unpack ok");
  // Both carry main's history; neither sees the other's objects stored while it reads its pack.
  const std::string main = refs["refs/heads/main"];
  run(git(src) + "tag -a v9 -m v9 main");
  const std::string v9 = trim(run(git(src) + "rev-parse v9"));
  auto first = startPush({kZero + " " + main + " refs/heads/main"}, packOf("main ^refs/tags/v1"));
  auto second = startPush({kZero + " " + v9 + " refs/tags/v9"}, packOf("v9 ^refs/tags/v1"));
  ASSERT_EQ(finishPush(*first).back(), "ok refs/heads/main");
  ASSERT_EQ(finishPush(*second).back(), "ok refs/tags/v9");
  const auto cached = WalkCache(server.store).find(cloneRequest());
  ASSERT_TRUE(cached) << "the second push extended the first one's list";
  EXPECT_EQ(describe(*cached), describe(walkObjects(server.ctx.git(), cloneRequest()))) << "no object twice";
}

TEST_F(PushedCloneList, ATreeLinkedToAsABlobLeavesTheListToTheWalk) {
  // A tree entry with a file mode naming a tree: the walk lists it as a blob and does not read it.
  const std::string inner = trim(run(git(src) + "rev-parse main:dir"));
  const std::string innerBlobs = run(git(src) + "ls-tree -r main:dir | cut -f1 | cut -d' ' -f3");
  const std::string odd = trim(run("perl -e 'print \"100644 not-a-file\\0\", pack(\"H*\", \"" + inner + "\")' | " + git(src) +
                                   "hash-object -t tree --literally -w --stdin"));
  const std::string c1 = trim(run(git(src) + "commit-tree " + odd + " -m odd"));
  std::vector<std::string> extra{odd, c1, inner};
  for (const auto& id : testing::lines(innerBlobs)) extra.push_back(id);
  const std::string sub = trim(run(git(src) + "rev-parse main:dir/sub"));
  extra.push_back(sub);
  ASSERT_EQ(push({kZero + " " + c1 + " refs/heads/odd"}, packOf("--no-walk --objects " + c1 + " ^" + c1, extra)).back(),
            "ok refs/heads/odd");
  EXPECT_FALSE(server.store.get("cache/walk").has_value()) << "the pack links to a tree as a blob";
}

TEST_F(PushedCloneList, ALinkToAListedObjectAsAnotherTypeLeavesNoList) {
  ASSERT_EQ(push(createAll(), packOf("--all")).front(), "unpack ok");
  ASSERT_TRUE(WalkCache(server.store).find(cloneRequest(), /*typesCheckedOnly=*/true));
  // A new commit whose tree names a listed blob as a tree (mode 040000).
  const std::string main = refs["refs/heads/main"];
  const std::string blob = trim(run(git(src) + "rev-parse main:a.txt"));
  const std::string odd = trim(run("perl -e 'print \"40000 dir\\0\", pack(\"H*\", \"" + blob + "\")' | " + git(src) +
                                   "hash-object -t tree --literally -w --stdin"));
  const std::string c = trim(run(git(src) + "commit-tree " + odd + " -p " + main + " -m odd"));
  ASSERT_EQ(push({main + " " + c + " refs/heads/main"}, packOf("--no-walk --objects " + c + " ^" + c, {c, odd})).back(),
            "ok refs/heads/main");
  EXPECT_FALSE(WalkCache(server.store).find(cloneRequest())) << "the list has it as a blob";
}

TEST_F(PushedCloneList, AListAWalkMadeIsNotExtended) {
  ASSERT_EQ(push({kZero + " " + refs["refs/tags/v1"] + " refs/tags/v1"}, packOf("refs/tags/v1")).front(), "unpack ok");
  ASSERT_TRUE(WalkCache(server.store).find(cloneRequest(), /*typesCheckedOnly=*/true)) << "a push's list";
  // A clone's walk for the same tips replaces it: its types are what the walk met (a file mode: a blob, unread).
  WalkCache(server.store).remember(cloneRequest(), walkObjects(server.ctx.git(), cloneRequest()));
  ASSERT_TRUE(WalkCache(server.store).find(cloneRequest()));
  EXPECT_FALSE(WalkCache(server.store).find(cloneRequest(), /*typesCheckedOnly=*/true));
  std::vector<std::string> rest;
  for (const auto& [name, id] : refs) {
    if (name != "refs/tags/v1") rest.push_back(kZero + " " + id + " " + name);
  }
  ASSERT_EQ(push(rest, packOf("--all ^refs/tags/v1")).front(), "unpack ok");
  EXPECT_FALSE(WalkCache(server.store).find(cloneRequest()));
}

TEST_F(PushedCloneList, AChainOfMoreThanSixteenTagsIsNeverListed) {
  // Seventeen tags over a commit nothing else reaches: the walk does not get to it.
  std::string tip = trim(run(git(src) + "commit-tree main^{tree} -m lone"));
  for (int i = 0; i < 17; ++i) {
    run(git(src) + "-c advice.nestedTag=false tag -a deep" + std::to_string(i) + " -m d " + tip);
    tip = "deep" + std::to_string(i);
  }
  const std::string deep = trim(run(git(src) + "rev-parse " + tip));
  const std::string main = refs["refs/heads/main"];
  ASSERT_EQ(push({kZero + " " + main + " refs/heads/main", kZero + " " + deep + " refs/tags/deep"}, packOf("main " + tip))
                .back(),
            "ok refs/tags/deep");
  EXPECT_FALSE(server.store.get("cache/walk").has_value()) << "the walk stops at the 16th tag";
  const WalkResult walked = walkObjects(server.ctx.git(), cloneRequest());
  EXPECT_TRUE(walked.tagChainCut);
  WalkCache(server.store).remember(cloneRequest(), walked);
  EXPECT_FALSE(server.store.get("cache/walk").has_value()) << "nor is a walk that was cut";
}

TEST_F(PushedCloneList, ARefAFullCloneWouldNotWantLeavesNoList) {
  // refs/pull/*: a clone wants branches and tags only, and its answer would not hold what only this ref reaches.
  run(git(src) + "checkout -q -b pr main && printf 'pr\n' > " + src + "/pr.txt && " + git(src) + "add -A && " +
      git(src) + "commit -qm pr");
  auto commands = createAll();
  commands.push_back(kZero + " " + trim(run(git(src) + "rev-parse pr")) + " refs/pull/1/head");
  ASSERT_EQ(push(commands, packOf("--all")).front(), "unpack ok");
  EXPECT_FALSE(server.store.get("cache/walk").has_value());
}

}  // namespace
}  // namespace oa::git
