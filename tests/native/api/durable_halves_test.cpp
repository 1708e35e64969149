// The two halves a Workers host runs in a Durable Object each
// (open_artifacts/namespace_registry.h, open_artifacts/repo_object.h), composed
// here as the Worker's namespace object composes them, over two stores that
// never meet: create, handles, fork by record batches, delete, crashes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "git/store/repo_copy.h"
#include "open_artifacts/errors.h"
#include "open_artifacts/namespace_registry.h"
#include "open_artifacts/repo_object.h"
#include "support/memory_kv_store.h"
#include "support/test_support.h"

namespace oa {
namespace {

using nlohmann::json;

ErrorCode codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ArtifactsError& e) {
    return e.code();
  }
  ADD_FAILURE() << "no ArtifactsError";
  return ErrorCode::InternalError;
}

struct Halves {
  testing::FakeHost host;
  MemoryKvStore registryStore;
  NamespaceRegistry registry{ArtifactsOptions{"default", "https://example.test", ""}, registryStore, host};
  std::map<std::string, std::unique_ptr<MemoryKvStore>> stores;  // one per repo object, by name
  std::map<std::string, std::unique_ptr<RepoObject>> objects;

  RepoObject& object(const std::string& name) {
    auto& slot = objects[name];
    if (!slot) {
      stores[name] = std::make_unique<MemoryKvStore>();
      slot = std::make_unique<RepoObject>("", *stores[name], host);
    }
    return *slot;
  }
  json reg(const std::string& method, const json& args) { return json::parse(registry.call(method, args.dump())); }
  json repo(const std::string& name, const std::string& method, const json& args) {
    return json::parse(object(name).call(method, args.dump()));
  }
  // The namespace object's create.
  json create(const std::string& name) {
    const json pending = reg("beginCreate", {name, nullptr});
    const std::string id = pending["identity"]["id"];
    while (!repo(name, "destroy", {nullptr, 100}).get<bool>()) {
    }
    const json token = repo(name, "initialize", {pending["identity"], pending["defaultBranch"]});
    repo(name, "markReady", {id});
    json result = reg("complete", {name, id});
    result["token"] = token["token"];
    return result;
  }
  std::string commitFile(const std::string& name, const std::string& id, const std::string& path, const std::string& text) {
    const json args = {id, {{"message", "add " + path}, {"files", {{{"path", path}, {"content", text}}}}}};
    return json::parse(object(name).commit(args.dump(), {}))["commit"];
  }
};

TEST(DurableHalves, CreateAcrossTheTwoStoresMakesAReadyRepoWithItsOwnIdentity) {
  Halves h;
  const json created = h.create("alpha");
  EXPECT_EQ(created["remote"], "https://example.test/git/default/alpha.git");
  EXPECT_EQ(created["token"].get<std::string>().rfind("art_v1_", 0), 0u);
  const std::string id = created["id"];
  EXPECT_EQ(h.reg("get", {"alpha"})["id"], id);
  const json identity = h.repo("alpha", "identity", json::array());
  EXPECT_EQ(identity["id"], id);
  EXPECT_EQ(identity["status"], "ready");
  EXPECT_EQ(identity["namespace"], "default");
  EXPECT_EQ(h.reg("list", {nullptr})["repos"][0]["status"], "ready");
  // Handle calls name the repo id: another id is NOT_FOUND.
  EXPECT_EQ(h.repo("alpha", "listTokens", {id})["total"], 1);
  EXPECT_EQ(codeOf([&] { h.repo("alpha", "listTokens", {"someone-else"}); }), ErrorCode::NotFound);
  // A store that holds a repo refuses a second initialize.
  EXPECT_EQ(codeOf([&] { h.repo("alpha", "initialize", {identity, "main"}); }), ErrorCode::InvalidInput);
}

TEST(DurableHalves, ACreateThatDiedBeforeCompleteIsReclaimedAndItsStoreReleasedByName) {
  Halves h;
  const json pending = h.reg("beginCreate", {"beta", nullptr});
  const std::string id = pending["identity"]["id"];
  h.repo("beta", "initialize", {pending["identity"], "main"});
  EXPECT_EQ(codeOf([&] { h.reg("get", {"beta"}); }), ErrorCode::CreateInProgress);
  h.host.advanceMs(kJobLeaseMs + 1);  // the job died: its lease lapses
  EXPECT_EQ(codeOf([&] { h.reg("get", {"beta"}); }), ErrorCode::NotFound);
  const json releases = h.reg("pendingReleases", {16});
  ASSERT_EQ(releases.size(), 1u);
  EXPECT_EQ(releases[0]["id"], id);
  EXPECT_EQ(releases[0]["name"], "beta");
  // A destroy for another id leaves a store alone; for its own id it empties it.
  EXPECT_TRUE(h.repo("beta", "destroy", {"not-this-one", 100}).get<bool>());
  EXPECT_FALSE(h.repo("beta", "identity", json::array()).is_null());
  EXPECT_TRUE(h.repo("beta", "destroy", {id, 100}).get<bool>());
  EXPECT_TRUE(h.stores["beta"]->scan("", "", 1).empty());
  h.reg("released", {id});
  EXPECT_TRUE(h.reg("pendingReleases", {16}).empty());
}

TEST(DurableHalves, GitIsRefusedFromTheFirstDestroyStep) {
  Halves h;
  const json created = h.create("gamma");
  const std::string id = created["id"];
  h.commitFile("gamma", id, "a.txt", "hello");
  EXPECT_EQ(h.reg("delete", {"gamma"}), true);
  // One row per step: the identity goes first, so handles fail at once.
  EXPECT_FALSE(h.repo("gamma", "destroy", {id, 1}).get<bool>());
  EXPECT_EQ(codeOf([&] { h.repo("gamma", "log", {id, nullptr}); }), ErrorCode::NotFound);
  while (!h.repo("gamma", "destroy", {id, 1}).get<bool>()) {
  }
  EXPECT_TRUE(h.stores["gamma"]->scan("", "", 1).empty());
}

TEST(DurableHalves, ForkCopiesRecordBatchesBetweenObjectsThatNeverMeet) {
  Halves h;
  const json parent = h.create("parent");
  const std::string parentId = parent["id"];
  for (int i = 0; i < 20; ++i) h.commitFile("parent", parentId, "f" + std::to_string(i) + ".txt", "v" + std::to_string(i));
  const json parentLog = h.repo("parent", "log", {parentId, {{"limit", 50}}});
  ASSERT_EQ(parentLog.size(), 20u);

  const json pending = h.reg("beginFork", {"parent", parentId, "child", {{"defaultBranchOnly", false}}});
  EXPECT_EQ(pending["identity"]["status"], "forking");
  EXPECT_EQ(pending["parent"]["id"], parentId);
  const std::string childId = pending["identity"]["id"];
  h.repo("child", "initialize", {pending["identity"], pending["defaultBranch"]});
  EXPECT_EQ(codeOf([&] { h.reg("get", {"child"}); }), ErrorCode::ForkInProgress);

  auto copy = h.object("parent").copyOut(json{parentId, {{"defaultBranchOnly", false}}}.dump());
  Bytes batch;
  int batches = 0;
  while (copy->next(batch, 7)) {  // small batches: several messages
    h.object("child").copyIn(childId, batch.data(), batch.size());
    h.reg("renewLease", {"child", childId});
    ++batches;
  }
  EXPECT_GT(batches, 3);
  EXPECT_EQ(copy->objectsCopied(), 60u);  // 20 commits, 20 trees, 20 blobs
  h.repo("child", "finishCopy", {childId, json::parse(copy->headsJson())});
  h.repo("child", "markReady", {childId});
  h.reg("complete", {"child", childId});
  EXPECT_EQ(h.repo("child", "log", {childId, {{"limit", 50}}}), parentLog);
  // The copy outlives its parent.
  h.reg("delete", {"parent"});
  while (!h.repo("parent", "destroy", {parentId, 1000}).get<bool>()) {
  }
  EXPECT_EQ(h.repo("child", "log", {childId, {{"limit", 50}}}).size(), 20u);
}

TEST(DurableHalves, ACopyIsOnlyTakenIntoAForkingRepoAndOnlyAsObjectRecords) {
  Halves h;
  const json created = h.create("plain");
  const std::string id = created["id"];
  git::RecordBatch batch;
  batch.rows.put("o/0123", Bytes{1, 2, 3});
  Bytes encoded = git::encodeRecordBatch(batch);
  EXPECT_EQ(codeOf([&] { h.object("plain").copyIn(id, encoded.data(), encoded.size()); }), ErrorCode::InvalidInput);  // ready, not forking

  git::RecordBatch hostile;
  hostile.rows.put("m/identity", Bytes{'{', '}'});
  encoded = git::encodeRecordBatch(hostile);
  EXPECT_EQ(codeOf([&] { git::decodeRecordBatch(encoded.data(), encoded.size()); }), ErrorCode::InvalidInput);
  for (size_t cut = 0; cut < encoded.size(); cut += 3) {
    EXPECT_EQ(codeOf([&] { git::decodeRecordBatch(encoded.data(), cut); }), ErrorCode::InvalidInput) << cut;
  }
}

TEST(DurableHalves, TokenHintsAndRevokeById) {
  Halves h;
  const json created = h.create("delta");
  const std::string id = created["id"];
  const json minted = h.repo("delta", "createToken", {id, "read", 3600});
  h.reg("noteTokenRepo", {minted["id"], "delta"});
  EXPECT_EQ(h.reg("tokenRepo", json::array({minted["id"]})), "delta");
  EXPECT_EQ(h.repo("delta", "revokeTokenById", json::array({minted["id"]})), true);
  EXPECT_EQ(h.repo("delta", "revokeTokenById", json::array({minted["id"]})), false);
  EXPECT_TRUE(h.repo("delta", "revokeTokenById", json::array({"zzzzzzzzzz"})).is_null());
}

TEST(DurableHalves, AnImportSourceTheRegistryHandsOnIsOneTheRepoObjectTakes) {
  Halves h;
  for (const json& source : {json{{"url", "https://example.com/r.git"}},
                             json{{"url", "https://example.com/r.git"}, {"depth", 3}, {"branch", "dev"}}}) {
    const std::string name = source.contains("depth") ? "shallow" : "full";
    const json pending = h.reg("beginImport", {{{"source", source}, {"target", {{"name", name}}}}, false, false});
    EXPECT_EQ(pending["identity"]["status"], "importing");
    EXPECT_EQ(pending["source"].contains("depth"), source.contains("depth")) << pending.dump();
    const std::string id = pending["identity"]["id"];
    h.repo(name, "initialize", {pending["identity"], pending["defaultBranch"]});
    auto run = h.object(name).importInto(json{id, pending["source"]}.dump(), false, false);
    const auto request = run->nextRequest();
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(request->url.rfind("https://example.com/r.git/info/refs", 0), 0u) << request->url;
  }
  // A non-public host is refused by the registry before anything is registered.
  EXPECT_EQ(codeOf([&] { h.reg("beginImport", {{{"source", {{"url", "https://127.0.0.1/r.git"}}}, {"target", {{"name", "x"}}}}, false, false}); }),
            ErrorCode::InvalidUrl);
  EXPECT_EQ(h.reg("list", {nullptr})["total"], 2);
}

}  // namespace
}  // namespace oa
