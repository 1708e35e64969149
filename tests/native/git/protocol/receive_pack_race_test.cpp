// A push's ref compare-and-swap against another process pushing to the same
// store between the push's check and its write: the write expects each ref it
// moves to be unchanged, so a ref moved meanwhile is reported stale, never
// overwritten.
#include <gtest/gtest.h>

#include "base/chunked_store.h"
#include "git/format/pkt_line.h"
#include "git/protocol/receive_pack.h"
#include "git/store/repo_context.h"
#include "support/git_fixture.h"
#include "support/interleaving_store.h"

namespace oa::git {
namespace {

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

}  // namespace
}  // namespace oa::git
