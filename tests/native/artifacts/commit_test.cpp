// The commit API (commit_request.h, commit_writer.h) through the JSON calling
// convention, against git as the oracle: a repo made with the git CLI is
// stored server-side, the same change is committed through the API and with
// `git commit` (same files, modes, identities, dates and message), and the
// commit and tree ids must be equal. A refused commit changes nothing in
// storage: bad arguments, tree conflicts, a stale expectedHead, a branch
// moved by a push while the commit is written, a read-only repo, the size limit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>

#include "api/json_api.h"
#include "base/storage_keys.h"
#include "git/store/pack_ingest.h"
#include "git/store/repo_context.h"
#include "open_artifacts/errors.h"
#include "support/git_fixture.h"
#include "support/test_support.h"

namespace oa {
namespace {

using nlohmann::json;
using testing::run;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = uint8_t(bytes[i]) << 16 | uint8_t(bytes[i + 1]) << 8 | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint8_t(bytes[i]) << 16;
    out += std::string{kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = uint8_t(bytes[i]) << 16 | uint8_t(bytes[i + 1]) << 8;
    out += std::string{kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// An identity as the API takes it and as git's environment gives it.
struct Who {
  std::string name, email;
  int64_t date;
  int32_t zone;  // minutes east of UTC
  json toJson() const { return {{"name", name}, {"email", email}, {"date", date}, {"timezoneOffset", zone}}; }
  std::string env(const std::string& role) const {
    const int32_t m = zone < 0 ? -zone : zone;
    char tz[16];
    std::snprintf(tz, sizeof tz, "%c%02d%02d", zone < 0 ? '-' : '+', m / 60, m % 60);
    return "GIT_" + role + "_NAME=" + quote(name) + " GIT_" + role + "_EMAIL=" + quote(email) + " GIT_" + role +
           "_DATE=" + quote("@" + std::to_string(date) + " " + tz) + " ";
  }
};

const Who kAlice{"Alice Example", "alice@example.com", 1700000000, 60};
const Who kZoe{"Zoë 佐藤", "zoë@例え.jp", 1700000500, -210};

// A repo store whose ref reads can run a step of "another process" (a push)
// just before the n-th read of one key.
class HookedStore : public KvStore {
 public:
  std::optional<Bytes> get(const std::string& key) override {
    if (hook && key == watched && ++reads == hookAtRead) {
      auto step = std::move(hook);
      hook = nullptr;
      step();
    }
    return inner.get(key);
  }
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override {
    return inner.scan(prefix, after, limit);
  }
  void commit(const WriteBatch& batch) override { inner.commit(batch); }

  MemoryKvStore inner;
  std::string watched;
  int reads = 0, hookAtRead = 0;
  std::function<void()> hook;
};

class HookedProvider : public RepoStorageProvider {
 public:
  KvStore& openRepo(const std::string& repoId) override {
    auto& slot = stores[repoId];
    if (!slot) slot = std::make_unique<HookedStore>();
    return *slot;
  }
  std::map<std::string, std::unique_ptr<HookedStore>> stores;
};

class CommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src = dir.path + "/src";
    run("git init -q -b main " + src);
    write("README.md", "# readme\n");
    write("run.sh", "#!/bin/sh\necho hi\n");
    run("chmod +x " + quote(src + "/run.sh"));
    write("dir/old.txt", "old\n");
    write("dir/keep.txt", "keep\n");
    write("only/one.txt", "one\n");
    gitCommit(kAlice, kAlice, "first\n");
    write("README.md", "# readme, second\n");
    gitCommit(kAlice, kZoe, "second\n");
    id = ns.service.create("repo", {}).record.id;
    store(id);
  }

  void write(const std::string& path, const std::string& content) {
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos) run("mkdir -p " + quote(src + "/" + path.substr(0, slash)));
    testing::writeFile(src + "/" + path, stringToBytes(content));
  }
  std::string gitAs(const Who& author, const Who& committer) const {
    std::string g = testing::git(src);
    return g.insert(g.find("git -C"), author.env("AUTHOR") + committer.env("COMMITTER"));
  }
  // git's commit of the work tree as it is (`-m`: a final newline added when missing).
  std::string gitCommit(const Who& author, const Who& committer, const std::string& message, bool allowEmpty = false) {
    run(gitAs(author, committer) + "add -A && " + gitAs(author, committer) + "commit -q --cleanup=verbatim " +
        (allowEmpty ? "--allow-empty " : "") + "-m " + quote(message));
    return head();
  }
  std::string head(const std::string& rev = "HEAD") { return trim(run(testing::git(src) + "rev-parse " + rev)); }

  // The source repo's objects and refs, stored as a push would leave them.
  void store(const std::string& repoId) {
    run(testing::git(src) + "pack-objects -q --all --revs --stdout </dev/null > " + dir.path + "/all.pack");
    const Bytes pack = testing::readFile(dir.path + "/all.pack");
    git::RepoContext ctx(ns.service.repo(repoId).store());
    git::PackIngest ingest(ctx.store(), ctx.objects());
    ingest.write(pack.data(), pack.size());
    ingest.finish();
    WriteBatch b;
    for (const auto& line : testing::lines(run(testing::git(src) + "for-each-ref --format='%(objectname) %(refname)'"))) {
      ctx.refs().stage(b, line.substr(41), git::ObjectId::fromHex(line.substr(0, 40)));
    }
    ctx.store().commit(b);
  }

  std::string refOf(const std::string& ref) {
    git::RepoContext ctx(ns.service.repo(id).store());
    const auto at = ctx.refs().get(ref);
    return at ? at->hex() : "absent";
  }

  json commit(const json& params, std::vector<std::optional<Bytes>> contents = {}, const std::string& name = "repo") {
    return json::parse(api.commit(json::array({name, id, params}).dump(), std::move(contents)));
  }

  void expectRefused(const json& params, ErrorCode code, const std::string& pointer, const std::string& message = "",
                     std::vector<std::optional<Bytes>> contents = {}) {
    const auto before = ns.snapshot();
    try {
      commit(params, std::move(contents));
      ADD_FAILURE() << params.dump() << ": accepted";
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), code) << params.dump() << ": " << e.what();
      EXPECT_EQ(e.pointer(), pointer) << params.dump() << ": " << e.what();
      if (!message.empty()) {
        EXPECT_EQ(std::string(e.what()), message);
      }
    }
    EXPECT_EQ(ns.snapshot(), before) << params.dump() << ": a refused commit changed storage";
  }

  testing::TempDir dir;
  std::string src;
  testing::TestNamespace ns;
  JsonApi api{ns.service};
  std::string id;
};

TEST_F(CommitTest, TheSameChangeMakesTheSameCommitAsGit) {
  const std::string binary("\x00\x01\xfe\xff binary\n", 12);
  const std::string previous = head();
  const json result = commit(
      {{"branch", "main"},
       {"expectedHead", previous},
       {"message", "third: ünïcode ✓\n\nwith a body"},
       {"author", kZoe.toJson()},
       {"committer", kAlice.toJson()},
       {"files",
        {{{"path", "README.md"}, {"content", "# readme, third\n"}},
         {{"path", "src/deep/new.c"}, {"content", "int main(void) { return 0; }\n"}},
         {{"path", "dir/old.txt"}, {"delete", true}},
         {{"path", "only/one.txt"}, {"delete", true}},
         {{"path", "tools/build.sh"}, {"content", base64("#!/bin/sh\nmake\n")}, {"encoding", "base64"}, {"executable", true}},
         {{"path", "run.sh"}, {"content", "#!/bin/sh\necho changed\n"}},  // stays executable
         {{"path", "data.bin"}}}}},
      {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, stringToBytes(binary)});

  write("README.md", "# readme, third\n");
  write("src/deep/new.c", "int main(void) { return 0; }\n");
  run("rm " + quote(src + "/dir/old.txt") + " " + quote(src + "/only/one.txt"));
  write("tools/build.sh", "#!/bin/sh\nmake\n");
  run("chmod +x " + quote(src + "/tools/build.sh"));
  write("run.sh", "#!/bin/sh\necho changed\n");
  write("data.bin", binary);
  const std::string expected = gitCommit(kZoe, kAlice, "third: ünïcode ✓\n\nwith a body");

  EXPECT_EQ(result["commit"], expected);
  EXPECT_EQ(result["tree"], head("HEAD^{tree}"));
  EXPECT_EQ(result["parents"], json::array({previous}));
  EXPECT_EQ(result["previous"], previous);
  EXPECT_EQ(result["ref"], "refs/heads/main");
  EXPECT_EQ(result["branch"], "main");
  EXPECT_EQ(refOf("refs/heads/main"), expected);
  // readCommit shows the message as given (the newline added is taken off again).
  const json read = json::parse(api.call("readCommit", json::array({"repo", id, expected}).dump()));
  EXPECT_EQ(read["message"], "third: ünïcode ✓\n\nwith a body");
}

TEST_F(CommitTest, AnEmptyRepoGetsARootCommitOnItsDefaultBranch) {
  const CreatedRepo empty = ns.service.create("empty", {std::nullopt, false, "trunk"});
  id = empty.record.id;
  const json result = commit({{"message", "initial"}, {"files", {{{"path", "a/b.txt"}, {"content", "b\n"}}}}}, {}, "empty");
  EXPECT_EQ(result["ref"], "refs/heads/trunk");
  EXPECT_EQ(result["previous"], nullptr);
  EXPECT_EQ(result["parents"], json::array());

  // git: a fresh repo, the default identity, dated now.
  const int64_t now = ns.host.nowMs() / 1000;
  const Who artifacts{kDefaultCommitName, kDefaultCommitEmail, now, 0};
  src = dir.path + "/fresh";
  run("git init -q -b trunk " + src);
  write("a/b.txt", "b\n");
  EXPECT_EQ(result["commit"], gitCommit(artifacts, artifacts, "initial"));
}

TEST_F(CommitTest, ANewBranchStartsWhereHeadIs) {
  const std::string main = head();
  const json result = commit({{"branch", "refs/heads/feature/x"},
                              {"expectedHead", std::string(40, '0')},
                              {"message", "on a branch"},
                              {"author", kAlice.toJson()},
                              {"files", {{{"path", "feature.txt"}, {"content", "f\n"}}}}});
  EXPECT_EQ(result["previous"], nullptr);
  EXPECT_EQ(result["parents"], json::array({main}));
  EXPECT_EQ(result["branch"], "feature/x");
  run(testing::git(src) + "checkout -q -b feature/x");
  write("feature.txt", "f\n");
  EXPECT_EQ(result["commit"], gitCommit(kAlice, kAlice, "on a branch"));
  EXPECT_EQ(refOf("refs/heads/main"), main) << "main stays";
}

TEST_F(CommitTest, AStaleExpectedHeadIsAConflictAndChangesNothing) {
  const std::string parent = head("HEAD~1");
  const json files = {{{"path", "x.txt"}, {"content", "x"}}};
  expectRefused({{"expectedHead", parent}, {"message", "m"}, {"files", files}}, ErrorCode::AlreadyExists,
                "/expectedHead", "refs/heads/main is at " + head() + ", not at the expected " + parent);
  expectRefused({{"expectedHead", std::string(40, '0')}, {"message", "m"}, {"files", files}}, ErrorCode::AlreadyExists,
                "/expectedHead", "refs/heads/main already exists (at " + head() + ")");
  expectRefused({{"branch", "nope"}, {"expectedHead", head()}, {"message", "m"}, {"files", files}},
                ErrorCode::AlreadyExists, "/expectedHead");
  EXPECT_EQ(commit({{"expectedHead", head()}, {"message", "m"}, {"files", files}})["previous"], head());
}

TEST_F(CommitTest, ABranchMovedWhileTheCommitIsWrittenIsAConflictAndChangesNothing) {
  HookedProvider provider;
  testing::FakeHost host;
  MemoryKvStore registry;
  ArtifactsService service(NamespaceConfig{"default", "http://127.0.0.1:8788", {}}, registry, provider, host);
  JsonApi hookedApi(service);
  const std::string repoId = service.create("hooked", {}).record.id;
  HookedStore& raw = *provider.stores.at(repoId);
  // A first commit to move away from, and a second commit to move to.
  const auto first = json::parse(hookedApi.call(
      "commit", json::array({"hooked", repoId, {{"message", "one"}, {"files", {{{"path", "a"}, {"content", "1"}}}}}}).dump()));
  const auto second = json::parse(hookedApi.call(
      "commit", json::array({"hooked", repoId, {{"message", "two"}, {"files", {{{"path", "a"}, {"content", "2"}}}}}}).dump()));
  // A push (another process) moves main back to the first commit after the
  // commit read main (1st read) and before its compare-and-swap (2nd read).
  raw.watched = keys::kRefPrefix + "refs/heads/main";
  raw.reads = 0;
  raw.hookAtRead = 2;
  raw.hook = [&] {
    ChunkedStore store(raw.inner);
    git::RefStore refs(store);
    WriteBatch b;
    refs.stage(b, "refs/heads/main", git::ObjectId::fromHex(first["commit"].get<std::string>()));
    store.commit(b);
  };
  std::map<std::string, Bytes> afterPush;
  try {
    hookedApi.call("commit", json::array({"hooked", repoId,
                                           {{"expectedHead", second["commit"]},
                                            {"message", "three"},
                                            {"files", {{{"path", "b"}, {"content", "new content"}}}}}})
                                  .dump());
    ADD_FAILURE() << "the commit overwrote the push";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::AlreadyExists) << e.what();
    EXPECT_EQ(e.pointer(), "/branch");
  }
  EXPECT_FALSE(raw.hook) << "the push ran";
  git::RepoContext ctx(service.repo(repoId).store());
  EXPECT_EQ(ctx.refs().get("refs/heads/main")->hex(), first["commit"]) << "the push's update stands";
  std::map<std::string, Bytes> rows = raw.inner.contents();
  size_t objects = 0;
  for (const auto& [key, value] : rows) objects += key.rfind(keys::kObjectPrefix, 0) == 0;
  // Two commits of one file each: 2 blobs, 2 trees, 2 commits; nothing of the third.
  EXPECT_EQ(objects, 6u);
}

TEST_F(CommitTest, NothingToCommitIsRefusedUnlessAllowed) {
  const json same = {{"path", "README.md"}, {"content", "# readme, second\n"}};
  expectRefused({{"message", "m"}, {"files", {same}}}, ErrorCode::InvalidInput, "/files");
  expectRefused({{"message", "m"}, {"files", json::array()}}, ErrorCode::InvalidInput, "/files");
  const std::string previous = head();
  const json result = commit({{"message", "empty"}, {"author", kAlice.toJson()}, {"allowEmpty", true}, {"files", json::array()}});
  EXPECT_EQ(result["tree"], head("HEAD^{tree}"));
  EXPECT_EQ(result["commit"], gitCommit(kAlice, kAlice, "empty", /*allowEmpty=*/true));
  EXPECT_EQ(result["parents"], json::array({previous}));
}

TEST_F(CommitTest, PathsTheTreeDoesNotAllowAreRefusedWithTheirPointer) {
  const auto files = [](json list) { return json{{"message", "m"}, {"files", list}}; };
  expectRefused(files({{{"path", "ok.txt"}, {"content", "x"}}, {{"path", "README.md/x"}, {"content", "x"}}}),
                ErrorCode::InvalidInput, "/files/1/path", "'README.md' is a file");
  expectRefused(files({{{"path", "dir"}, {"content", "x"}}}), ErrorCode::InvalidInput, "/files/0/path",
                "'dir' is a directory");
  expectRefused(files({{{"path", "missing.txt"}, {"delete", true}}}), ErrorCode::InvalidInput, "/files/0/path",
                "'missing.txt' does not exist");
  expectRefused(files({{{"path", "a"}, {"content", "x"}}, {{"path", "a/b"}, {"content", "y"}}}), ErrorCode::InvalidInput,
                "/files/1/path");
  for (const char* bad : {"", "..", "a/../b", ".git/config", "a//b", "/abs", "x/", "GIT~1/x", ".git./x"}) {
    expectRefused(files({{{"path", "fine.txt"}, {"content", "x"}}, {{"path", bad}, {"content", "x"}}}),
                  ErrorCode::InvalidInput, "/files/1/path");
  }
  expectRefused(files({{{"path", std::string("a\0b", 3)}, {"content", "x"}}}), ErrorCode::InvalidInput, "/files/0/path",
                "Invalid path: path contains a NUL byte");
}

TEST_F(CommitTest, ArgumentsAreCheckedBeforeAnythingIsTouched) {
  const json file = {{"path", "f"}, {"content", "x"}};
  const json ok = {{"message", "m"}, {"files", {file}}};
  auto with = [&](const char* key, json value) {
    json p = ok;
    p[key] = std::move(value);
    return p;
  };
  expectRefused(json::array(), ErrorCode::InvalidInput, "");
  expectRefused(with("expected_head", head()), ErrorCode::InvalidInput, "/expected_head", "unknown field expected_head");
  expectRefused(with("message", 5), ErrorCode::InvalidInput, "/message");
  expectRefused(json{{"files", {file}}}, ErrorCode::InvalidInput, "/message");
  expectRefused(with("files", "f"), ErrorCode::InvalidInput, "/files");
  expectRefused(with("files", {5}), ErrorCode::InvalidInput, "/files/0");
  expectRefused(with("files", {{{"path", "f"}, {"contents", "x"}}}), ErrorCode::InvalidInput, "/files/0/contents");
  expectRefused(with("files", {{{"path", "f"}}}), ErrorCode::InvalidInput, "/files/0/content");
  expectRefused(with("files", {{{"path", "f"}, {"content", 5}}}), ErrorCode::InvalidInput, "/files/0/content");
  expectRefused(with("files", {{{"path", "f"}, {"content", "x"}, {"delete", true}}}), ErrorCode::InvalidInput,
                "/files/0/content");
  expectRefused(with("files", {{{"path", "f"}, {"content", "!!"}, {"encoding", "base64"}}}), ErrorCode::InvalidInput,
                "/files/0/content", "content is not valid base64");
  expectRefused(with("files", {{{"path", "f"}, {"content", "x"}, {"encoding", "latin1"}}}), ErrorCode::InvalidInput,
                "/files/0/encoding");
  expectRefused(with("files", {{{"path", "f"}, {"content", "x"}, {"executable", "yes"}}}), ErrorCode::InvalidInput,
                "/files/0/executable");
  expectRefused(with("author", {{"name", "A"}, {"email", "a@x"}, {"date", 1.5}}), ErrorCode::InvalidInput,
                "/author/date");
  expectRefused(with("author", {{"name", "A <a@x>"}}), ErrorCode::InvalidInput, "/author/name");
  expectRefused(with("committer", "me"), ErrorCode::InvalidInput, "/committer");
  expectRefused(with("allowEmpty", 1), ErrorCode::InvalidInput, "/allowEmpty");
  expectRefused(with("branch", "bad..name"), ErrorCode::InvalidInput, "/branch");
  // Bytes beside the JSON: for a file without `content`, only once, only for files there are.
  expectRefused(ok, ErrorCode::InvalidInput, "/files/0/content", "", {stringToBytes("y")});
  expectRefused(ok, ErrorCode::InvalidInput, "/files", "", {std::nullopt, stringToBytes("y")});
  // Bad arguments win over a deleted handle; good ones then meet NOT_FOUND.
  ASSERT_TRUE(ns.service.remove("repo"));
  expectRefused(with("branch", ""), ErrorCode::InvalidInput, "/branch");
  expectRefused(ok, ErrorCode::NotFound, "");
}

TEST_F(CommitTest, ContentAsTextBase64OrBytesIsTheSameBlob) {
  const std::string text = "same ✓\n";
  const json result = commit({{"message", "m"},
                              {"files",
                               {{{"path", "utf8.txt"}, {"content", text}, {"encoding", "utf-8"}},
                                {{"path", "b64.txt"}, {"content", base64(text)}, {"encoding", "base64"}},
                                {{"path", "bytes.txt"}}}}},
                             {std::nullopt, std::nullopt, stringToBytes(text)});
  const json tree = json::parse(api.call("readTree", json::array({"repo", id, result["tree"]}).dump()));
  std::map<std::string, std::string> ids;
  for (const auto& e : tree) ids[e["name"]] = e["hash"];
  EXPECT_EQ(ids["utf8.txt"], trim(run("printf '%s' " + quote(text) + " | git hash-object --stdin")));
  EXPECT_EQ(ids["b64.txt"], ids["utf8.txt"]);
  EXPECT_EQ(ids["bytes.txt"], ids["utf8.txt"]);
}

TEST_F(CommitTest, AReadOnlyRepoIsRefusedAsAPushIs) {
  id = ns.service.create("frozen", {std::nullopt, true, "main"}).record.id;
  const auto before = ns.snapshot();
  try {
    commit({{"message", "m"}, {"files", {{{"path", "f"}, {"content", "x"}}}}}, {}, "frozen");
    ADD_FAILURE() << "a read-only repo took a commit";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
    EXPECT_EQ(std::string(e.what()), "repository is read-only");
  }
  EXPECT_EQ(ns.snapshot(), before);
}

TEST_F(CommitTest, ACommitMovesLastPushAtAsAPushDoes) {
  EXPECT_FALSE(ns.service.info("repo", id).lastPushAtMs);
  ns.host.advanceMs(5000);
  commit({{"message", "m"}, {"files", {{{"path", "f"}, {"content", "x"}}}}});
  const RepoRecord after = ns.service.info("repo", id);
  EXPECT_EQ(after.lastPushAtMs, ns.host.nowMs());
  EXPECT_EQ(after.updatedAtMs, ns.host.nowMs());
}

TEST_F(CommitTest, TheRepoSizeLimitHoldsAndChangesNothing) {
  testing::FakeHost host;
  MemoryKvStore registry;
  testing::MemoryRepoProvider repos;
  ArtifactsService small(NamespaceConfig{"default", "http://127.0.0.1:8788", {64 * 1024, 1ull << 30}}, registry, repos,
                         host);
  JsonApi smallApi(small);
  const std::string smallId = small.create("small", {}).record.id;
  Bytes noise(100 * 1024);
  uint32_t x = 1;
  for (auto& b : noise) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 24);  // does not compress
  const auto before = repos.snapshot();
  try {
    smallApi.commit(json::array({"small", smallId, {{"message", "m"}, {"files", {{{"path", "noise"}}}}}}).dump(), {noise});
    ADD_FAILURE() << "over the limit";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::MemoryLimit) << e.what();
  }
  EXPECT_EQ(repos.snapshot(), before);
}

}  // namespace
}  // namespace oa
