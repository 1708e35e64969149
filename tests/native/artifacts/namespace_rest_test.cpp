// The namespace record, the REST listing (search, sort, direction), the REST
// token list and revoking a token by id alone (namespace_record.h,
// repo_query.h, artifacts_service.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/json_api.h"
#include "open_artifacts/errors.h"
#include "support/test_support.h"

namespace oa {
namespace {

using nlohmann::json;
using testing::TestNamespace;

ErrorCode codeOf(const std::function<void()>& f, std::string* pointer = nullptr) {
  try {
    f();
  } catch (const ArtifactsError& e) {
    if (pointer) *pointer = e.pointer();
    return e.code();
  }
  ADD_FAILURE() << "expected an ArtifactsError";
  return ErrorCode::InternalError;
}

TEST(NamespaceRecord, ExplicitCreateGetDelete) {
  TestNamespace ns;
  EXPECT_EQ(codeOf([&] { ns.service.namespaceInfo(); }), ErrorCode::NotFound);
  const auto created = ns.service.createNamespace(Jurisdiction::Eu);
  EXPECT_EQ(created.name, "default");
  EXPECT_EQ(created.record.jurisdiction, Jurisdiction::Eu);
  EXPECT_EQ(created.repoCount, 0u);
  EXPECT_EQ(created.record.createdAtMs, ns.host.nowMs());
  EXPECT_EQ(codeOf([&] { ns.service.createNamespace(Jurisdiction::Us); }), ErrorCode::AlreadyExists);
  EXPECT_EQ(ns.service.namespaceInfo().record.jurisdiction, Jurisdiction::Eu) << "a jurisdiction never changes";
  ns.service.deleteNamespace();
  EXPECT_EQ(codeOf([&] { ns.service.namespaceInfo(); }), ErrorCode::NotFound);
  EXPECT_EQ(codeOf([&] { ns.service.deleteNamespace(); }), ErrorCode::NotFound);
}

TEST(NamespaceRecord, FirstRepoMakesTheNamespaceAndRepoKeepsIt) {
  TestNamespace ns;
  ns.service.create("first", {});
  const auto info = ns.service.namespaceInfo();
  EXPECT_EQ(info.record.jurisdiction, Jurisdiction::Unrestricted);
  EXPECT_EQ(info.repoCount, 1u);
  EXPECT_EQ(codeOf([&] { ns.service.createNamespace(Jurisdiction::Eu); }), ErrorCode::AlreadyExists)
      << "a namespace made implicitly cannot be given a jurisdiction later";
  const auto before = ns.snapshot();
  std::string pointer;
  EXPECT_EQ(codeOf([&] { ns.service.deleteNamespace(); }, &pointer), ErrorCode::InvalidInput);
  EXPECT_EQ(pointer, "/namespace");
  EXPECT_EQ(ns.snapshot(), before) << "a refused delete changes nothing";
  ns.service.remove("first");
  ns.service.deleteNamespace();
  EXPECT_EQ(codeOf([&] { ns.service.namespaceInfo(); }), ErrorCode::NotFound);
}

TEST(NamespaceRecord, RegistryWithoutRecordIsBackfilled) {
  TestNamespace ns;
  ns.service.create("old", {});
  WriteBatch drop;  // as a registry written before namespaces kept a record
  drop.remove("m/namespace");
  ns.registry.commit(drop);
  EXPECT_EQ(ns.service.namespaceInfo().repoCount, 1u);
  EXPECT_TRUE(ns.registry.get("m/namespace").has_value());
}

// list() through the JSON API, as the REST handler calls it.
json listJson(TestNamespace& ns, const json& opts) {
  JsonApi api(ns.service);
  return json::parse(api.call("list", json::array({opts}).dump()));
}

std::vector<std::string> names(const json& page) {
  std::vector<std::string> out;
  for (const auto& r : page["repos"]) out.push_back(r["name"]);
  return out;
}

TEST(RepoQuery, SearchSortDirectionAndOffsetCursors) {
  TestNamespace ns;
  for (const char* name : {"beta", "Alpha", "gamma-api", "delta-API"}) {
    ns.service.create(name, {});
    ns.host.advanceMs(1000);
  }
  EXPECT_EQ(names(listJson(ns, json::object())), (std::vector<std::string>{"delta-API", "gamma-api", "Alpha", "beta"}));
  EXPECT_EQ(names(listJson(ns, {{"direction", "asc"}})), (std::vector<std::string>{"beta", "Alpha", "gamma-api", "delta-API"}));
  EXPECT_EQ(names(listJson(ns, {{"sort", "name"}, {"direction", "asc"}})),
            (std::vector<std::string>{"Alpha", "beta", "delta-API", "gamma-api"}));
  EXPECT_EQ(names(listJson(ns, {{"sort", "name"}})), (std::vector<std::string>{"gamma-api", "delta-API", "beta", "Alpha"}));
  const json found = listJson(ns, {{"search", "api"}, {"sort", "name"}, {"direction", "asc"}});
  EXPECT_EQ(names(found), (std::vector<std::string>{"delta-API", "gamma-api"})) << "search is case-insensitive";
  EXPECT_EQ(found["total"], 2) << "total counts the matches";

  // Pages by offset: two pages of two, no overlap, the last without a cursor.
  const json first = listJson(ns, {{"sort", "name"}, {"direction", "asc"}, {"limit", 2}});
  ASSERT_TRUE(first.contains("cursor"));
  const json second = listJson(ns, {{"sort", "name"}, {"direction", "asc"}, {"limit", 2}, {"cursor", first["cursor"]}});
  EXPECT_EQ(names(first), (std::vector<std::string>{"Alpha", "beta"}));
  EXPECT_EQ(names(second), (std::vector<std::string>{"delta-API", "gamma-api"}));
  EXPECT_FALSE(second.contains("cursor"));
}

TEST(RepoQuery, LastPushAtPutsNeverPushedLast) {
  TestNamespace ns;
  const auto a = ns.service.create("a", {});
  ns.service.create("b", {});
  const auto c = ns.service.create("c", {});
  ns.host.advanceMs(5000);
  ns.service.names().recordPush("a", a.record.id);
  ns.host.advanceMs(5000);
  ns.service.names().recordPush("c", c.record.id);
  EXPECT_EQ(names(listJson(ns, {{"sort", "last_push_at"}})), (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(names(listJson(ns, {{"sort", "last_push_at"}, {"direction", "asc"}})), (std::vector<std::string>{"a", "c", "b"}));
}

TEST(RepoQuery, BadOptionsNameTheirField) {
  TestNamespace ns;
  ns.service.create("x", {});
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"sort", "size"}}, "/sort"},
      {{{"direction", "up"}}, "/direction"},
      {{{"search", 5}}, "/search"},
      {{{"search", std::string(300, 'a')}}, "/search"},
      {{{"sort", "name"}, {"cursor", "v1.0000000000000000.0000000000000000"}}, "/cursor"},
      {{{"sort", "name"}, {"cursor", "o1.x"}}, "/cursor"},
      {{{"sort", "name"}, {"limit", 201}}, "/limit"},
  };
  for (const auto& [opts, pointer] : cases) {
    std::string got;
    EXPECT_EQ(codeOf([&] { listJson(ns, opts); }, &got), ErrorCode::InvalidInput) << opts.dump();
    EXPECT_EQ(got, pointer) << opts.dump();
  }
}

TEST(RestTokens, StateFilterPagingAndRevokeById) {
  TestNamespace ns;
  const auto repo = ns.service.create("r", {});
  const std::string id = repo.record.id;
  JsonApi api(ns.service);
  auto tokens = [&](const json& opts) { return json::parse(api.call("listTokens", json::array({"r", id, opts}).dump())); };
  std::vector<std::string> minted;
  for (int i = 0; i < 4; ++i) {
    ns.host.advanceMs(1000);
    minted.push_back(ns.service.createToken("r", id, TokenScope::Read, 60).record.id);
  }
  EXPECT_EQ(tokens(json::object())["total"], 5) << "the initial token and four more";
  const json firstPage = tokens({{"perPage", 2}, {"page", 1}});
  ASSERT_EQ(firstPage["tokens"].size(), 2u);
  EXPECT_EQ(firstPage["tokens"][0]["id"], minted[3]) << "newest first";
  EXPECT_EQ(tokens({{"perPage", 2}, {"page", 3}})["tokens"].size(), 1u);

  // Revoke by id alone, as the REST route does: no repo named.
  EXPECT_EQ(json::parse(api.call("revokeTokenById", json::array({minted[0]}).dump()))["id"], minted[0]);
  EXPECT_NO_THROW(api.call("revokeTokenById", json::array({minted[0]}).dump())) << "again: still found";
  EXPECT_EQ(tokens({{"state", "revoked"}})["total"], 1);
  EXPECT_EQ(tokens({{"state", "active"}})["total"], 4);
  ns.host.advanceMs(120'000);  // the four 60 s tokens expire
  EXPECT_EQ(tokens({{"state", "expired"}})["total"], 3);
  EXPECT_EQ(tokens({{"state", "all"}})["total"], 5);

  // The initial token is revocable by id too.
  const json all = tokens({{"state", "all"}});
  std::string initialId = all["tokens"].back()["id"];
  EXPECT_NO_THROW(api.call("revokeTokenById", json::array({initialId}).dump()));

  EXPECT_EQ(codeOf([&] { api.call("revokeTokenById", json::array({"0123456789abcdef"}).dump()); }), ErrorCode::NotFound);
  EXPECT_EQ(codeOf([&] { api.call("revokeTokenById", json::array({"not an id"}).dump()); }), ErrorCode::NotFound);
  std::string pointer;
  EXPECT_EQ(codeOf([&] { tokens({{"state", "gone"}}); }, &pointer), ErrorCode::InvalidInput);
  EXPECT_EQ(pointer, "/state");
  EXPECT_EQ(codeOf([&] { tokens({{"perPage", 101}}); }, &pointer), ErrorCode::InvalidInput);
  EXPECT_EQ(pointer, "/per_page");
  EXPECT_EQ(codeOf([&] { tokens({{"page", 0}}); }, &pointer), ErrorCode::InvalidInput);
  EXPECT_EQ(pointer, "/page");

  // A deleted repo's tokens are gone: not found, even if the name is re-created.
  ns.service.remove("r");
  ns.service.create("r", {});
  EXPECT_EQ(codeOf([&] { api.call("revokeTokenById", json::array({minted[1]}).dump()); }), ErrorCode::NotFound);
}

}  // namespace
}  // namespace oa

namespace oa {
namespace {

TEST(RestTokens, SweepBackfillsHintsOfTokensMintedBefore) {
  testing::TestNamespace ns;
  const auto repo = ns.service.create("old", {});
  const auto token = ns.service.createToken("old", repo.record.id, TokenScope::Read, 600);
  // As a store written before the namespace kept token hints.
  WriteBatch drop;
  for (const auto& [key, value] : ns.registry.contents()) {
    if (key.rfind("tk/", 0) == 0) drop.remove(key);
  }
  ns.registry.commit(drop);
  EXPECT_FALSE(ns.service.revokeTokenById(token.record.id).has_value()) << "no hint: not found";
  ns.service.sweep();
  EXPECT_EQ(ns.service.revokeTokenById(token.record.id), std::optional<bool>(true));
}

TEST(NamespaceRecord, ARefusedFirstRepoMakesNoNamespaceAndAnEmptyOneLeavesNothing) {
  testing::TestNamespace ns;
  // A fork or import registers its target before it can fail: abandoned, it leaves no namespace.
  const auto pending = ns.service.beginRepo("x", {}, RepoStatus::Importing, std::nullopt);
  ns.service.abandonRepo(pending.record);
  ns.service.releaseRemoved();
  EXPECT_THROW(ns.service.namespaceInfo(), ArtifactsError);
  ns.service.create("y", {});
  ns.service.remove("y");
  ns.service.deleteNamespace();
  for (const auto& [key, value] : ns.registry.contents()) {
    EXPECT_TRUE(key.rfind("m/", 0) != 0 && key.rfind("tk/", 0) != 0) << key << " left behind";
  }
}

}  // namespace
}  // namespace oa
