#include <gtest/gtest.h>

#include <set>

#include "open_artifacts/errors.h"
#include "support/test_support.h"

namespace oa {
namespace {

using testing::TestNamespace;

ErrorCode codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ArtifactsError& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an ArtifactsError";
  return ErrorCode::InternalError;
}

TEST(Registry, CreateGetDelete) {
  TestNamespace ns;
  const auto created = ns.service.create("my-repo", {});
  EXPECT_EQ(created.record.name, "my-repo");
  EXPECT_EQ(created.record.defaultBranch, "main");
  EXPECT_EQ(created.record.status, RepoStatus::Ready);
  EXPECT_EQ(ns.service.remoteUrl("my-repo"), "http://127.0.0.1:8788/git/default/my-repo.git");
  EXPECT_EQ(ns.service.get("my-repo").id, created.record.id);
  EXPECT_TRUE(ns.service.remove("my-repo"));
  EXPECT_FALSE(ns.service.remove("my-repo"));
  EXPECT_EQ(codeOf([&] { ns.service.get("my-repo"); }), ErrorCode::NotFound);
  EXPECT_TRUE(ns.repos.snapshot().empty()) << "deleting a repo deletes its store (tokens included)";
}

TEST(Registry, NamesAreUniqueCaseInsensitively) {
  TestNamespace ns;
  ns.service.create("Foo", {});
  const auto before = ns.snapshot();
  EXPECT_EQ(codeOf([&] { ns.service.create("foo", {}); }), ErrorCode::AlreadyExists);
  EXPECT_EQ(codeOf([&] { ns.service.create("FOO", {}); }), ErrorCode::AlreadyExists);
  EXPECT_EQ(ns.snapshot(), before);
  EXPECT_EQ(ns.service.get("fOO").name, "Foo") << "lookups are case-insensitive, the stored name keeps its case";
}

TEST(Registry, BadInputChangesNothing) {
  TestNamespace ns;
  ns.service.create("existing", {});
  const auto before = ns.snapshot();
  CreateRepoOptions badBranch;
  badBranch.defaultBranch = "bad..branch";
  CreateRepoOptions longDescription;
  longDescription.description = std::string(kMaxDescriptionBytes + 1, 'd');
  EXPECT_EQ(codeOf([&] { ns.service.create("", {}); }), ErrorCode::InvalidRepoName);
  EXPECT_EQ(codeOf([&] { ns.service.create(std::string(64, 'a'), {}); }), ErrorCode::InvalidRepoName);
  EXPECT_EQ(codeOf([&] { ns.service.create("ok", badBranch); }), ErrorCode::InvalidInput);
  EXPECT_EQ(codeOf([&] { ns.service.create("ok", longDescription); }), ErrorCode::InvalidInput);
  EXPECT_EQ(codeOf([&] { ns.service.get("-bad"); }), ErrorCode::InvalidRepoName);
  EXPECT_EQ(codeOf([&] { ns.service.remove(".bad"); }), ErrorCode::InvalidRepoName);
  EXPECT_EQ(codeOf([&] { ns.service.list(0, std::nullopt); }), ErrorCode::InvalidInput);
  EXPECT_EQ(codeOf([&] { ns.service.list(201, std::nullopt); }), ErrorCode::InvalidInput);
  EXPECT_EQ(codeOf([&] { ns.service.list(10, std::string("nope")); }), ErrorCode::InvalidInput);
  EXPECT_EQ(ns.snapshot(), before);
}

TEST(Registry, StatusCodesForReposNotReady) {
  TestNamespace ns;
  ChunkedStore chunked(ns.registry);  // the service reads the registry through ChunkedStore
  RepoRegistry registry(chunked, ns.host);
  for (auto [status, code] : {std::pair{RepoStatus::Creating, ErrorCode::CreateInProgress},
                              std::pair{RepoStatus::Importing, ErrorCode::ImportInProgress},
                              std::pair{RepoStatus::Forking, ErrorCode::ForkInProgress}}) {
    RepoRecord r;
    r.name = std::string("r-") + repoStatusName(status);
    r.defaultBranch = "main";
    r.status = status;
    r.leaseUntilMs = ns.host.nowMs() + kJobLeaseMs;  // a job that is still alive
    registry.insert(r);
    EXPECT_EQ(codeOf([&] { ns.service.get(r.name); }), code);
    EXPECT_EQ(errorNumericCode(code), status == RepoStatus::Creating ? 10301 : status == RepoStatus::Importing ? 10302 : 10303);
  }
}

TEST(Registry, NamespaceAndBaseUrlAreValidated) {
  testing::FakeHost host;
  MemoryKvStore registry;
  testing::MemoryRepoProvider repos;
  EXPECT_EQ(codeOf([&] { ArtifactsService({"x", "http://localhost"}, registry, repos, host); }), ErrorCode::InvalidInput);
  EXPECT_EQ(codeOf([&] { ArtifactsService({"ns", "ftp://localhost"}, registry, repos, host); }), ErrorCode::InvalidInput);
  EXPECT_EQ(codeOf([&] { ArtifactsService({"ns", "http://"}, registry, repos, host); }), ErrorCode::InvalidInput);
  ArtifactsService ok({"ns", "https://example.test/"}, registry, repos, host);
  EXPECT_EQ(ok.remoteUrl("r"), "https://example.test/git/ns/r.git");
}

class Pagination : public ::testing::TestWithParam<int> {};

TEST_P(Pagination, WalksAThousandReposNewestFirstWithoutGapsOrDuplicates) {
  TestNamespace ns;
  std::vector<std::string> createdOrder;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "repo-" + std::to_string(i);
    ns.service.create(name, {});
    createdOrder.push_back(name);
    if (i % 3 == 0) ns.host.advanceMs(1);  // many share a millisecond: ties must still order
  }
  const int limit = GetParam();
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    const auto page = ns.service.list(limit, cursor);
    EXPECT_EQ(page.total, 1000u);
    EXPECT_LE(page.repos.size(), static_cast<size_t>(limit));
    for (const auto& r : page.repos) seen.push_back(r.name);
    cursor = page.cursor;
    ++pages;
  } while (cursor);
  EXPECT_EQ(pages, (1000 + limit - 1) / limit);
  std::vector<std::string> expected(createdOrder.rbegin(), createdOrder.rend());
  EXPECT_EQ(seen, expected);
}

INSTANTIATE_TEST_SUITE_P(Limits, Pagination, ::testing::Values(1, 50, 200));

TEST(Registry, CursorStaysCorrectWhileReposComeAndGo) {
  TestNamespace ns;
  for (int i = 0; i < 10; ++i) {
    ns.service.create("r" + std::to_string(i), {});
    ns.host.advanceMs(5);
  }
  auto first = ns.service.list(4, std::nullopt);  // r9 r8 r7 r6
  ASSERT_TRUE(first.cursor);
  ns.service.create("newer", {});  // sorts before the cursor: not on later pages
  ns.service.remove("r5");         // next on the list: skipped, nothing else lost
  ns.service.remove("r8");         // already seen
  auto second = ns.service.list(4, first.cursor);
  std::vector<std::string> names;
  for (const auto& r : second.repos) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"r4", "r3", "r2", "r1"}));
  EXPECT_EQ(second.total, 9u);
  auto third = ns.service.list(4, second.cursor);
  ASSERT_EQ(third.repos.size(), 1u);
  EXPECT_EQ(third.repos[0].name, "r0");
  EXPECT_FALSE(third.cursor);
}

}  // namespace
}  // namespace oa
