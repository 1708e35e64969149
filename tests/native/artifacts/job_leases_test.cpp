// Jobs that die (a crash, SIGKILL, an evicted Durable Object) and stores
// that lost their name: leases on in-progress records, the release queue, and
// the sweep. Two ArtifactsService instances over the same stores stand for
// two processes sharing one SQLite file.
#include <gtest/gtest.h>

#include "artifacts/fork_job.h"
#include "artifacts/repo_store.h"
#include "base/storage_keys.h"
#include "open_artifacts/errors.h"
#include "support/pack_builder.h"
#include "support/test_support.h"

namespace oa {
namespace {

using testing::FakeHost;
using testing::MemoryRepoProvider;

struct TwoProcesses {
  FakeHost host;
  MemoryKvStore registry;
  MemoryRepoProvider repos;
  ArtifactsService a{NamespaceConfig{"default", "http://127.0.0.1:8788"}, registry, repos, host};
  ArtifactsService b{NamespaceConfig{"default", "http://127.0.0.1:8788"}, registry, repos, host};
};

ErrorCode codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ArtifactsError& e) {
    return e.code();
  }
  return ErrorCode::InternalError;
}

TEST(JobLeases, AJobThatDiedIsReclaimedOnceItsLeaseLapses) {
  TwoProcesses p;
  // Process A registered an import and initialized its store, then died.
  const PendingRepo dead = p.a.beginRepo("half", {}, RepoStatus::Importing, std::string("git:https://x/y.git"));
  ASSERT_GT(p.repos.rowCount(dead.record.id), 0u);
  // Within the lease, B sees it in progress, and the name stays taken.
  p.host.advanceMs(kJobLeaseMs - 1);
  EXPECT_EQ(codeOf([&] { p.b.get("half"); }), ErrorCode::ImportInProgress);
  EXPECT_EQ(codeOf([&] { p.b.create("half", {}); }), ErrorCode::AlreadyExists);
  EXPECT_EQ(p.b.list(50, std::nullopt).repos.size(), 1u);
  // Past it, any call reclaims: the name is free and the store is gone.
  p.host.advanceMs(2);
  EXPECT_EQ(codeOf([&] { p.b.get("half"); }), ErrorCode::NotFound);
  EXPECT_EQ(p.b.list(50, std::nullopt).repos.size(), 0u);
  EXPECT_EQ(p.b.list(50, std::nullopt).total, 0u);
  EXPECT_EQ(p.repos.rowCount(dead.record.id), 0u);
  const CreatedRepo fresh = p.b.create("half", {});
  EXPECT_NE(fresh.record.id, dead.record.id);
}

TEST(JobLeases, ARunningJobKeepsItsLeaseAcrossProcesses) {
  TwoProcesses p;
  CreatedRepo parent = p.a.create("parent", {});
  {
    // Objects enough for a fork of many steps (copying every record, one per step).
    testing::PackBuilder pack;
    for (int i = 0; i < 20; ++i) pack.blob("blob " + std::to_string(i));
    const Bytes bytes = pack.build();
    auto ctx = p.a.openRepoContext(parent.record.id);
    git::PackIngest ingest(ctx->store(), ctx->objects());
    ingest.write(bytes.data(), bytes.size());
    ingest.finish();
    WriteBatch ref;  // a ref, or there would be nothing to copy
    ctx->refs().stage(ref, "refs/heads/main", *git::ObjectId::fromHex(std::string(40, 'b')));
    ctx->store().commit(ref);
  }
  ForkOptions everything;
  everything.defaultBranchOnly = false;
  ForkJob job(p.a, "parent", parent.record.id, "child", everything);
  // The job steps (renewing its lease) far longer than one lease.
  for (int i = 0; i < 10; ++i) {
    p.host.advanceMs(kJobLeaseRenewMs + 1);
    ASSERT_FALSE(job.step(1)) << i;
    EXPECT_EQ(codeOf([&] { p.b.get("child"); }), ErrorCode::ForkInProgress) << i;
  }
  // Then it stops stepping (its process hangs) past the lease: B reclaims it...
  p.host.advanceMs(kJobLeaseMs + 1);
  EXPECT_EQ(codeOf([&] { p.b.get("child"); }), ErrorCode::NotFound);
  // ... and the job, when it wakes up, stops and leaves nothing.
  EXPECT_EQ(codeOf([&] { job.step(1); }), ErrorCode::NotFound);
  EXPECT_EQ(codeOf([&] { p.a.get("child"); }), ErrorCode::NotFound);
  EXPECT_FALSE(RepoStore(p.a.repo(parent.record.id).store()).hasBorrowers());
}

TEST(JobLeases, ARemovalQueuedBeforeACrashIsReleasedByTheNextProcess) {
  FakeHost host;
  MemoryKvStore registry;
  MemoryRepoProvider repos;
  std::string id;
  {
    ArtifactsService a(NamespaceConfig{"default", "http://127.0.0.1:8788"}, registry, repos, host);
    id = a.create("doomed", {}).record.id;
    // The registry half of a delete, then a crash before the store is released.
    ASSERT_TRUE(a.names().remove("doomed"));
    ASSERT_GT(repos.rowCount(id), 0u);
    ASSERT_FALSE(registry.contents().empty());
  }
  EXPECT_EQ(registry.contents().count(keys::kReleasePrefix + id), 1u);  // queued with the removal
  ArtifactsService restarted(NamespaceConfig{"default", "http://127.0.0.1:8788"}, registry, repos, host);
  EXPECT_EQ(codeOf([&] { restarted.get("doomed"); }), ErrorCode::NotFound);
  EXPECT_EQ(repos.rowCount(id), 0u);
  for (const auto& [key, value] : registry.contents()) EXPECT_NE(key.rfind(keys::kReleasePrefix, 0), 0u) << key;
}

TEST(JobLeases, TheSweepRemovesOnlyThisNamespacesUnnamedStores) {
  testing::TestNamespace ns;
  ns.repos.shared = true;
  const CreatedRepo kept = ns.service.create("kept", {});
  // A push that raced a delete: rows under an id no registry names.
  const CreatedRepo raced = ns.service.create("raced", {});
  ASSERT_TRUE(ns.service.remove("raced"));
  RepoService(ns.repos.openRepo(raced.record.id), ns.host, {}).initialize(
      RepoIdentity{"default", raced.record.id, "raced", false, RepoStatus::Ready}, "main");
  // Another namespace's repo, and a store from before repos had identities.
  RepoService(ns.repos.openRepo("other0000000000"), ns.host, {}).initialize(
      RepoIdentity{"other", "other0000000000", "x", false, RepoStatus::Ready}, "main");
  {
    WriteBatch b;
    b.put("h/HEAD", std::string_view("ref: refs/heads/main"));
    ChunkedStore(ns.repos.openRepo("legacy000000000")).commit(b);
  }
  // A retired parent that a fork still borrows from.
  const CreatedRepo parent = ns.service.create("parent", {});
  ForkJob fork(ns.service, "parent", parent.record.id, "fork", {});
  while (!fork.step(100)) {
  }
  ASSERT_TRUE(ns.service.remove("parent"));
  ASSERT_GT(ns.repos.rowCount(parent.record.id), 0u);

  EXPECT_EQ(ns.service.sweep(), 1u);
  EXPECT_EQ(ns.repos.rowCount(raced.record.id), 0u);
  EXPECT_GT(ns.repos.rowCount(kept.record.id), 0u);
  EXPECT_GT(ns.repos.rowCount("other0000000000"), 0u);
  EXPECT_GT(ns.repos.rowCount("legacy000000000"), 0u);
  EXPECT_GT(ns.repos.rowCount(parent.record.id), 0u);
  // Once the last borrower is gone the retired parent goes with it.
  ASSERT_TRUE(ns.service.remove("fork"));
  EXPECT_EQ(ns.repos.rowCount(parent.record.id), 0u);
  EXPECT_EQ(ns.service.sweep(), 0u);
}

}  // namespace
}  // namespace oa
