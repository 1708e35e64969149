// fork() (spec §7.2) against git as the oracle: a parent repo made with the
// git CLI (main, an unmerged branch with its own content, tags, a note, a
// value large enough to be chunked) is forked with and without
// defaultBranchOnly; the fork must hold exactly the history it claims, read
// back byte-identical, and stay independent of its parent. Every test runs
// twice: with storage shared between repos (the fork borrows its parent's
// objects) and with a store per repo (the fork copies them).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "open_artifacts/errors.h"
#include "artifacts/fork_job.h"
#include "git/store/object_walk.h"
#include "git/store/pack_ingest.h"
#include "git/store/repo_context.h"
#include "git/format/pkt_line.h"
#include "git/format/sha1.h"
#include "git/protocol/upload_pack.h"
#include "api/json_api.h"
#include "artifacts/repo_store.h"
#include "support/git_fixture.h"
#include "support/test_support.h"

namespace oa {
namespace {

using nlohmann::json;
using testing::git;
using testing::run;

std::set<std::string> objectsOf(const std::string& repo, const std::string& revs) {
  std::set<std::string> out;
  for (const auto& line : testing::lines(run(git(repo) + "rev-list --objects " + revs))) out.insert(line.substr(0, 40));
  return out;
}

class ForkTest : public ::testing::TestWithParam<bool> {
 protected:
  bool sharing() const { return GetParam(); }

  void SetUp() override {
    ns.repos.shared = sharing();
    src = dir.path + "/src";
    run("git init -q -b main " + src);
    write("README.md", "# parent\n");
    write("big.bin", run("head -c 1500000 /dev/urandom | base64"));  // > 1 MiB: a chunked record
    commitAll("first");
    for (int i = 0; i < 5; ++i) {
      write("file.txt", "line " + std::to_string(i) + "\n" + std::string(2000, 'x'));  // deltas
      commitAll("main " + std::to_string(i));
    }
    run(git(src) + "tag -a v1 -m 'release one'");
    run(git(src) + "notes add -m 'a note'");
    run(git(src) + "checkout -q -b feature");
    write("feature-only.txt", run("head -c 3000 /dev/urandom | base64"));  // nothing can delta against it
    commitAll("feature work");
    run(git(src) + "checkout -q main");
    parent = ns.service.create("parent", {});
    ingestInto(parent.record.id, "main\\nfeature\\nv1\\nrefs/notes/commits");
    for (const auto& line : testing::lines(run(git(src) + "for-each-ref --format='%(objectname) %(refname)'"))) {
      setRef(parent.record.id, line.substr(41), line.substr(0, 40));
    }
  }

  void write(const std::string& path, const std::string& text) {
    testing::writeFile(src + "/" + path, Bytes(text.begin(), text.end()));
  }
  void commitAll(const std::string& message) { run(git(src) + "add -A && " + git(src) + "commit -q -m '" + message + "'"); }

  // `revs`: rev-list arguments, one per line, as pack-objects --revs reads them.
  void ingestInto(const std::string& repoId, const std::string& revs) {
    run("printf '%b\\n' '" + revs + "' | " + git(src) + "pack-objects --revs --stdout --delta-base-offset > " + dir.path +
        "/p.pack");
    const Bytes pack = testing::readFile(dir.path + "/p.pack");
    git::RepoContext ctx(ns.service.repo(repoId).store());
    git::PackIngest ingest(ctx.store(), ctx.objects());
    ingest.write(pack.data(), pack.size());
    ingest.finish();
  }
  void setRef(const std::string& repoId, const std::string& name, const std::string& hex) {
    git::RepoContext ctx(ns.service.repo(repoId).store());
    WriteBatch b;
    ctx.refs().stage(b, name, git::ObjectId::fromHex(hex));
    ctx.store().commit(b);
  }

  ForkedRepo fork(const std::string& target, ForkOptions options = {}, size_t stepObjects = 7) {
    ForkJob job(ns.service, "parent", parent.record.id, target, options);
    while (!job.step(stepObjects)) {
    }
    return job.result();
  }

  std::map<std::string, std::string> refsOf(const std::string& repoId) {
    git::RepoContext ctx(ns.service.repo(repoId).store());
    std::map<std::string, std::string> out;
    for (const auto& r : ctx.refs().list()) out[r.name] = r.id.hex();
    return out;
  }
  std::map<std::string, std::string> gitRefs(const std::string& pattern = "") {
    std::map<std::string, std::string> out;
    for (const auto& line :
         testing::lines(run(git(src) + "for-each-ref --format='%(objectname) %(refname)' " + pattern))) {
      out[line.substr(41)] = line.substr(0, 40);
    }
    return out;
  }

  // Every object reads back whole and hashes to its id.
  void expectObjectsReadBack(const std::string& repoId, const std::set<std::string>& ids) {
    auto ctx = ns.service.openRepoContext(repoId);
    for (const auto& hex : ids) {
      const auto id = *git::ObjectId::fromHex(hex);
      auto obj = ctx->objects().read(id);
      ASSERT_TRUE(obj) << "missing " << hex;
      EXPECT_EQ(git::hashObject(obj->type, obj->data->data(), obj->data->size()), id);
    }
  }
  // Stored in the repo's own rows (not borrowed).
  bool has(const std::string& repoId, const std::string& hex) {
    git::RepoContext ctx(ns.service.repo(repoId).store());
    return ctx.objects().exists(*git::ObjectId::fromHex(hex));
  }

  testing::TempDir dir;
  std::string src;
  testing::TestNamespace ns;
  CreatedRepo parent;
};

TEST_P(ForkTest, DefaultBranchOnlyCopiesTheDefaultBranchAndWhatItNeeds) {
  const ForkedRepo f = fork("child");
  EXPECT_EQ(refsOf(f.created.record.id), gitRefs("refs/heads/main"));
  const auto mainObjects = objectsOf(src, "main");
  expectObjectsReadBack(f.created.record.id, mainObjects);
  // What only the other refs reach stays behind, unless a copied delta needs
  // it as its base: check content nothing else can delta against.
  EXPECT_FALSE(has(f.created.record.id, run(git(src) + "rev-parse feature:feature-only.txt").substr(0, 40)));
  EXPECT_FALSE(has(f.created.record.id, gitRefs("refs/notes/commits").begin()->second));
  size_t otherRefsOnly = 0;
  for (const auto& hex : objectsOf(src, "feature refs/notes/commits --not main")) otherRefsOnly += has(f.created.record.id, hex);
  EXPECT_LT(otherRefsOnly, objectsOf(src, "feature refs/notes/commits --not main").size() / 2);
  if (sharing()) {
    EXPECT_EQ(f.objects, 0u);  // borrowed, not copied
    for (const auto& hex : mainObjects) EXPECT_FALSE(has(f.created.record.id, hex));
  } else {
    EXPECT_GE(f.objects, mainObjects.size());
  }
  // The fork's history is complete: the connectivity walk a push would run passes.
  auto ctx = ns.service.openRepoContext(f.created.record.id);
  git::WalkRequest walk = ctx->walkRequest();
  walk.wants.push_back(*ctx->refs().resolve("HEAD"));
  walk.verifyBlobs = true;
  EXPECT_EQ(git::walkObjects(ctx->git(), walk).objects.size(), mainObjects.size());
}

TEST_P(ForkTest, AllBranchesCopiesEveryRefAndObject) {
  ForkOptions options;
  options.defaultBranchOnly = false;
  const ForkedRepo f = fork("everything", options);
  EXPECT_EQ(refsOf(f.created.record.id), gitRefs());
  const auto all = objectsOf(src, "--all");
  expectObjectsReadBack(f.created.record.id, all);
  EXPECT_EQ(f.objects, sharing() ? 0u : all.size());
}

TEST_P(ForkTest, ASingleBranchParentIsCopiedWholeIncludingChunkedValues) {
  // Only main left: defaultBranchOnly takes the copy-everything path.
  for (const auto& [name, id] : gitRefs()) {
    if (name != "refs/heads/main") setRef(parent.record.id, name, "");
  }
  ASSERT_EQ(refsOf(parent.record.id).size(), 1u);
  const ForkedRepo f = fork("single", {}, 3);
  EXPECT_EQ(refsOf(f.created.record.id), gitRefs("refs/heads/main"));
  expectObjectsReadBack(f.created.record.id, objectsOf(src, "main"));
  const std::string big = run(git(src) + "rev-parse main:big.bin").substr(0, 40);
  EXPECT_EQ(has(f.created.record.id, big), !sharing());
}

TEST_P(ForkTest, TheForkRecordNamesItsParentAndKeepsItsOwnOptions) {
  ForkOptions options;
  options.description = "my fork";
  options.readOnly = true;
  const ForkedRepo f = fork("child", options);
  const RepoRecord r = ns.service.get("child");
  EXPECT_EQ(r.source, std::optional<std::string>("artifacts:default/parent"));
  EXPECT_EQ(r.description, std::optional<std::string>("my fork"));
  EXPECT_TRUE(r.readOnly);
  EXPECT_EQ(r.defaultBranch, "main");
  EXPECT_EQ(r.status, RepoStatus::Ready);
  EXPECT_NE(r.id, parent.record.id);
  // A fork's description is not inherited (spec §4.6).
  EXPECT_EQ(ns.service.get("parent").source, std::nullopt);
  const ForkedRepo plain = fork("child2");
  EXPECT_EQ(ns.service.get("child2").description, std::nullopt);
  EXPECT_FALSE(ns.service.get("child2").readOnly);
}

TEST_P(ForkTest, TokensAreNotSharedBetweenParentAndFork) {
  const ForkedRepo f = fork("child");
  EXPECT_EQ(oa::testing::gitAccessStatus(ns.service, "child", f.created.token, true), 200);
  EXPECT_EQ(oa::testing::gitAccessStatus(ns.service, "parent", f.created.token, false), 403);
  EXPECT_EQ(oa::testing::gitAccessStatus(ns.service, "child", parent.token, false), 403);
}

TEST_P(ForkTest, ParentAndForkChangeIndependentlyAndTheForkOutlivesItsParent) {
  const ForkedRepo f = fork("child");
  const auto before = refsOf(f.created.record.id);
  write("after.txt", "pushed to the parent after the fork\n");
  commitAll("after fork");
  ingestInto(parent.record.id, "main\\n^main~1");
  setRef(parent.record.id, "refs/heads/main", gitRefs("refs/heads/main").begin()->second);
  EXPECT_EQ(refsOf(f.created.record.id), before);
  setRef(f.created.record.id, "refs/heads/only-in-fork", before.begin()->second);
  EXPECT_EQ(refsOf(parent.record.id).count("refs/heads/only-in-fork"), 0u);

  ASSERT_TRUE(ns.service.remove("parent"));
  EXPECT_EQ(ns.service.get("child").source, std::optional<std::string>("artifacts:default/parent"));
  expectObjectsReadBack(f.created.record.id, objectsOf(src, "main~1"));
  // A borrowed-from parent is retired, not destroyed, until its last fork goes.
  EXPECT_EQ(ns.repos.rowCount(parent.record.id) > 0, sharing());
  ASSERT_TRUE(ns.service.remove("child"));
  EXPECT_EQ(ns.repos.rowCount(parent.record.id), 0u);
  EXPECT_EQ(ns.repos.rowCount(f.created.record.id), 0u);
}

TEST_P(ForkTest, ForksOfForksReadThroughTheChainAndOutliveEveryAncestor) {
  const ForkedRepo child = fork("child");
  ForkJob job(ns.service, "child", child.created.record.id, "grandchild", {});
  while (!job.step(5)) {
  }
  const std::string grandchildId = job.result().created.record.id;
  EXPECT_EQ(ns.service.alternatesOf(grandchildId).size(), sharing() ? 2u : 0u);
  ASSERT_TRUE(ns.service.remove("parent"));
  ASSERT_TRUE(ns.service.remove("child"));
  expectObjectsReadBack(grandchildId, objectsOf(src, "main"));
  ASSERT_TRUE(ns.service.remove("grandchild"));
  EXPECT_EQ(ns.repos.snapshot().size(), 0u) << "every repo row is gone once the last borrower is";
}

TEST_P(ForkTest, ChainsStopBorrowingAtTheLimit) {
  std::string name = "parent", id = parent.record.id;
  for (size_t i = 0; i < kMaxAlternateChain + 1; ++i) {
    ForkJob job(ns.service, name, id, "gen" + std::to_string(i), {});
    while (!job.step(1000)) {
    }
    name = "gen" + std::to_string(i);
    id = job.result().created.record.id;
    EXPECT_LT(ns.service.alternatesOf(id).size(), kMaxAlternateChain);
  }
  expectObjectsReadBack(id, objectsOf(src, "main"));
}

TEST_P(ForkTest, AnUnbornParentGivesAnEmptyForkWithTheSameUnbornBranch) {
  const CreatedRepo empty = ns.service.create("empty", [] {
    CreateRepoOptions o;
    o.defaultBranch = "trunk";
    return o;
  }());
  ForkJob job(ns.service, "empty", empty.record.id, "empty-fork", {});
  while (!job.step(100)) {
  }
  git::RepoContext ctx(ns.service.repo(job.result().created.record.id).store());
  EXPECT_TRUE(ctx.refs().list().empty());
  EXPECT_EQ(ctx.refs().headTarget(), "refs/heads/trunk");
  EXPECT_EQ(ns.service.get("empty-fork").defaultBranch, "trunk");
  EXPECT_EQ(job.result().objects, 0u);
}

TEST_P(ForkTest, TheTargetAnswersForkInProgressUntilTheLastStep) {
  ForkJob job(ns.service, "parent", parent.record.id, "slow", {});
  ASSERT_FALSE(job.step(1));
  try {
    ns.service.get("slow");
    ADD_FAILURE() << "no error";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::ForkInProgress);
  }
  const auto page = ns.service.list(50, std::nullopt);
  EXPECT_EQ(page.repos.front().name, "slow");
  EXPECT_EQ(page.repos.front().status, RepoStatus::Forking);
  EXPECT_EQ(oa::testing::gitAccessStatus(ns.service, "slow", std::string("art_v1_0000000000000000000000000000000000000000"), false),
            403);
  // A fork of the fork is refused while it runs.
  const std::string slowId = page.repos.front().id;
  try {
    ForkJob again(ns.service, "slow", slowId, "grandchild", {});
    ADD_FAILURE() << "no error";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::ForkInProgress);
  }
  while (!job.step(1)) {
  }
  EXPECT_EQ(ns.service.get("slow").status, RepoStatus::Ready);
}

TEST_P(ForkTest, AnAbandonedForkLeavesNothingBehind) {
  const auto before = ns.snapshot();
  {
    ForkJob job(ns.service, "parent", parent.record.id, "gone", {});
    ASSERT_FALSE(job.step(1));
  }
  EXPECT_THROW(ns.service.get("gone"), ArtifactsError);
  // Only the registry's sequence counter moved.
  auto after = ns.snapshot();
  after.erase("registry|m/seq");
  auto expected = before;
  expected.erase("registry|m/seq");
  EXPECT_EQ(after, expected);
  fork("gone");  // the name is free again
}

TEST_P(ForkTest, BadTargetsAreRefusedAndChangeNothing) {
  JsonApi api(ns.service);
  const auto before = ns.snapshot();
  const auto expectCode = [&](const json& args, ErrorCode code) {
    try {
      api.beginFork(args.dump());
      ADD_FAILURE() << "no error for " << args.dump();
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), code) << args.dump() << ": " << e.what();
    }
  };
  const std::string id = parent.record.id;
  expectCode(json::array({"parent", id, "parent"}), ErrorCode::AlreadyExists);
  expectCode(json::array({"parent", id, "PARENT"}), ErrorCode::AlreadyExists);
  expectCode(json::array({"parent", id, "-bad"}), ErrorCode::InvalidRepoName);
  expectCode(json::array({"parent", id, nullptr}), ErrorCode::InvalidRepoName);
  expectCode(json::array({"parent", id, "ok", {{"defaultBranchOnly", "yes"}}}), ErrorCode::InvalidInput);
  expectCode(json::array({"parent", id, "ok", {{"readOnly", 1}}}), ErrorCode::InvalidInput);
  expectCode(json::array({"parent", id, "ok", {{"description", std::string(5000, 'd')}}}), ErrorCode::InvalidInput);
  expectCode(json::array({"parent", id, "ok", "options"}), ErrorCode::InvalidInput);
  expectCode(json::array({"parent", "not-the-id", "ok"}), ErrorCode::NotFound);
  EXPECT_EQ(ns.snapshot(), before);
}

TEST_P(ForkTest, TheJsonResultIsACreateRepoResult) {
  JsonApi api(ns.service);
  auto job = api.beginFork(json::array({"parent", parent.record.id, "child", {{"description", "d"}}}).dump());
  while (!job->step(1000)) {
  }
  const json r = json::parse(api.createdRepo(job->result().created));
  EXPECT_EQ(r["name"], "child");
  EXPECT_EQ(r["description"], "d");
  EXPECT_EQ(r["defaultBranch"], "main");
  EXPECT_EQ(r["remote"], "http://127.0.0.1:8788/git/default/child.git");
  EXPECT_EQ(r["token"].get<std::string>().rfind("art_v1_", 0), 0u);
  EXPECT_EQ(r["id"], ns.service.get("child").id);
}

TEST_P(ForkTest, DeletingTheTargetMidForkStopsItAndLeavesNothing) {
  ForkJob job(ns.service, "parent", parent.record.id, "doomed", {});
  ASSERT_FALSE(job.step(1));
  const std::string doomedId = ns.service.list(50, std::nullopt).repos.front().id;
  ASSERT_TRUE(ns.service.remove("doomed"));
  try {
    while (!job.step(1)) {
    }
    ADD_FAILURE() << "the fork finished into a deleted repo";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound) << e.what();
  }
  EXPECT_EQ(ns.repos.rowCount(doomedId), 0u);
  EXPECT_EQ(refsOf(parent.record.id), gitRefs());
  EXPECT_TRUE(RepoStore(ns.service.repo(parent.record.id).store()).hasBorrowers() == false);
  fork("doomed");  // the name is free
}

TEST_P(ForkTest, AForkCutShortByACrashStillLetsItsParentGo) {
  // A crash: the job never finishes and never runs its destructor.
  auto* job = new ForkJob(ns.service, "parent", parent.record.id, "crashed", {});
  ASSERT_FALSE(job->step(1));
  EXPECT_EQ(ns.service.list(50, std::nullopt).repos.front().status, RepoStatus::Forking);
  ASSERT_TRUE(ns.service.remove("crashed"));
  ASSERT_TRUE(ns.service.remove("parent"));
  EXPECT_EQ(ns.repos.snapshot().size(), 0u) << "no pin outlives the fork it was for";
  // (The job object is deliberately leaked: freeing it would run the cleanup a crash never runs.)
}

TEST_P(ForkTest, DeletingTheParentMidForkKeepsItsObjectsUntilTheForkIsDone) {
  ForkOptions everything;
  everything.defaultBranchOnly = false;
  ForkJob job(ns.service, "parent", parent.record.id, "orphan", everything);
  ASSERT_FALSE(job.step(1));
  ASSERT_TRUE(ns.service.remove("parent"));
  while (!job.step(1)) {
  }
  const std::string id = job.result().created.record.id;
  EXPECT_EQ(refsOf(id), gitRefs());
  expectObjectsReadBack(id, objectsOf(src, "main feature"));
  // A copy lets go of the retired parent at once; a borrowing fork keeps it.
  EXPECT_EQ(ns.repos.rowCount(parent.record.id) > 0, sharing());
  ASSERT_TRUE(ns.service.remove("orphan"));
  EXPECT_EQ(ns.repos.snapshot().size(), 0u);
}

// What upload-pack serves from a fork for a v0 request wanting `want`.
std::string fetchFromFork(ArtifactsService& service, const std::string& repoId, const std::string& want,
                          const std::vector<std::string>& extra = {}) {
  std::string request;
  git::appendPkt(request, "want " + want + " side-band-64k ofs-delta\n");
  for (const auto& line : extra) git::appendPkt(request, line + "\n");
  git::appendFlush(request);
  git::appendPkt(request, "done\n");
  auto ctx = service.openRepoContext(repoId);
  try {
    auto body = git::UploadPack(*ctx).serve(request, 0);
    Bytes out;
    while (body->next(out)) {
    }
    const std::string text(out.begin(), out.end());
    // Errors go to the client in-band (an ERR packet).
    if (text.find("ERR ") != std::string::npos) return text;
    return text.find("unshallow ") != std::string::npos ? "ok, unshallowed" : "ok";
  } catch (const ArtifactsError& e) {
    return e.what();
  }
}

TEST_P(ForkTest, AForkServesOnlyHistoryItsOwnRefsReach) {
  const ForkedRepo f = fork("child");
  const std::string forkId = f.created.record.id;
  write("later.txt", "pushed to the parent after the fork\n");
  commitAll("after the fork");
  const std::string later = run(git(src) + "rev-parse HEAD").substr(0, 40);
  ingestInto(parent.record.id, "main\\n^main~1");
  setRef(parent.record.id, "refs/heads/main", later);
  EXPECT_EQ(fetchFromFork(ns.service, forkId, run(git(src) + "rev-parse main~1").substr(0, 40)), "ok");  // its tip
  EXPECT_EQ(fetchFromFork(ns.service, forkId, run(git(src) + "rev-parse main~3").substr(0, 40)), "ok");  // reachable
  EXPECT_NE(fetchFromFork(ns.service, forkId, later).find("not our ref"), std::string::npos);
  EXPECT_NE(fetchFromFork(ns.service, forkId, run(git(src) + "rev-parse feature").substr(0, 40)).find("not our ref"),
            std::string::npos);
  EXPECT_EQ(fetchFromFork(ns.service, parent.record.id, later), "ok");
  // Trees and blobs its refs reach can be fetched by id (partial clones fetch
  // blobs lazily); the parent's later ones cannot.
  EXPECT_EQ(fetchFromFork(ns.service, forkId, run(git(src) + "rev-parse main~1:README.md").substr(0, 40),
                          {"filter blob:none"}),
            "ok");
  EXPECT_EQ(fetchFromFork(ns.service, forkId, run(git(src) + "rev-parse main~1^{tree}").substr(0, 40)), "ok");
  EXPECT_NE(fetchFromFork(ns.service, forkId, run(git(src) + "rev-parse main:later.txt").substr(0, 40)).find("not our ref"),
            std::string::npos);
  // A client "shallow" line naming a commit the fork does not reach cannot
  // be deepened from.
  const std::string tip = run(git(src) + "rev-parse main~1").substr(0, 40);
  EXPECT_EQ(fetchFromFork(ns.service, forkId, tip, {"deepen-relative", "shallow " + later, "deepen 1"}), "ok");
  EXPECT_EQ(fetchFromFork(ns.service, parent.record.id, later, {"deepen-relative", "shallow " + later, "deepen 1"}),
            "ok, unshallowed");
}

INSTANTIATE_TEST_SUITE_P(Storage, ForkTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Borrowing" : "Copying"; });

}  // namespace
}  // namespace oa
