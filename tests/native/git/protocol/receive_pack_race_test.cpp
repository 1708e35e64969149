// A push's ref compare-and-swap against another process pushing to the same
// store between the push's check and its write: the write expects each ref it
// moves to be unchanged, so a ref moved meanwhile is reported stale, never
// overwritten.
#include <gtest/gtest.h>

#include "base/chunked_store.h"
#include "base/storage_keys.h"
#include "git/format/pkt_line.h"
#include "git/protocol/receive_pack.h"
#include "git/store/repo_context.h"
#include "support/git_fixture.h"
#include "support/interleaving_store.h"


namespace oa::git {
namespace {

using testing::git;
using testing::run;

const std::string kZero(40, '0');
const std::string kX(40, 'a');
const std::string kY(40, 'b');

struct RacingRepo {
  MemoryKvStore raw;
  ChunkedStore other{raw};  // the other process's view
  testing::InterleavingStore shared{raw};
  ChunkedStore store{shared};
  RepoContext ctx{store};

  RacingRepo() {
    WriteBatch b;
    ctx.refs().stageHead(b, "refs/heads/main");
    ctx.refs().stage(b, "refs/heads/a", ObjectId::fromHex(kX));
    ctx.refs().stage(b, "refs/heads/b", ObjectId::fromHex(kX));
    store.commit(b);
  }
  void otherSets(const std::string& ref, const std::string& hex) {
    WriteBatch b;
    RefStore(other).stage(b, ref, ObjectId::fromHex(hex));
    other.commit(b);
  }
  // Deletes need no pack: the push is its command list.
  std::vector<std::string> push(const std::vector<std::string>& commands) {
    std::string body;
    for (size_t i = 0; i < commands.size(); ++i) {
      appendPkt(body, commands[i] + (i ? std::string() : std::string(1, '\0') + "report-status delete-refs") + "\n");
    }
    appendFlush(body);
    ReceivePack receive(ctx);
    receive.write(reinterpret_cast<const uint8_t*>(body.data()), body.size());
    auto response = receive.finish();
    Bytes out;
    while (response->next(out)) {
    }
    return testing::demux(out, false).lines;
  }
};

TEST(ReceivePackRace, ARefMovedBetweenTheCheckAndTheWriteIsReportedStale) {
  RacingRepo repo;
  repo.shared.beforeNextCommit = [&] { repo.otherSets("refs/heads/a", kY); };
  EXPECT_EQ(repo.push({kX + " " + kZero + " refs/heads/a"}),
            (std::vector<std::string>{"unpack ok", "ng refs/heads/a stale ref"}));
  EXPECT_EQ(repo.ctx.refs().get("refs/heads/a")->hex(), kY) << "the other push stands";
}

TEST(ReceivePackRace, ARefMovedElsewhereOnlyRetriesThePush) {
  RacingRepo repo;
  repo.shared.beforeNextCommit = [&] { repo.otherSets("refs/heads/b", kY); };
  EXPECT_EQ(repo.push({kX + " " + kZero + " refs/heads/a"}), (std::vector<std::string>{"unpack ok", "ok refs/heads/a"}));
  EXPECT_FALSE(repo.ctx.refs().get("refs/heads/a"));
  EXPECT_EQ(repo.ctx.refs().get("refs/heads/b")->hex(), kY);
}

TEST(ReceivePackRace, WithoutAtomicTheRefsNotMovedMeanwhileStillUpdate) {
  RacingRepo repo;
  repo.shared.beforeNextCommit = [&] { repo.otherSets("refs/heads/b", kY); };
  EXPECT_EQ(repo.push({kX + " " + kZero + " refs/heads/a", kX + " " + kZero + " refs/heads/b"}),
            (std::vector<std::string>{"unpack ok", "ok refs/heads/a", "ng refs/heads/b stale ref"}));
  EXPECT_FALSE(repo.ctx.refs().get("refs/heads/a"));
  EXPECT_EQ(repo.ctx.refs().get("refs/heads/b")->hex(), kY);
}

// A deletion relies on no object: objects taken back meanwhile do not fail it.
TEST(ReceivePackRace, ADeletionIsNotFailedByObjectsTakenBackMeanwhile) {
  RacingRepo repo;
  repo.shared.beforeNextCommit = [&] {
    WriteBatch removal;  // what a take-back does to the epoch
    removal.put(keys::kRemovalEpochKey, std::string_view("moved on"));
    repo.other.commit(removal);
  };
  EXPECT_EQ(repo.push({kX + " " + kZero + " refs/heads/a"}), (std::vector<std::string>{"unpack ok", "ok refs/heads/a"}));
  EXPECT_FALSE(repo.ctx.refs().get("refs/heads/a"));
  EXPECT_LE(repo.shared.attempts, 2);
}

// Push A wrote an object, push B found it stored and relied on it; A then
// fails and takes its objects back, between B's checks and B's ref update.
// B's update expects the removal epoch it began with: it fails ("push
// again") instead of leaving a ref to a missing object.
TEST(ReceivePackRace, ObjectsTakenBackByAFailedPushFailAPushThatReliedOnThem) {
  testing::TempDir dir;
  const std::string src = dir.path + "/src";
  run("git init -q -b main " + src);
  const std::string tip = testing::commitFile(src, "a.txt", "one\n", "one");
  run("echo main | " + git(src) + "pack-objects --revs --stdout > " + dir.path + "/p.pack");
  const Bytes pack = testing::readFile(dir.path + "/p.pack");

  RacingRepo repo;
  RepoContext otherCtx{repo.other};
  PackIngest a(repo.other, otherCtx.objects());  // the other process's push, in an empty repo: it writes everything
  a.write(pack.data(), pack.size());
  a.finish();

  std::string body;
  appendPkt(body, kZero + " " + tip + " refs/heads/main" + std::string(1, '\0') + "report-status\n");
  appendFlush(body);
  body.append(pack.begin(), pack.end());
  ReceivePack b(repo.ctx);
  b.write(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  // B found every object stored (A's) and writes none: its first commit is
  // its ref update, and A gives up just before it.
  repo.shared.beforeNextCommit = [&] { a.abandon(); };
  auto response = b.finish();
  Bytes out;
  while (response->next(out)) {
  }
  const auto lines = testing::demux(out, false).lines;
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "unpack ok",
                       "ng refs/heads/main objects were removed by a concurrent push that failed; push again"}));
  EXPECT_FALSE(repo.ctx.refs().get("refs/heads/main")) << "no ref to a missing object";
  EXPECT_FALSE(RepoContext(repo.other).objects().exists(*ObjectId::fromHex(tip))) << "A took its objects back";
}

}  // namespace
}  // namespace oa::git
