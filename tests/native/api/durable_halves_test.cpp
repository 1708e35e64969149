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

// The namespace object's fork, copying every batch; the largest encoded batch in `largest`.
json forkAll(Halves& h, const std::string& parent, const std::string& parentId, const std::string& child, size_t& largest) {
  const json pending = h.reg("beginFork", {parent, parentId, child, {{"defaultBranchOnly", false}}});
  const std::string childId = pending["identity"]["id"];
  h.repo(child, "initialize", {pending["identity"], pending["defaultBranch"]});
  auto copy = h.object(parent).copyOut(json{parentId, {{"defaultBranchOnly", false}}}.dump());
  Bytes batch;
  largest = 0;
  while (copy->next(batch, 4096)) {
    largest = std::max(largest, batch.size());
    h.object(child).copyIn(childId, batch.data(), batch.size());
  }
  h.repo(child, "finishCopy", {childId, json::parse(copy->headsJson())});
  h.repo(child, "markReady", {childId});
  return h.reg("complete", {child, childId});
}

TEST(DurableHalves, ALargeObjectsRowsSpanBatchesThatEachStayUnderOneRpcMessage) {
  Halves h;
  const json parent = h.create("assets");
  const std::string parentId = parent["id"];
  std::string noise(30u << 20, '\0');  // 30 MiB that do not compress: 31 chunk rows
  uint64_t x = 88172645463325252ull;
  for (auto& c : noise) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  const Bytes bytes(noise.begin(), noise.end());
  json args = {parentId, {{"message", "big"}, {"files", {{{"path", "big.bin"}}}}}};
  std::vector<std::optional<Bytes>> contents{bytes};
  h.object("assets").commit(args.dump(), std::move(contents));
  const auto original = h.object("assets").readBytes("readFile", json{parentId, {{"ref", "main"}, {"path", "big.bin"}}}.dump());
  ASSERT_TRUE(original.has_value());
  ASSERT_EQ(*original->bytes, bytes) << "the parent holds it";
  size_t largest = 0;
  forkAll(h, "assets", parentId, "copy", largest);
  EXPECT_LE(largest, git::kMaxBatchMessageBytes + 4096);
  const json copied = h.reg("get", {"copy"});
  const auto blob = h.object("copy").readBytes("readFile", json{copied["id"], {{"ref", "main"}, {"path", "big.bin"}}}.dump());
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(*blob->bytes, bytes);
}

TEST(DurableHalves, ACopyOutOfARepoThatWasDeletedOrReplacedFailsAtItsNextStep) {
  Halves h;
  const json parent = h.create("gone");
  const std::string parentId = parent["id"];
  h.commitFile("gone", parentId, "a.txt", "a");
  auto copy = h.object("gone").copyOut(json{parentId, nullptr}.dump());
  h.reg("delete", {"gone"});
  EXPECT_FALSE(h.repo("gone", "destroy", {parentId, 1}).get<bool>());  // the identity goes first
  Bytes batch;
  EXPECT_EQ(codeOf([&] { copy->next(batch, 10); }), ErrorCode::NotFound);
  // A new repo of the same name in the same object: the old copy still fails.
  h.create("gone");
  EXPECT_EQ(codeOf([&] { copy->next(batch, 10); }), ErrorCode::NotFound);
  EXPECT_EQ(codeOf([&] { copy->headsJson(); }), ErrorCode::NotFound);
}

TEST(DurableHalves, AForkWhoseHeadsDidNotArriveIsNeverMadeReadyAndAReadyRepoIsNeverAbandoned) {
  Halves h;
  const json parent = h.create("src");
  const std::string parentId = parent["id"];
  h.commitFile("src", parentId, "a.txt", "a");
  const json pending = h.reg("beginFork", {"src", parentId, "dst", nullptr});
  const std::string childId = pending["identity"]["id"];
  h.repo("dst", "initialize", {pending["identity"], pending["defaultBranch"]});
  auto copy = h.object("src").copyOut(json{parentId, nullptr}.dump());
  Bytes batch;
  while (copy->next(batch, 10)) {
  }  // batches dropped: nothing arrived
  EXPECT_EQ(codeOf([&] { h.repo("dst", "finishCopy", {childId, json::parse(copy->headsJson())}); }), ErrorCode::InternalError);
  h.reg("abandon", {"dst", childId});
  EXPECT_EQ(codeOf([&] { h.reg("get", {"dst"}); }), ErrorCode::NotFound);
  // A job that gives up after its repo was made ready leaves it alone.
  const json created = h.create("kept");
  h.reg("abandon", {"kept", created["id"]});
  EXPECT_EQ(h.reg("get", {"kept"})["id"], created["id"]);
  for (const auto& release : h.reg("pendingReleases", {16})) EXPECT_NE(release["id"], created["id"]);
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
