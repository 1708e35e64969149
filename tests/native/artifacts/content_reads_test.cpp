// Content reads (spec §2.4) against git as the oracle: a source repo made with
// the git CLI (every tree-entry type, unicode names, a merge, annotated and
// nested tags, binary and typed files, odd commit messages) is ingested into a
// server-side store, and readBlob/readTree/readCommit/readFile/log must agree
// with `git cat-file`, `git ls-tree` and `git rev-list --first-parent`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "artifacts/content_reads.h"
#include "open_artifacts/errors.h"
#include "api/json_api.h"
#include "artifacts/mime_type.h"
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

struct Who {
  std::string name;
  std::string email;
  std::string date;  // git date, e.g. "@1700000000 +0100"
};

// git -C <repo> with no user/system config and the given identities.
std::string gitAs(const std::string& repo, const Who& author, const Who& committer) {
  return "env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent GIT_AUTHOR_NAME=" + quote(author.name) +
         " GIT_AUTHOR_EMAIL=" + quote(author.email) + " GIT_AUTHOR_DATE=" + quote(author.date) +
         " GIT_COMMITTER_NAME=" + quote(committer.name) + " GIT_COMMITTER_EMAIL=" + quote(committer.email) +
         " GIT_COMMITTER_DATE=" + quote(committer.date) + " git -C " + quote(repo) + " ";
}

const Who kAlice{"Alice Example", "alice@example.com", "@1700000000 +0000"};
const Who kZoe{"Zoë Ünïcödé 佐藤", "zoë@例え.jp", "@1700000500 +0900"};
const Who kBot{"Build Bot", "bot@ci.example", "@1700000900 -0330"};

std::string trim(const std::string& s) {
  size_t end = s.size();
  while (end && (s[end - 1] == '\n' || s[end - 1] == ' ')) --end;
  return s.substr(0, end);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

Bytes bytesOf(const std::string& s) { return Bytes(s.begin(), s.end()); }

// The source repo, built once for the suite, and its ingested server copy.
struct Source {
  testing::TempDir dir;
  std::string src;
  testing::ServerRepo server;
  std::map<std::string, std::string> ids;  // label -> object id
  std::string bigText;                      // 10000 bytes, a NUL after byte 8192

  std::string g() const { return gitAs(src, kAlice, kAlice); }
  std::string revParse(const std::string& what) { return trim(run(g() + "rev-parse " + quote(what))); }
  void write(const std::string& path, const std::string& content) {
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos) run("mkdir -p " + quote(src + "/" + path.substr(0, slash)));
    testing::writeFile(src + "/" + path, bytesOf(content));
  }
  std::string commit(const Who& author, const Who& committer, const std::string& message) {
    // `add -A` would drop the gitlink, whose directory is not checked out.
    run(gitAs(src, author, committer) + "add -A -- . ':(exclude)sub' && " + gitAs(src, author, committer) +
        "commit -q --cleanup=verbatim -m " + quote(message));
    return revParse("HEAD");
  }
  // A commit object written byte for byte (messages git commit cannot make).
  std::string rawCommit(const std::string& tree, const std::string& parent, const std::string& message) {
    const std::string path = dir.path + "/raw-commit";
    testing::writeFile(path, bytesOf("tree " + tree + "\nparent " + parent +
                                     "\nauthor Raw Author <raw@example.com> 1700001000 +0000\n"
                                     "committer Raw Committer <rawc@example.com> 1700002000 +0100\n\n" +
                                     message));
    return trim(run(g() + "hash-object -t commit -w " + quote(path)));
  }

  Source() {
    src = dir.path + "/src";
    run("git init -q -b main " + quote(src));
    // c1: every entry type and MIME case.
    write("README.md", "# hello\n");
    write("run.sh", "#!/bin/sh\necho hi\n");
    run("chmod +x " + quote(src + "/run.sh"));
    run("ln -s README.md " + quote(src + "/link"));
    write("dir/sub/deep.txt", "deep\n");
    write("dir/top.txt", "top\n");
    write("ünïcödé/文件 с пробелом.txt", "unicode content: żółć ✓\n");
    write("image.png", "not really a png\n");
    write("photo.JPG", "jpeg bytes\n");
    write("a.jpeg", "jpeg\n");
    write("anim.gif", "gif\n");
    write("pic.webp", "webp\n");
    write("favicon.ico", "ico\n");
    write("doc.pdf", "%PDF-1.4\n");
    write(".png", "dotfile named like an extension\n");
    write("noext", "plain\n");
    write("empty.txt", "");
    write("bin.dat", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    bigText = std::string(8192, 'a') + std::string(1, '\0') + std::string(1807, 'b');
    write("late-nul.txt", bigText);
    ids["gitlinkTarget"] = "1234567890abcdef1234567890abcdef12345678";
    run(g() + "update-index --add --cacheinfo 160000," + ids["gitlinkTarget"] + ",sub");
    ids["c1"] = commit(kAlice, kAlice, "first commit\n\nwith a body\n");
    run(g() + "tag light");  // lightweight tag on c1

    // c2: another author and committer, unicode message.
    write("README.md", "# hello again\n");
    ids["c2"] = commit(kZoe, kBot, "second: ünïcode ✓\n");
    run(g() + "tag -a v1 -m 'release v1' " + ids["c2"]);
    run(g() + "-c advice.nestedTag=false tag -a v1-nested -m 'a tag of a tag' v1");
    run(g() + "tag -a tree-tag -m 'a tag of a tree' " + ids["c2"] + "^{tree}");
    run(g() + "tag -a blob-tag -m 'a tag of a blob' " + ids["c2"] + ":README.md");

    // A side branch merged into main: the merge's first parent stays on main.
    run(g() + "checkout -q -b side " + ids["c1"]);
    write("side.txt", "side\n");
    ids["s1"] = commit(kBot, kBot, "side work\n");
    write("side.txt", "side 2\n");
    ids["s2"] = commit(kBot, kBot, "more side work\n");
    run(g() + "checkout -q main");
    run(gitAs(src, kAlice, kAlice) + "merge -q --no-ff --no-edit side");
    ids["merge"] = revParse("HEAD");

    // Messages: two trailing newlines (one is removed), none at all, a long one.
    write("dir/top.txt", "top 2\n");
    ids["twoNewlines"] = commit(kAlice, kZoe, "keeps one newline\n\n");
    ids["noNewline"] = rawCommit(revParse("HEAD^{tree}"), ids["twoNewlines"], "no trailing newline");
    std::string longMessage;
    while (longMessage.size() < 20009) longMessage += "long message line " + std::to_string(longMessage.size()) + "\n";
    ids["long"] = rawCommit(revParse("HEAD^{tree}"), ids["noNewline"], longMessage);
    run(g() + "update-ref refs/heads/main " + ids["long"]);
    run(g() + "reset -q --hard main");

    // A branch and a tag with the same short name: the branch wins.
    run(g() + "branch dup " + ids["c1"]);
    run(g() + "tag dup " + ids["c2"]);
    // A ref outside refs/heads and refs/tags.
    run(g() + "update-ref refs/notes/x " + ids["c1"]);

    const std::string pack = dir.path + "/all.pack";
    run(g() + "pack-objects --revs --all --stdout --delta-base-offset </dev/null > " + quote(pack));
    server.ingest(testing::readFile(pack));
    for (const auto& line : split(run(g() + "for-each-ref --format='%(objectname) %(refname)'"), '\n')) {
      if (line.size() > 41) server.setRef(line.substr(41), line.substr(0, 40));
    }
  }
};

class ContentReadsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { source_ = new Source(); }
  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
  }

  Source& s() { return *source_; }
  ContentReads reads() { return ContentReads(s().server.ctx); }
  std::string git(const std::string& args) { return run(s().g() + args); }
  std::string text(const std::optional<ContentBlob>& b) {
    return b ? std::string(b->bytes->begin(), b->bytes->end()) : std::string("<null>");
  }

  template <typename F>
  void expectError(F&& f, ErrorCode code, const std::string& message = "") {
    try {
      f();
      ADD_FAILURE() << "no error, expected " << errorCodeName(code);
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      if (!message.empty()) EXPECT_EQ(std::string(e.what()), message);
    }
  }

  // Every object git has, by type: "commit", "tree", "blob", "tag" -> ids.
  std::map<std::string, std::vector<std::string>> objectsByType() {
    std::map<std::string, std::vector<std::string>> out;
    const std::string all = git("cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)'");
    for (const auto& line : split(all, '\n')) {
      if (line.size() > 41) out[line.substr(41)].push_back(line.substr(0, 40));
    }
    return out;
  }

  static Source* source_;
};

Source* ContentReadsTest::source_ = nullptr;

// ---- readBlob

TEST_F(ContentReadsTest, ReadBlobMatchesCatFileForEveryBlob) {
  auto r = reads();
  const auto blobs = objectsByType()["blob"];
  ASSERT_GE(blobs.size(), 15u);
  for (const auto& id : blobs) {
    const auto blob = r.readBlob(id);
    ASSERT_TRUE(blob) << id;
    EXPECT_EQ(blob->type, "") << "readBlob is untyped";
    EXPECT_EQ(text(blob), git("cat-file blob " + id)) << id;
  }
}

TEST_F(ContentReadsTest, ReadBlobIsNullForMissingObjectsAndOtherTypes) {
  auto r = reads();
  EXPECT_FALSE(r.readBlob(std::string(40, '0')));
  EXPECT_FALSE(r.readBlob(s().ids["gitlinkTarget"]));
  EXPECT_FALSE(r.readBlob(s().ids["c1"])) << "a commit";
  EXPECT_FALSE(r.readBlob(s().revParse(s().ids["c1"] + "^{tree}"))) << "a tree";
  EXPECT_FALSE(r.readBlob(s().revParse("v1"))) << "a tag object";
  EXPECT_FALSE(r.readBlob(s().revParse("blob-tag"))) << "a tag of a blob is still a tag";
}

// ---- readTree

TEST_F(ContentReadsTest, ReadTreeMatchesLsTreeForEveryTree) {
  auto r = reads();
  const auto trees = objectsByType()["tree"];
  ASSERT_GE(trees.size(), 5u);
  std::set<std::string> typesSeen;
  for (const auto& id : trees) {
    const auto entries = r.readTree(id);
    ASSERT_TRUE(entries) << id;
    std::vector<std::string> expected;
    for (const auto& line : split(git("ls-tree -z " + id), '\0')) {
      if (!line.empty()) expected.push_back(line);
    }
    ASSERT_EQ(entries->size(), expected.size()) << id;
    for (size_t i = 0; i < expected.size(); ++i) {
      // "<mode> <type> <hash>\t<name>"; git pads tree modes to "040000".
      const std::string& line = expected[i];
      const size_t tab = line.find('\t');
      const auto fields = split(line.substr(0, tab), ' ');
      std::string mode = fields[0];
      if (mode == "040000") mode = "40000";
      const auto& e = (*entries)[i];
      EXPECT_EQ(e.name, line.substr(tab + 1));
      EXPECT_EQ(e.mode, mode) << e.name;
      EXPECT_EQ(e.hash, fields[2]) << e.name;
      const std::string type = mode == "40000"    ? "tree"
                               : mode == "120000" ? "symlink"
                               : mode == "160000" ? "gitlink"
                               : mode == "100755" ? "exec"
                                                  : "blob";
      EXPECT_EQ(e.type, type) << e.name;
      typesSeen.insert(e.type);
    }
  }
  EXPECT_EQ(typesSeen, (std::set<std::string>{"blob", "exec", "symlink", "gitlink", "tree"}));
}

TEST_F(ContentReadsTest, ReadTreeOfTheFirstCommitHasEveryEntryType) {
  const auto entries = reads().readTree(s().revParse(s().ids["c1"] + "^{tree}"));
  ASSERT_TRUE(entries);
  std::map<std::string, ContentTreeEntry> byName;
  for (const auto& e : *entries) byName[e.name] = e;
  EXPECT_EQ(byName["README.md"].mode, "100644");
  EXPECT_EQ(byName["README.md"].type, "blob");
  EXPECT_EQ(byName["run.sh"].mode, "100755");
  EXPECT_EQ(byName["run.sh"].type, "exec");
  EXPECT_EQ(byName["link"].mode, "120000");
  EXPECT_EQ(byName["link"].type, "symlink");
  EXPECT_EQ(byName["sub"].mode, "160000");
  EXPECT_EQ(byName["sub"].type, "gitlink");
  EXPECT_EQ(byName["sub"].hash, s().ids["gitlinkTarget"]);
  EXPECT_EQ(byName["dir"].mode, "40000");
  EXPECT_EQ(byName["dir"].type, "tree");
  EXPECT_EQ(byName["ünïcödé"].type, "tree");
  EXPECT_EQ(byName.count("deep.txt"), 0u) << "immediate children only";
  const auto unicodeDir = reads().readTree(byName["ünïcödé"].hash);
  ASSERT_TRUE(unicodeDir);
  ASSERT_EQ(unicodeDir->size(), 1u);
  EXPECT_EQ((*unicodeDir)[0].name, "文件 с пробелом.txt");
}

TEST_F(ContentReadsTest, ReadTreeIsNullWhenMissingAndCorruptForOtherTypes) {
  auto r = reads();
  EXPECT_FALSE(r.readTree(std::string(40, 'f')));
  for (const std::string& what : {s().ids["c1"], s().revParse("v1"), s().revParse(s().ids["c1"] + ":README.md")}) {
    expectError([&] { r.readTree(what); }, ErrorCode::InternalError, "A stored git object is corrupt.");
  }
}

// ---- readCommit

TEST_F(ContentReadsTest, ReadCommitMatchesGitForEveryCommit) {
  auto r = reads();
  const auto commits = objectsByType()["commit"];
  ASSERT_GE(commits.size(), 8u);
  for (const auto& id : commits) {
    const auto c = r.readCommit(id);
    ASSERT_TRUE(c) << id;
    const auto f = split(git("log -1 --format=%T%x00%an%x00%ae%x00%cn%x00%ce%x00%at%x00%ct%x00%P " + id), '\0');
    ASSERT_EQ(f.size(), 8u) << id;
    EXPECT_EQ(c->hash, id);
    EXPECT_EQ(c->treeHash, f[0]);
    EXPECT_EQ(c->author.name, f[1]);
    EXPECT_EQ(c->author.email, f[2]);
    EXPECT_EQ(c->committer.name, f[3]);
    EXPECT_EQ(c->committer.email, f[4]);
    EXPECT_EQ(c->authoredAt, std::stoll(f[5]));
    EXPECT_EQ(c->committedAt, std::stoll(f[6]));
    std::vector<std::string> parents;
    for (const auto& p : split(trim(f[7]), ' ')) {
      if (!p.empty()) parents.push_back(p);
    }
    EXPECT_EQ(c->parents, parents) << id;
    // The message: everything after the first blank line, one "\n" removed.
    const std::string raw = git("cat-file commit " + id);
    std::string message = raw.substr(raw.find("\n\n") + 2);
    if (!message.empty() && message.back() == '\n') message.pop_back();
    EXPECT_EQ(c->message, message) << id;
  }
}

TEST_F(ContentReadsTest, CommitMessagesLoseExactlyOneTrailingNewline) {
  auto r = reads();
  EXPECT_EQ(r.readCommit(s().ids["c1"])->message, "first commit\n\nwith a body");
  EXPECT_EQ(r.readCommit(s().ids["c2"])->message, "second: ünïcode ✓");
  EXPECT_EQ(r.readCommit(s().ids["twoNewlines"])->message, "keeps one newline\n");
  EXPECT_EQ(r.readCommit(s().ids["noNewline"])->message, "no trailing newline");
  const auto longOne = r.readCommit(s().ids["long"]);
  EXPECT_GE(longOne->message.size(), 20008u) << "not truncated";
  EXPECT_NE(longOne->message.back(), '\n');
}

TEST_F(ContentReadsTest, ReadCommitDecodesIdentitiesTimesAndParents) {
  const auto c2 = reads().readCommit(s().ids["c2"]);
  ASSERT_TRUE(c2);
  EXPECT_EQ(c2->author.name, "Zoë Ünïcödé 佐藤");
  EXPECT_EQ(c2->author.email, "zoë@例え.jp");
  EXPECT_EQ(c2->committer.name, "Build Bot");
  EXPECT_EQ(c2->authoredAt, 1700000500) << "Unix seconds, timezone ignored";
  EXPECT_EQ(c2->committedAt, 1700000900);
  EXPECT_EQ(c2->parents, std::vector<std::string>{s().ids["c1"]});
  EXPECT_TRUE(reads().readCommit(s().ids["c1"])->parents.empty()) << "root commit";
  const auto merge = reads().readCommit(s().ids["merge"]);
  EXPECT_EQ(merge->parents, (std::vector<std::string>{s().ids["c2"], s().ids["s2"]})) << "git order";
}

TEST_F(ContentReadsTest, ReadCommitIsNullWhenMissingAndCorruptForOtherTypes) {
  auto r = reads();
  EXPECT_FALSE(r.readCommit(std::string(40, '1')));
  EXPECT_FALSE(r.readCommit(s().ids["gitlinkTarget"]));
  for (const std::string& what :
       {s().revParse(s().ids["c1"] + "^{tree}"), s().revParse(s().ids["c1"] + ":README.md"), s().revParse("v1")}) {
    expectError([&] { r.readCommit(what); }, ErrorCode::InternalError, "A stored git object is corrupt.");
  }
}

// ---- hashes

TEST_F(ContentReadsTest, MalformedHashesAreInvalidInputWithTheLiveMessage) {
  auto r = reads();
  const std::string good = s().ids["c1"];
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  for (const std::string& bad : {upper, good.substr(0, 39), good + "0", std::string(39, 'a') + "g",
                                 " " + good.substr(1), good.substr(0, 7), std::string("refs/heads/main")}) {
    expectError([&] { r.readBlob(bad); }, ErrorCode::InvalidInput, "Invalid hash: expected a 40-character SHA-1 hex hash.");
    expectError([&] { r.readTree(bad); }, ErrorCode::InvalidInput, "Invalid hash: expected a 40-character SHA-1 hex hash.");
    expectError([&] { r.readCommit(bad); }, ErrorCode::InvalidInput, "Invalid hash: expected a 40-character SHA-1 hex hash.");
  }
  expectError([&] { r.readBlob(""); }, ErrorCode::InvalidInput, "Invalid hash: hash required.");
  expectError([&] { r.readTree(""); }, ErrorCode::InvalidInput, "Invalid hash: hash required.");
  expectError([&] { r.readCommit(""); }, ErrorCode::InvalidInput, "Invalid hash: hash required.");
}

// ---- readFile

TEST_F(ContentReadsTest, ReadFileReturnsTheBytesGitHasAtEveryRefSpelling) {
  auto r = reads();
  const std::string head = git("cat-file blob main:README.md");
  const std::string first = git("cat-file blob " + s().ids["c1"] + ":README.md");
  const std::string second = git("cat-file blob " + s().ids["c2"] + ":README.md");
  ASSERT_NE(first, second);
  EXPECT_EQ(text(r.readFile("HEAD", "README.md")), head);
  EXPECT_EQ(text(r.readFile("main", "README.md")), head);
  EXPECT_EQ(text(r.readFile("refs/heads/main", "README.md")), head);
  EXPECT_EQ(text(r.readFile(s().ids["c1"], "README.md")), first);
  EXPECT_EQ(text(r.readFile("side", "README.md")), first);
  EXPECT_EQ(text(r.readFile("light", "README.md")), first) << "lightweight tag";
  EXPECT_EQ(text(r.readFile("v1", "README.md")), second) << "annotated tag, peeled";
  EXPECT_EQ(text(r.readFile("refs/tags/v1", "README.md")), second);
  EXPECT_EQ(text(r.readFile("v1-nested", "README.md")), second) << "tag of a tag";
  EXPECT_EQ(text(r.readFile(s().revParse("v1"), "README.md")), second) << "a tag object's id peels too";
  EXPECT_EQ(text(r.readFile("dup", "README.md")), first) << "refs/heads/<x> before refs/tags/<x>";
  EXPECT_EQ(text(r.readFile("refs/tags/dup", "README.md")), second);
}

TEST_F(ContentReadsTest, ReadFileIsNullForRefsThatDoNotResolveToACommit) {
  auto r = reads();
  for (const std::string& ref :
       {std::string("nope"), std::string("refs/heads/nope"), std::string("heads/main"), std::string("refs/notes/x"),
        std::string("refs/main"), std::string("tree-tag"), std::string("blob-tag"), std::string(40, '0'),
        s().revParse(s().ids["c1"] + "^{tree}"), s().revParse(s().ids["c1"] + ":README.md"),
        std::string("main..side"), std::string("main~1"), std::string("MAIN"), std::string("refs/heads/")}) {
    EXPECT_FALSE(r.readFile(ref, "README.md")) << ref;
  }
  std::string upper = s().ids["c1"];
  for (char& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_FALSE(r.readFile(upper, "README.md")) << "ids are lowercase; this is a (missing) short name";
}

TEST_F(ContentReadsTest, ReadFileNormalisesPaths) {
  auto r = reads();
  const std::string deep = "deep\n";
  for (const std::string& path : {"dir/sub/deep.txt", "/dir/sub/deep.txt", "./dir/sub/deep.txt", "dir//sub/./deep.txt",
                                  "dir/sub/deep.txt/", "dir/./sub//deep.txt/."}) {
    EXPECT_EQ(text(r.readFile(s().ids["c1"], path)), deep) << path;
  }
  for (const std::string& path : {"../README.md", "dir/../README.md", "dir/sub/..", "..", ".", "/", "//", "./."}) {
    EXPECT_FALSE(r.readFile("main", path)) << path;
  }
}

TEST_F(ContentReadsTest, ReadFileIsNullForDirectoriesSubmodulesAndMissingPaths) {
  auto r = reads();
  for (const std::string& path : {"dir", "dir/", "dir/sub", "ünïcödé", "sub", "sub/x", "missing", "dir/missing",
                                  "README.md/x", "link/x", "readme.md", "dir/sub/deep.txt/more"}) {
    EXPECT_FALSE(r.readFile("main", path)) << path;
  }
}

TEST_F(ContentReadsTest, ReadFileReadsSymlinksExecutablesAndUnicodePaths) {
  auto r = reads();
  const auto link = r.readFile("main", "link");
  EXPECT_EQ(text(link), "README.md") << "the link target, as git cat-file blob";
  EXPECT_EQ(link->type, "text/plain;charset=utf-8");
  EXPECT_EQ(text(r.readFile("main", "run.sh")), "#!/bin/sh\necho hi\n");
  const auto unicode = r.readFile("main", "ünïcödé/文件 с пробелом.txt");
  EXPECT_EQ(text(unicode), "unicode content: żółć ✓\n");
  EXPECT_EQ(unicode->type, "text/plain;charset=utf-8");
}

TEST_F(ContentReadsTest, ReadFileTypesByExtensionThenByContent) {
  auto r = reads();
  const std::map<std::string, std::string> expected = {
      {"image.png", "image/png"},
      {"photo.JPG", "image/jpeg"},
      {"a.jpeg", "image/jpeg"},
      {"anim.gif", "image/gif"},
      {"pic.webp", "image/webp"},
      {"favicon.ico", "image/x-icon"},
      {"doc.pdf", "application/pdf"},
      {".png", "image/png"},
      {"README.md", "text/plain;charset=utf-8"},
      {"noext", "text/plain;charset=utf-8"},
      {"empty.txt", "text/plain;charset=utf-8"},
      {"bin.dat", "application/octet-stream"},
      {"late-nul.txt", "text/plain;charset=utf-8"},  // the NUL is past the first 8192 bytes
  };
  for (const auto& [path, type] : expected) {
    const auto file = r.readFile("main", path);
    ASSERT_TRUE(file) << path;
    EXPECT_EQ(file->type, type) << path;
    EXPECT_EQ(text(file), git("cat-file blob main:" + quote(path))) << path;
  }
  EXPECT_EQ(text(r.readFile("main", "late-nul.txt")), s().bigText);
}

TEST_F(ContentReadsTest, ReadFileNeedsARefAndAPath) {
  auto r = reads();
  expectError([&] { r.readFile("", "README.md"); }, ErrorCode::InvalidInput, "Invalid ref: ref required.");
  expectError([&] { r.readFile("main", ""); }, ErrorCode::InvalidInput, "Invalid path: path required.");
  expectError([&] { r.readFile("", ""); }, ErrorCode::InvalidInput, "Invalid ref: ref required.");
}

// ---- log

TEST_F(ContentReadsTest, LogFollowsTheFirstParentChainLikeGit) {
  auto r = reads();
  auto revList = [&](const std::string& args) {
    std::vector<std::string> out;
    for (const auto& line : split(git("rev-list --first-parent " + args), '\n')) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  };
  auto hashes = [](const std::vector<CommitMetadata>& commits) {
    std::vector<std::string> out;
    for (const auto& c : commits) out.push_back(c.hash);
    return out;
  };
  const auto all = revList("main");
  ASSERT_EQ(all.size(), 6u) << "long, noNewline, twoNewlines, merge, c2, c1";
  EXPECT_EQ(all[3], s().ids["merge"]);
  EXPECT_EQ(all[4], s().ids["c2"]) << "the side branch is not on the first-parent chain";
  EXPECT_EQ(hashes(r.log({})), all) << "default ref HEAD";
  EXPECT_EQ(hashes(r.log({"HEAD"})), all);
  EXPECT_EQ(hashes(r.log({"main"})), all);
  EXPECT_EQ(hashes(r.log({"refs/heads/main"})), all);
  EXPECT_EQ(hashes(r.log({s().ids["long"]})), all);
  EXPECT_EQ(hashes(r.log({"side"})), revList("side"));
  EXPECT_EQ(hashes(r.log({"v1"})), revList("v1")) << "annotated tag peeled";
  EXPECT_EQ(hashes(r.log({"refs/tags/v1-nested"})), revList("v1"));
  EXPECT_EQ(hashes(r.log({"main", 2, 0})), revList("--max-count=2 main"));
  EXPECT_EQ(hashes(r.log({"main", 2, 3})), revList("--max-count=2 --skip=3 main"));
  EXPECT_EQ(hashes(r.log({"main", 50, 5})), revList("--skip=5 main"));
  EXPECT_TRUE(r.log({"main", 50, 6}).empty());
  EXPECT_TRUE(r.log({"main", 50, INT64_MAX}).empty());

  // Each entry is the same metadata readCommit gives.
  const auto entries = r.log({"main"});
  for (const auto& c : entries) {
    const auto direct = r.readCommit(c.hash);
    EXPECT_EQ(c.message, direct->message);
    EXPECT_EQ(c.parents, direct->parents);
    EXPECT_EQ(c.author.name, direct->author.name);
    EXPECT_EQ(c.committedAt, direct->committedAt);
  }
}

TEST_F(ContentReadsTest, LogIsEmptyForRefsThatDoNotResolve) {
  auto r = reads();
  for (const std::string& ref : {"nope", "", "refs/notes/x", "heads/main", "tree-tag", "blob-tag", "refs/remotes/x"}) {
    EXPECT_TRUE(r.log({ref}).empty()) << ref;
  }
  EXPECT_TRUE(r.log({std::string(40, 'a')}).empty());
  EXPECT_TRUE(r.log({s().revParse(s().ids["c1"] + "^{tree}")}).empty());
}

TEST_F(ContentReadsTest, LogLimitsAreCheckedAndCapped) {
  EXPECT_EQ(ContentReads::checkedLogOptions({"HEAD", 5000, 0}).limit, 1000);
  EXPECT_EQ(ContentReads::checkedLogOptions({"HEAD", 1000, 0}).limit, 1000);
  EXPECT_EQ(ContentReads::checkedLogOptions({"HEAD", 1, 0}).limit, 1);
  auto r = reads();
  expectError([&] { r.log({"main", 0, 0}); }, ErrorCode::InvalidInput);
  expectError([&] { r.log({"main", -5, 0}); }, ErrorCode::InvalidInput);
  expectError([&] { r.log({"main", 10, -1}); }, ErrorCode::InvalidInput);
  expectError([&] { r.log({"nope", 0, 0}); }, ErrorCode::InvalidInput);  // checked before resolving
}

TEST_F(ContentReadsTest, HeadOfAnUnbornBranchResolvesToNothing) {
  testing::ServerRepo empty;  // HEAD -> refs/heads/main, no refs
  ContentReads r(empty.ctx);
  EXPECT_TRUE(r.log({}).empty());
  EXPECT_FALSE(r.readFile("HEAD", "README.md"));
  EXPECT_FALSE(r.resolveCommit("HEAD"));
}

// ---- memory budget

TEST_F(ContentReadsTest, ObjectsAboveTheBudgetAreMemoryLimit) {
  ContentReads small(s().server.ctx, 9000);  // below late-nul.txt's 10000 bytes
  const std::string big = s().revParse("main:late-nul.txt");
  expectError([&] { small.readBlob(big); }, ErrorCode::MemoryLimit);
  expectError([&] { small.readFile("main", "late-nul.txt"); }, ErrorCode::MemoryLimit);
  EXPECT_TRUE(small.readFile(s().ids["c2"], "README.md")) << "smaller objects still read";
  ContentReads tiny(s().server.ctx, 100);
  expectError([&] { tiny.readTree(s().revParse("main^{tree}")); }, ErrorCode::MemoryLimit);
  expectError([&] { tiny.log({"main"}); }, ErrorCode::MemoryLimit);  // the long-message commit
}

// A 33 MB object in storage (more than a push accepts; e.g. a future import):
// every read refuses it with MEMORY_LIMIT instead of buffering it.
TEST(ContentReadsBudget, DefaultBudgetIs32MegabytesAndNeverCrashes) {
  testing::ServerRepo repo;
  const git::ObjectId blobId = *git::ObjectId::fromHex(std::string(40, 'b'));
  const git::ObjectId treeId = *git::ObjectId::fromHex(std::string(40, 'c'));
  const git::ObjectId commitId = *git::ObjectId::fromHex(std::string(40, 'd'));
  const git::ObjectId justFits = *git::ObjectId::fromHex(std::string(40, 'e'));
  Bytes tree;
  const std::string header = "100644 huge.bin";
  tree.insert(tree.end(), header.begin(), header.end());
  tree.push_back(0);
  tree.insert(tree.end(), blobId.bytes.begin(), blobId.bytes.end());
  const std::string commit = "tree " + treeId.hex() + "\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nhuge\n";
  WriteBatch b;
  repo.ctx.objects().stage(b, blobId, git::ObjectStore::wholeObject(git::ObjectType::Blob, Bytes((33u << 20), 'x')));
  repo.ctx.objects().stage(b, justFits, git::ObjectStore::wholeObject(git::ObjectType::Blob, Bytes(32u << 20, 'y')));
  repo.ctx.objects().stage(b, treeId, git::ObjectStore::wholeObject(git::ObjectType::Tree, tree));
  repo.ctx.objects().stage(b, commitId, git::ObjectStore::wholeObject(git::ObjectType::Commit, bytesOf(commit)));
  repo.store.commit(b);
  repo.setRef("refs/heads/main", commitId.hex());

  ContentReads r(repo.ctx);
  for (auto read : std::vector<std::function<void()>>{[&] { r.readBlob(blobId.hex()); },
                                                      [&] { r.readFile("main", "huge.bin"); }}) {
    try {
      read();
      ADD_FAILURE() << "read a 33 MB object";
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::MemoryLimit) << e.what();
    }
  }
  const auto fits = r.readBlob(justFits.hex());
  ASSERT_TRUE(fits) << "exactly 32 MB is within the budget";
  EXPECT_EQ(fits->bytes->size(), 32u << 20);
  ASSERT_EQ(r.log({}).size(), 1u);
  EXPECT_EQ(r.readTree(treeId.hex())->at(0).name, "huge.bin");
}

// ---- commits git cannot make with `git commit`, written byte for byte

// readCommit agrees with `git log` on commits written with
// `git hash-object --literally`: signatures and merge tags are skipped, the
// last author line counts, dates git shows none for are 0, NULs stay in the
// message; a commit without an author or committer is corrupt (libgit2 and
// fsck refuse it too).
TEST(ContentReadsOddCommits, ReadCommitAgreesWithGitLog) {
  testing::TempDir dir;
  const std::string src = dir.path + "/src";
  run("git init -q " + quote(src));
  const std::string g = testing::git(src);
  const std::string tree = trim(run(g + "mktree </dev/null"));
  const std::string people = "author Alice <alice@example.com> 1700000000 +0100\n"
                             "committer Bob <bob@example.com> 1700000500 -0130\n";
  struct Case {
    std::string label;
    std::string body;
    bool corrupt;
  };
  const std::vector<Case> cases = {
      {"gpgsig", "tree " + tree + "\n" + people +
                     "gpgsig -----BEGIN PGP SIGNATURE-----\n \n author Mallory <m@x> 1 +0000\n"
                     " -----END PGP SIGNATURE-----\n\nsigned\n", false},
      {"NUL in message", "tree " + tree + "\n" + people + "\nbefore" + std::string(1, '\0') + "after\n", false},
      {"two authors", "tree " + tree + "\nauthor First <f@x> 1 +0000\nauthor Last <l@x> 2 +0000\n"
                      "committer C <c@x> 3 +0000\n\nm\n", false},
      {"date without zone", "tree " + tree + "\nauthor A <a@x> 5\ncommitter C <c@x> 6 +0000\n\nm", false},
      {"spaces in identities", "tree " + tree + "\nauthor  Spaced  Name  <  e@x > 7 +0000\n"
                               "committer C <c@x> 8 +0000\n\nm\n", false},
      {"no blank line", "tree " + tree + "\n" + people, false},
      {"no author", "tree " + tree + "\ncommitter C <c@x> 3 +0000\n\nm\n", true},
      {"no committer", "tree " + tree + "\nauthor A <a@x> 3 +0000\n\nm\n", true},
      {"author without email", "tree " + tree + "\nauthor Nobody 3 +0000\ncommitter C <c@x> 3 +0000\n\nm\n", true},
  };
  testing::ServerRepo repo;
  WriteBatch b;
  std::vector<std::string> ids;
  for (const auto& c : cases) {
    const Bytes data = bytesOf(c.body);
    const auto id = git::hashObject(git::ObjectType::Commit, data.data(), data.size());
    repo.ctx.objects().stage(b, id, git::ObjectStore::wholeObject(git::ObjectType::Commit, data));
    testing::writeFile(dir.path + "/commit", data);
    EXPECT_EQ(trim(run(g + "hash-object --literally -w -t commit " + quote(dir.path + "/commit"))), id.hex());
    ids.push_back(id.hex());
  }
  repo.store.commit(b);
  ContentReads r(repo.ctx);
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].label);
    if (cases[i].corrupt) {
      try {
        r.readCommit(ids[i]);
        ADD_FAILURE() << "read a commit without identities";
      } catch (const ArtifactsError& e) {
        EXPECT_EQ(e.code(), ErrorCode::InternalError);
        EXPECT_EQ(std::string(e.what()), kCorruptObjectMessage);
      }
      continue;
    }
    const auto c = r.readCommit(ids[i]);
    ASSERT_TRUE(c);
    const auto f = split(run(g + "log -1 --format=%T%x00%an%x00%ae%x00%cn%x00%ce%x00%at%x00%ct%x00%P " + ids[i]), '\0');
    ASSERT_EQ(f.size(), 8u);
    EXPECT_EQ(c->treeHash, f[0]);
    EXPECT_EQ(c->author.name, f[1]);
    EXPECT_EQ(c->author.email, f[2]);
    EXPECT_EQ(c->committer.name, f[3]);
    EXPECT_EQ(c->committer.email, f[4]);
    EXPECT_EQ(c->authoredAt, f[5].empty() ? 0 : std::stoll(f[5]));
    EXPECT_EQ(c->committedAt, f[6].empty() ? 0 : std::stoll(f[6]));
    const std::string raw = run(g + "cat-file commit " + ids[i]);
    const size_t blank = raw.find("\n\n");
    std::string message = blank == std::string::npos ? "" : raw.substr(blank + 2);
    if (!message.empty() && message.back() == '\n') message.pop_back();
    EXPECT_EQ(c->message, message);
  }
  EXPECT_EQ(r.readCommit(ids[1])->message, std::string("before\0after", 12));
  EXPECT_EQ(r.readCommit(ids[2])->author.name, "Last");
  EXPECT_EQ(r.readCommit(ids[3])->authoredAt, 0) << "git shows no date without a zone";
}

// ---- MIME and path rules on their own

TEST(MimeType, ExtensionTableThenNulSniff) {
  const Bytes text = bytesOf("hello");
  const Bytes binary = bytesOf(std::string("a\0b", 3));
  EXPECT_EQ(fileMimeType("a.png", binary.data(), binary.size()), "image/png");
  EXPECT_EQ(fileMimeType("dir/A.PnG", text.data(), text.size()), "image/png");
  EXPECT_EQ(fileMimeType("x.jpg", text.data(), text.size()), "image/jpeg");
  EXPECT_EQ(fileMimeType("x.JPEG", text.data(), text.size()), "image/jpeg");
  EXPECT_EQ(fileMimeType("x.gif", text.data(), text.size()), "image/gif");
  EXPECT_EQ(fileMimeType("x.webp", text.data(), text.size()), "image/webp");
  EXPECT_EQ(fileMimeType("x.ico", text.data(), text.size()), "image/x-icon");
  EXPECT_EQ(fileMimeType("x.pdf", text.data(), text.size()), "application/pdf");
  EXPECT_EQ(fileMimeType("x.tar.png", text.data(), text.size()), "image/png");
  EXPECT_EQ(fileMimeType("x.png.txt", binary.data(), binary.size()), "application/octet-stream");
  EXPECT_EQ(fileMimeType("x.png.txt", text.data(), text.size()), "text/plain;charset=utf-8");
  EXPECT_EQ(fileMimeType("dir.png/file", text.data(), text.size()), "text/plain;charset=utf-8");
  EXPECT_EQ(fileMimeType("x.", text.data(), text.size()), "text/plain;charset=utf-8");
  EXPECT_EQ(fileMimeType("x.svg", text.data(), text.size()), "text/plain;charset=utf-8") << "not in the table";
  EXPECT_EQ(fileMimeType("empty", nullptr, 0), "text/plain;charset=utf-8");
  Bytes late(8192, 'a');
  late.push_back(0);
  EXPECT_EQ(fileMimeType("late", late.data(), late.size()), "text/plain;charset=utf-8");
  late[8191] = 0;
  EXPECT_EQ(fileMimeType("late", late.data(), late.size()), "application/octet-stream");
}

TEST(ContentReadsRules, PathNormalisation) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ContentReads::normalizePath("a/b"), V({"a", "b"}));
  EXPECT_EQ(ContentReads::normalizePath("/a//./b/"), V({"a", "b"}));
  EXPECT_EQ(ContentReads::normalizePath("./a"), V({"a"}));
  EXPECT_EQ(ContentReads::normalizePath("a/.../b"), V({"a", "...", "b"})) << "only exactly '..' is special";
  EXPECT_EQ(ContentReads::normalizePath("..a/b.."), V({"..a", "b.."}));
  EXPECT_FALSE(ContentReads::normalizePath("a/../b"));
  EXPECT_FALSE(ContentReads::normalizePath(".."));
  EXPECT_FALSE(ContentReads::normalizePath("./"));
  EXPECT_FALSE(ContentReads::normalizePath("/"));
  EXPECT_FALSE(ContentReads::normalizePath(""));
}

// ---- through the JSON calling convention (what the binding calls)

struct ContentJsonApiTest : ContentReadsTest {
  testing::TestNamespace ns;
  JsonApi api{ns.service};
  std::string id;

  void SetUp() override {
    id = json::parse(api.call("create", R"(["repo"])"))["id"];
    // Copy the source repo's objects and refs into this repo's storage.
    // Raw rows (chunk rows included) go below the service's ChunkedStore.
    KvStore& store = ns.repos.openRepo(id);
    for (const auto& [key, value] : s().server.raw.contents()) {
      if (key.rfind("h/", 0) == 0) continue;  // keep this repo's own HEAD
      WriteBatch b;
      b.put(key, value);
      store.commit(b);
    }
  }
  json call(const std::string& method, const json& rest) {
    json args = json::array({"repo", id});
    for (const auto& a : rest) args.push_back(a);
    return json::parse(api.call(method, args.dump()));
  }
  std::optional<ContentBlob> bytes(const std::string& method, const json& rest) {
    json args = json::array({"repo", id});
    for (const auto& a : rest) args.push_back(a);
    return api.readBytes(method, args.dump());
  }
  void expectRejected(const std::string& method, const json& rest, const char* code, const std::string& message = "",
                      const std::string& handleId = "") {
    json args = json::array({"repo", handleId.empty() ? id : handleId});
    for (const auto& a : rest) args.push_back(a);
    const auto before = ns.snapshot();
    try {
      if (method == "readBlob" || method == "readFile") api.readBytes(method, args.dump());
      else api.call(method, args.dump());
      ADD_FAILURE() << method << " " << args.dump() << " was accepted";
    } catch (const ArtifactsError& e) {
      EXPECT_STREQ(errorCodeName(e.code()), code) << method << " " << args.dump() << ": " << e.what();
      if (!message.empty()) EXPECT_EQ(std::string(e.what()), message) << method << " " << args.dump();
    }
    EXPECT_EQ(ns.snapshot(), before) << method << " changed storage";
  }
};

TEST_F(ContentJsonApiTest, ShapesOfEveryRead) {
  const json tree = call("readTree", {s().revParse(s().ids["c1"] + "^{tree}")});
  ASSERT_TRUE(tree.is_array());
  for (const auto& e : tree) {
    EXPECT_EQ(e.size(), 4u);
    for (const char* key : {"name", "mode", "hash", "type"}) EXPECT_TRUE(e[key].is_string()) << key;
  }
  const json commit = call("readCommit", {s().ids["merge"]});
  EXPECT_EQ(commit.size(), 8u) << commit.dump();
  EXPECT_EQ(commit["hash"], s().ids["merge"]);
  EXPECT_TRUE(commit["authoredAt"].is_number_integer());
  EXPECT_TRUE(commit["committedAt"].is_number_integer());
  EXPECT_EQ(commit["author"].size(), 2u);
  EXPECT_EQ(commit["committer"].size(), 2u);
  EXPECT_EQ(commit["parents"].size(), 2u);
  EXPECT_TRUE(call("readTree", {std::string(40, '0')}).is_null());
  EXPECT_TRUE(call("readCommit", {std::string(40, '0')}).is_null());

  const json log = call("log", {json::object()});
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0]["hash"], s().ids["long"]);
  EXPECT_EQ(call("log", json::array()).size(), 6u) << "no options";
  EXPECT_EQ(call("log", {nullptr}).size(), 6u);
  EXPECT_EQ(call("log", {{{"ref", "v1"}}}).size(), 2u);
  EXPECT_EQ(call("log", {{{"limit", 2}, {"offset", 1}}})[0]["hash"], s().ids["noNewline"]);
  EXPECT_EQ(call("log", {{{"limit", 5000}}}).size(), 6u) << "capped, not rejected";
  EXPECT_EQ(call("log", {{{"limit", 1e300}}}).size(), 6u) << "a huge integral number is capped too";
  EXPECT_EQ(call("log", {{{"limit", 2.0}}}).size(), 2u);
  EXPECT_EQ(call("log", {{{"ref", "nope"}}}), json::array());

  const auto blob = bytes("readBlob", {s().revParse("main:bin.dat")});
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->type, "");
  EXPECT_EQ(blob->bytes->size(), 16u);
  EXPECT_FALSE(bytes("readBlob", {s().ids["c1"]}));
  const auto file = bytes("readFile", {{{"ref", "main"}, {"path", "bin.dat"}}});
  ASSERT_TRUE(file);
  EXPECT_EQ(file->type, "application/octet-stream");
  EXPECT_EQ(*file->bytes, *blob->bytes);
  EXPECT_FALSE(bytes("readFile", {{{"ref", "main"}, {"path", "dir"}}}));
}

TEST_F(ContentJsonApiTest, EveryBadInputHasItsCodeAndChangesNothing) {
  const std::string malformed = "Invalid hash: expected a 40-character SHA-1 hex hash.";
  for (const char* method : {"readBlob", "readTree", "readCommit"}) {
    expectRejected(method, {""}, "INVALID_INPUT", "Invalid hash: hash required.");
    expectRejected(method, json::array(), "INVALID_INPUT", "Invalid hash: hash required.");
    expectRejected(method, {nullptr}, "INVALID_INPUT", "Invalid hash: hash required.");
    expectRejected(method, {"abc"}, "INVALID_INPUT", malformed);
    expectRejected(method, {std::string(40, 'A')}, "INVALID_INPUT", malformed);
    expectRejected(method, {42}, "INVALID_INPUT", malformed);
    expectRejected(method, {{{"hash", s().ids["c1"]}}}, "INVALID_INPUT", malformed);
    // Input is checked before the handle: a bad hash on a stale handle is still INVALID_INPUT.
    expectRejected(method, {"abc"}, "INVALID_INPUT", malformed, "0000000000000000");
    expectRejected(method, {s().ids["c1"]}, "NOT_FOUND", "", "0000000000000000");
  }
  expectRejected("readTree", {s().ids["c1"]}, "INTERNAL_ERROR", "A stored git object is corrupt.");
  expectRejected("readCommit", {s().revParse("main^{tree}")}, "INTERNAL_ERROR", "A stored git object is corrupt.");

  expectRejected("readFile", {{{"ref", ""}, {"path", "README.md"}}}, "INVALID_INPUT", "Invalid ref: ref required.");
  expectRejected("readFile", {{{"path", "README.md"}}}, "INVALID_INPUT", "Invalid ref: ref required.");
  expectRejected("readFile", {{{"ref", "main"}, {"path", ""}}}, "INVALID_INPUT", "Invalid path: path required.");
  expectRejected("readFile", {{{"ref", "main"}}}, "INVALID_INPUT", "Invalid path: path required.");
  expectRejected("readFile", json::array(), "INVALID_INPUT", "Invalid ref: ref required.");
  expectRejected("readFile", {"main:README.md"}, "INVALID_INPUT");
  expectRejected("readFile", {{{"ref", 1}, {"path", "README.md"}}}, "INVALID_INPUT");
  expectRejected("readFile", {{{"ref", "main"}, {"path", json::array({"README.md"})}}}, "INVALID_INPUT");
  expectRejected("readFile", {{{"ref", "main"}, {"path", "README.md"}}}, "NOT_FOUND", "", "0000000000000000");

  expectRejected("log", {{{"limit", 0}}}, "INVALID_INPUT");
  expectRejected("log", {{{"limit", -1}}}, "INVALID_INPUT");
  expectRejected("log", {{{"limit", 1.5}}}, "INVALID_INPUT");
  expectRejected("log", {{{"limit", "10"}}}, "INVALID_INPUT");
  expectRejected("log", {{{"limit", {{"nonFiniteNumber", "Infinity"}}}}}, "INVALID_INPUT");
  expectRejected("log", {{{"offset", -1}}}, "INVALID_INPUT");
  expectRejected("log", {{{"offset", 0.5}}}, "INVALID_INPUT");
  expectRejected("log", {{{"ref", 5}}}, "INVALID_INPUT");
  expectRejected("log", {"main"}, "INVALID_INPUT");
  expectRejected("log", {{{"limit", 0}}}, "INVALID_INPUT", "", "0000000000000000");
  expectRejected("log", json::array(), "NOT_FOUND", "", "0000000000000000");

}

TEST_F(ContentJsonApiTest, HandlesOfADeletedRepoAnswerNotFound) {
  api.call("delete", R"(["repo"])");
  const std::string c1 = s().ids["c1"];
  expectRejected("readBlob", {c1}, "NOT_FOUND");
  expectRejected("readTree", {c1}, "NOT_FOUND");
  expectRejected("readCommit", {c1}, "NOT_FOUND");
  expectRejected("readFile", {{{"ref", "main"}, {"path", "README.md"}}}, "NOT_FOUND");
  expectRejected("log", json::array(), "NOT_FOUND");
}

TEST_F(ContentJsonApiTest, MethodsAnswerOnlyOnTheirOwnChannel) {
  json args = json::array({"repo", id, s().ids["c1"]});
  EXPECT_THROW(api.call("readBlob", args.dump()), ArtifactsError);
  EXPECT_THROW(api.readBytes("readCommit", args.dump()), ArtifactsError);
}

}  // namespace
}  // namespace oa
