#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "open_artifacts/errors.h"
#include "api/json_api.h"
#include "support/test_support.h"

namespace oa {
namespace {

using nlohmann::json;

struct JsonApiFixture : ::testing::Test {
  testing::TestNamespace ns;
  JsonApi api{ns.service};

  json call(const std::string& method, const json& args) { return json::parse(api.call(method, args.dump())); }
  // Expects `method(args)` to fail with `code` and to leave storage untouched.
  void expectRejected(const std::string& method, const json& args, const char* code) {
    const auto before = ns.snapshot();
    try {
      api.call(method, args.dump());
      ADD_FAILURE() << method << " " << args.dump() << " was accepted";
    } catch (const ArtifactsError& e) {
      EXPECT_STREQ(errorCodeName(e.code()), code) << method << " " << args.dump() << ": " << e.what();
    }
    EXPECT_EQ(ns.snapshot(), before) << method << " " << args.dump() << " changed storage";
  }
};

TEST_F(JsonApiFixture, CreateReturnsTheSpecShape) {
  const json r = call("create", json::array({"demo", {{"description", "d"}, {"setDefaultBranch", "trunk"}}}));
  EXPECT_EQ(r.size(), 6u) << r.dump();
  EXPECT_TRUE(std::regex_match(r["id"].get<std::string>(), std::regex("^[0-9a-z]{16}$")));
  EXPECT_EQ(r["name"], "demo");
  EXPECT_EQ(r["description"], "d");
  EXPECT_EQ(r["defaultBranch"], "trunk");
  EXPECT_EQ(r["remote"], "http://127.0.0.1:8788/git/default/demo.git");
  EXPECT_TRUE(std::regex_match(r["token"].get<std::string>(), std::regex("^art_v1_[0-9a-f]{40}\\?expires=\\d+$")));

  const json info = call("info", json::array({"demo", r["id"]}));
  for (const char* key : {"id", "name", "description", "defaultBranch", "createdAt", "updatedAt", "lastPushAt", "source",
                          "readOnly", "remote"}) {
    EXPECT_TRUE(info.contains(key)) << key;
  }
  EXPECT_EQ(info.size(), 10u);
  EXPECT_EQ(info["createdAt"], "2026-05-18T15:53:46.833Z");
  EXPECT_TRUE(info["lastPushAt"].is_null());
  EXPECT_TRUE(info["source"].is_null());
  EXPECT_EQ(info["readOnly"], false);

  const json tokens = call("listTokens", json::array({"demo", r["id"]}));
  ASSERT_EQ(tokens["total"], 1) << "the initial token is listed";
  EXPECT_EQ(tokens["tokens"][0]["scope"], "write");
  EXPECT_EQ(tokens["tokens"][0]["state"], "active");
  EXPECT_EQ(tokens["tokens"][0]["expiresAt"], "2026-05-19T15:53:46.833Z") << "24 h TTL";
}

TEST_F(JsonApiFixture, DefaultsAndNulls) {
  const json r = call("create", json::array({"plain"}));
  EXPECT_TRUE(r["description"].is_null());
  EXPECT_EQ(r["defaultBranch"], "main");
  const json r2 = call("create", json::array({"nulls", {{"description", nullptr}, {"readOnly", true}}}));
  EXPECT_EQ(call("info", json::array({"nulls", r2["id"]}))["readOnly"], true);
  const json t = call("createToken", json::array({"plain", r["id"]}));
  EXPECT_EQ(t["scope"], "write");
  EXPECT_EQ(t.size(), 4u);
  const json list = call("list", json::array());
  EXPECT_EQ(list["total"], 2);
  EXPECT_FALSE(list.contains("cursor"));
  EXPECT_EQ(list["repos"][0]["status"], "ready");
  EXPECT_EQ(list["repos"][0]["name"], "nulls");
}

TEST_F(JsonApiFixture, EveryBadInputHasItsCodeAndChangesNothing) {
  const json r = call("create", json::array({"repo"}));
  const json id = r["id"];
  expectRejected("create", json::array({}), "INVALID_REPO_NAME");
  expectRejected("create", json::array({42}), "INVALID_REPO_NAME");
  expectRejected("create", json::array({"bad name"}), "INVALID_REPO_NAME");
  expectRejected("create", json::array({"REPO"}), "ALREADY_EXISTS");
  expectRejected("create", json::array({"ok", 5}), "INVALID_INPUT");
  expectRejected("create", json::array({"ok", "opts"}), "INVALID_INPUT");
  expectRejected("create", json::array({"ok", {{"description", 5}}}), "INVALID_INPUT");
  expectRejected("create", json::array({"ok", {{"readOnly", "yes"}}}), "INVALID_INPUT");
  expectRejected("create", json::array({"ok", {{"setDefaultBranch", ""}}}), "INVALID_INPUT");
  expectRejected("create", json::array({"ok", {{"setDefaultBranch", "a b"}}}), "INVALID_INPUT");
  expectRejected("create", json::array({"ok", {{"setDefaultBranch", 1}}}), "INVALID_INPUT");
  expectRejected("get", json::array({"nope"}), "NOT_FOUND");
  expectRejected("get", json::array({"no/pe"}), "INVALID_REPO_NAME");
  expectRejected("delete", json::array({""}), "INVALID_REPO_NAME");
  expectRejected("list", json::array({{{"limit", 0}}}), "INVALID_INPUT");
  expectRejected("list", json::array({{{"limit", 201}}}), "INVALID_INPUT");
  expectRejected("list", json::array({{{"limit", 1.5}}}), "INVALID_INPUT");
  expectRejected("list", json::array({{{"limit", "10"}}}), "INVALID_INPUT");
  expectRejected("list", json::array({{{"cursor", 3}}}), "INVALID_INPUT");
  expectRejected("list", json::array({{{"cursor", "v1.garbage"}}}), "INVALID_INPUT");
  expectRejected("list", json::array({"x"}), "INVALID_INPUT");
  expectRejected("createToken", json::array({"repo", id, "admin"}), "INVALID_INPUT");
  expectRejected("createToken", json::array({"repo", id, "read", 59}), "INVALID_TTL");
  expectRejected("createToken", json::array({"repo", id, "read", 31536001}), "INVALID_TTL");
  expectRejected("createToken", json::array({"repo", id, "read", 3600.5}), "INVALID_TTL");
  expectRejected("createToken", json::array({"repo", id, "read", "3600"}), "INVALID_TTL");
  expectRejected("createToken", json::array({"repo", "0000000000000000"}), "NOT_FOUND");
  expectRejected("revokeToken", json::array({"repo", id, ""}), "INVALID_INPUT");
  expectRejected("revokeToken", json::array({"repo", id, 7}), "INVALID_INPUT");
  expectRejected("revokeToken", json::array({"repo", id, "not-a-token"}), "INVALID_INPUT");
  expectRejected("info", json::array({"repo", "0000000000000000"}), "NOT_FOUND");
  expectRejected("frobnicate", json::array({}), "INVALID_INPUT");
  const auto before = ns.snapshot();
  EXPECT_THROW(api.call("list", "{not json"), ArtifactsError);
  EXPECT_THROW(api.call("list", "{}"), ArtifactsError);
  EXPECT_EQ(ns.snapshot(), before);
}

TEST_F(JsonApiFixture, HandlesOfADeletedRepoAnswerNotFound) {
  const json r = call("create", json::array({"gone"}));
  call("delete", json::array({"gone"}));
  const json again = call("create", json::array({"gone"}));
  EXPECT_NE(again["id"], r["id"]);
  expectRejected("info", json::array({"gone", r["id"]}), "NOT_FOUND");
  expectRejected("listTokens", json::array({"gone", r["id"]}), "NOT_FOUND");
  EXPECT_EQ(call("info", json::array({"gone", again["id"]}))["id"], again["id"]);
}

TEST_F(JsonApiFixture, RevokeAndListTokensThroughTheApi) {
  const json r = call("create", json::array({"t"}));
  const json id = r["id"];
  const json read = call("createToken", json::array({"t", id, "read", 60}));
  EXPECT_EQ(call("listTokens", json::array({"t", id}))["total"], 2);
  EXPECT_EQ(call("revokeToken", json::array({"t", id, read["id"]})), true);
  EXPECT_EQ(call("revokeToken", json::array({"t", id, read["id"]})), false);
  EXPECT_EQ(call("revokeToken", json::array({"t", id, r["token"]})), true);
  EXPECT_EQ(call("listTokens", json::array({"t", id}))["total"], 0);
}

}  // namespace
}  // namespace oa
