// Registry writes racing another process (two services on one store, as two
// processes on one SQLite file): each test lets process B act between A's
// reads and A's write, and checks A's write is refused and re-decided, so
// nothing is resurrected, orphaned or miscounted.
#include <gtest/gtest.h>

#include "base/storage_keys.h"
#include "open_artifacts/errors.h"
#include "support/interleaving_store.h"
#include "support/test_support.h"

namespace oa {
namespace {

using testing::FakeHost;
using testing::InterleavingStore;
using testing::MemoryRepoProvider;

struct Racing {
  FakeHost host;
  MemoryKvStore registry;
  InterleavingStore registryOfA{registry};  // runs B between A's reads and A's write
  MemoryRepoProvider repos;
  ArtifactsService a{NamespaceConfig{"default", "http://127.0.0.1:8788"}, registryOfA, repos, host};
  ArtifactsService b{NamespaceConfig{"default", "http://127.0.0.1:8788"}, registry, repos, host};

  size_t registryRows(const std::string& prefix) const {
    size_t n = 0;
    for (const auto& [k, v] : registry.contents()) n += k.compare(0, prefix.size(), prefix) == 0;
    return n;
  }
  // The registry agrees with itself: one index row per record, the count right.
  void expectConsistent(size_t repos) {
    EXPECT_EQ(registryRows(keys::kRepoRecordPrefix), repos);
    EXPECT_EQ(registryRows(keys::kRepoIndexPrefix), repos);
    const RepoListPage page = b.list(kMaxListLimit, std::nullopt);
    EXPECT_EQ(page.total, repos);
    EXPECT_EQ(page.repos.size(), repos);
  }
};

ErrorCode codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ArtifactsError& e) {
    return e.code();
  }
  return ErrorCode::InternalError;
}

TEST(RegistryRaces, ALeaseRenewalRacingADeleteDoesNotBringTheRecordBack) {
  Racing p;
  PendingRepo job = p.a.beginRepo("target", {}, RepoStatus::Importing, std::string("git:https://x/y.git"));
  p.host.advanceMs(kJobLeaseRenewMs + 1);  // the renewal is due: it reads, then writes
  p.registryOfA.beforeNextCommit = [&] { EXPECT_TRUE(p.b.remove("target")); };
  EXPECT_EQ(codeOf([&] { p.a.keepAlive(job.record); }), ErrorCode::NotFound) << "the job learns it was removed";
  EXPECT_EQ(codeOf([&] { p.b.get("target"); }), ErrorCode::NotFound);
  p.expectConsistent(0);
  EXPECT_EQ(p.repos.rowCount(job.record.id), 0u) << "the store was released, and nothing names it";
}

TEST(RegistryRaces, CompletingAJobRacingADeleteDoesNotMakeARepo) {
  Racing p;
  PendingRepo job = p.a.beginRepo("target", {}, RepoStatus::Forking, std::nullopt);
  p.registryOfA.beforeNextCommit = [&] { EXPECT_TRUE(p.b.remove("target")); };
  EXPECT_EQ(codeOf([&] { p.a.completeRepo(job.record); }), ErrorCode::NotFound);
  EXPECT_EQ(codeOf([&] { p.b.get("target"); }), ErrorCode::NotFound);
  p.expectConsistent(0);
}

TEST(RegistryRaces, CompletingAJobRacingADeleteAndRecreateLeavesTheNewRepoAlone) {
  Racing p;
  PendingRepo job = p.a.beginRepo("target", {}, RepoStatus::Importing, std::nullopt);
  std::string recreated;
  p.registryOfA.beforeNextCommit = [&] {
    p.b.remove("target");
    recreated = p.b.create("target", {}).record.id;
  };
  EXPECT_EQ(codeOf([&] { p.a.completeRepo(job.record); }), ErrorCode::NotFound);
  EXPECT_EQ(p.b.get("target").id, recreated);
  p.expectConsistent(1);
}

TEST(RegistryRaces, APushRacingADeleteDoesNotBringTheRecordBack) {
  Racing p;
  const CreatedRepo repo = p.b.create("pushed", {});
  p.registryOfA.beforeNextCommit = [&] { EXPECT_TRUE(p.b.remove("pushed")); };
  p.a.names().recordPush("pushed", repo.record.id);
  EXPECT_EQ(codeOf([&] { p.b.get("pushed"); }), ErrorCode::NotFound);
  p.expectConsistent(0);
}

TEST(RegistryRaces, APushRacingAnotherPushIsRetriedOnTheOthersRecord) {
  Racing p;
  const CreatedRepo repo = p.b.create("pushed", {});
  p.host.advanceMs(1000);
  p.registryOfA.beforeNextCommit = [&] {
    p.host.advanceMs(1000);
    p.b.names().recordPush("pushed", repo.record.id);
  };
  p.a.names().recordPush("pushed", repo.record.id);
  EXPECT_EQ(p.registryOfA.attempts, 2) << "A's first write was refused, its second landed";
  EXPECT_EQ(p.b.get("pushed").lastPushAtMs, p.host.nowMs());
  EXPECT_EQ(p.b.get("pushed").updatedAtMs, p.host.nowMs());
  p.expectConsistent(1);
}

TEST(RegistryRaces, TwoCreatesOfOneNameMakeOneRepoAndTheLoserGetsAlreadyExists) {
  Racing p;
  std::string winner;
  p.registryOfA.beforeNextCommit = [&] { winner = p.b.create("same", {}).record.id; };
  EXPECT_EQ(codeOf([&] { p.a.create("same", {}); }), ErrorCode::AlreadyExists);
  EXPECT_EQ(p.b.get("same").id, winner);
  p.expectConsistent(1);
  EXPECT_EQ(p.repos.repoIds()->size(), 1u) << "the loser made no store";
}

TEST(RegistryRaces, TwoCreatesOfDifferentNamesBothLandWithDistinctSequenceNumbers) {
  Racing p;
  p.registryOfA.beforeNextCommit = [&] { p.b.create("one", {}); };
  p.a.create("two", {});
  p.expectConsistent(2);
  EXPECT_NE(p.b.get("one").seq, p.b.get("two").seq);
}

TEST(RegistryRaces, TwoDeletesOfOneRepoCountItOnce) {
  Racing p;
  p.b.create("keep", {});
  p.b.create("gone", {});
  p.registryOfA.beforeNextCommit = [&] { EXPECT_TRUE(p.b.remove("gone")); };
  EXPECT_FALSE(p.a.remove("gone")) << "A re-read and found it already removed";
  p.expectConsistent(1);
}

TEST(RegistryRaces, AReclaimRacingTheJobsRenewalLeavesTheLiveJobAlone) {
  Racing p;
  PendingRepo job = p.b.beginRepo("slow", {}, RepoStatus::Importing, std::nullopt);
  p.host.advanceMs(kJobLeaseMs);  // lapsed as A reads it; the job renews before A's removal commits
  p.registryOfA.beforeNextCommit = [&] { p.b.keepAlive(job.record); };
  EXPECT_EQ(codeOf([&] { p.a.get("slow"); }), ErrorCode::ImportInProgress);
  EXPECT_TRUE(p.b.stillRegistered(job.record));
  EXPECT_GT(p.repos.rowCount(job.record.id), 0u) << "the live job's store was not released";
  p.expectConsistent(1);
}

TEST(RegistryRaces, AReclaimRacingARecreateLeavesTheNewRepoAlone) {
  Racing p;
  const PendingRepo dead = p.b.beginRepo("name", {}, RepoStatus::Importing, std::nullopt);
  p.host.advanceMs(kJobLeaseMs);
  std::string recreated;
  p.registryOfA.beforeNextCommit = [&] { recreated = p.b.create("name", {}).record.id; };  // B reclaims, re-creates
  EXPECT_EQ(p.a.get("name").id, recreated);
  EXPECT_EQ(p.repos.rowCount(dead.record.id), 0u);
  EXPECT_GT(p.repos.rowCount(recreated), 0u);
  p.expectConsistent(1);
}

}  // namespace
}  // namespace oa
