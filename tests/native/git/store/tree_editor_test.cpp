// editTree() against git as the oracle: a base tree made with git is ingested
// into a server-side store, the same change is made with the editor and with
// `git read-tree` + `git update-index` + `git write-tree` in a scratch index,
// and the root tree ids must be equal (so every tree on the way is
// byte-identical, in git's canonical order). Refused edits name their edit's
// pointer and write nothing; only the trees along the edited paths are read.
#include <gtest/gtest.h>

#include <set>

#include "git/format/sha1.h"
#include "git/store/object_writer.h"
#include "git/store/repo_context.h"
#include "git/store/tree_editor.h"
#include "open_artifacts/errors.h"
#include "support/git_fixture.h"

namespace oa::git {
namespace {

using testing::run;

// Reads of object records, for the "only the edited paths" check.
class RecordingStore : public KvStore {
 public:
  explicit RecordingStore(KvStore& inner) : inner_(inner) {}
  std::optional<Bytes> get(const std::string& key) override {
    reads.insert(key);
    return inner_.get(key);
  }
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override {
    return inner_.scan(prefix, after, limit);
  }
  void commit(const WriteBatch& batch) override { inner_.commit(batch); }
  std::set<std::string> reads;

 private:
  KvStore& inner_;
};

// A file of a base tree: mode ("100644", "100755", "120000", "160000"), path, content (a gitlink's: its id).
struct BaseFile {
  std::string mode, path, content;
};

// One edit, and what git's index gets for it.
struct Edit {
  std::string path;
  std::optional<std::string> content;  // nullopt: remove
  std::optional<uint32_t> mode;        // what the editor is told
  std::string gitMode = "100644";      // what update-index is told for a put
};

class TreeEditorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = dir_.path + "/src";
    run("git init -q " + src_);
  }

  std::string g() const { return testing::git(src_); }
  std::string trim(std::string s) const {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  std::string blob(const std::string& content) {
    const std::string file = dir_.path + "/content";
    testing::writeFile(file, stringToBytes(content));
    return trim(run(g() + "hash-object -w " + file));
  }
  std::string index() const { return "GIT_INDEX_FILE=" + dir_.path + "/index "; }

  // The tree of `files`, written by git and ingested into the server's store.
  std::string baseTree(const std::vector<BaseFile>& files) {
    run("rm -f " + dir_.path + "/index");
    for (const auto& f : files) {
      const std::string id = f.mode == "160000" ? f.content : blob(f.content);
      run(index() + g() + "update-index --add --cacheinfo " + f.mode + "," + id + ",'" + f.path + "'");
    }
    const std::string tree = trim(run(index() + g() + "write-tree"));
    run(g() + "cat-file --batch-all-objects --batch-check='%(objectname)' | " + g() +
        "pack-objects -q --stdout > " + dir_.path + "/all.pack");
    server_.ingest(testing::readFile(dir_.path + "/all.pack"));
    return tree;
  }

  // git's tree for `edits` applied to `base`.
  std::string gitEdit(const std::string& base, const std::vector<Edit>& edits) {
    run(index() + g() + "read-tree " + base);
    for (const auto& e : edits) {
      if (e.content) {
        run(index() + g() + "update-index --add --cacheinfo " + e.gitMode + "," + blob(*e.content) + ",'" + e.path + "'");
      } else {
        run(index() + g() + "update-index --force-remove '" + e.path + "'");
      }
    }
    return trim(run(index() + g() + "write-tree"));
  }

  // The editor's tree for `edits` applied to `base`, committed to the server's store.
  ObjectId ourEdit(const std::optional<std::string>& base, const std::vector<Edit>& edits, KvStore* store = nullptr) {
    RepoContext ctx(store ? *store : server_.store);
    WriteBatch batch;
    ObjectWriter writer(ctx.objects(), batch, 1ull << 30);
    std::vector<TreeEdit> treeEdits;
    for (size_t i = 0; i < edits.size(); ++i) {
      TreeEdit t;
      t.path = edits[i].path;
      if (edits[i].content) t.blob = writer.write(ObjectType::Blob, stringToBytes(*edits[i].content));
      t.mode = edits[i].mode;
      t.pointer = "/files/" + std::to_string(i) + "/path";
      treeEdits.push_back(t);
    }
    const ObjectId tree = editTree(ctx.git(), writer, base ? ObjectId::fromHex(*base) : std::nullopt, treeEdits);
    writer.finish();
    ctx.store().commit(batch);
    return tree;
  }

  void expectLikeGit(const std::vector<BaseFile>& files, const std::vector<Edit>& edits) {
    const std::string base = baseTree(files);
    const std::string expected = gitEdit(base, edits);
    EXPECT_EQ(ourEdit(base, edits).hex(), expected) << run(g() + "ls-tree -r -t " + expected);
    // Every tree of the result is stored, as git wrote it.
    for (const auto& line : testing::lines(run(g() + "ls-tree -r -t " + expected + " | grep ' tree '"))) {
      EXPECT_TRUE(server_.ctx.objects().exists(*ObjectId::fromHex(line.substr(12, 40)))) << line;
    }
  }

  void expectRefused(const std::vector<BaseFile>& files, const std::vector<Edit>& edits, const std::string& pointer,
                     const std::string& message) {
    const std::string base = baseTree(files);
    const auto before = server_.raw.contents();
    try {
      ourEdit(base, edits);
      ADD_FAILURE() << "no error, expected: " << message;
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
      EXPECT_EQ(e.pointer(), pointer);
      EXPECT_EQ(std::string(e.what()), message);
    }
    EXPECT_EQ(server_.raw.contents(), before) << "a refused edit stores nothing";
  }

  testing::TempDir dir_;
  std::string src_;
  testing::ServerRepo server_;
};

const std::vector<BaseFile> kBase = {
    {"100644", "README.md", "# readme\n"},
    {"100755", "run.sh", "#!/bin/sh\n"},
    {"120000", "link", "README.md"},
    {"160000", "sub", "1234567890abcdef1234567890abcdef12345678"},
    {"100644", "dir/keep.txt", "keep\n"},
    {"100644", "dir/sub/only.txt", "only\n"},
    {"100644", "solo/deep/f", "f\n"},
    {"100644", "a.txt", "a\n"},
};

TEST_F(TreeEditorTest, NewFilesInNewAndExistingDirectories) {
  expectLikeGit(kBase, {{"x/y/z.txt", "z\n"}, {"x/y/w.txt", "w\n"}, {"dir/new.txt", "new\n"}, {"top.txt", "top\n"}});
}

TEST_F(TreeEditorTest, ReplacesContentKeepingOrSettingTheMode) {
  expectLikeGit(kBase, {{"run.sh", "#!/bin/sh\necho changed\n", std::nullopt, "100755"},        // kept executable
                        {"README.md", "# now executable\n", 0100755, "100755"},                // made executable
                        {"dir/keep.txt", "still plain\n", std::nullopt, "100644"},
                        {"link", "a file now\n", std::nullopt, "100644"},                      // a symlink replaced
                        {"sub", "a file now\n", std::nullopt, "100644"}});                     // a submodule replaced
  expectLikeGit(kBase, {{"run.sh", "#!/bin/sh\n", 0100644, "100644"}});                        // made plain
}

TEST_F(TreeEditorTest, DeletingTheLastFileOfADirectoryRemovesIt) {
  expectLikeGit(kBase, {{"dir/sub/only.txt", std::nullopt}});  // dir/ stays (keep.txt), dir/sub/ goes
  expectLikeGit(kBase, {{"solo/deep/f", std::nullopt}});       // solo/deep/ and solo/ go
  expectLikeGit(kBase, {{"solo/deep/f", std::nullopt}, {"solo/deep/g", "g\n"}});
}

TEST_F(TreeEditorTest, DeletingEverythingLeavesTheEmptyTree) {
  std::vector<Edit> all;
  for (const auto& f : kBase) all.push_back({f.path, std::nullopt});
  const std::string base = baseTree(kBase);
  EXPECT_EQ(ourEdit(base, all).hex(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  EXPECT_EQ(gitEdit(base, all), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
}

TEST_F(TreeEditorTest, EntriesAreInGitsCanonicalOrder) {
  // "a" becomes a directory next to "a.txt", "a-b", "a0" and "a_": only git's
  // directory-as-"a/" comparison puts it between them correctly.
  expectLikeGit({{"100644", "a.txt", "1"}, {"100644", "a0", "2"}},
                {{"a/inner", "3"}, {"a-b", "4"}, {"a_", "5"}, {"A", "6"}, {"ü", "7"}});
}

TEST_F(TreeEditorTest, StartsFromNothing) {
  const ObjectId ours = ourEdit(std::nullopt, {{"b/c", "c\n"}, {"a", "a\n"}});
  run("rm -f " + dir_.path + "/index");
  EXPECT_EQ(ours.hex(), gitEdit("4b825dc642cb6eb9a060e54bf8d69288fbee4904", {{"b/c", "c\n"}, {"a", "a\n"}}));
}

TEST_F(TreeEditorTest, RefusesWhatTheTreeDoesNotAllowAndWritesNothing) {
  expectRefused(kBase, {{"new.txt", "x"}, {"README.md/x", "x"}}, "/files/1/path", "'README.md' is a file");
  expectRefused(kBase, {{"sub/inside", "x"}}, "/files/0/path", "'sub' is a file");
  expectRefused(kBase, {{"dir", "x"}}, "/files/0/path", "'dir' is a directory");
  expectRefused(kBase, {{"dir", std::nullopt}}, "/files/0/path", "'dir' is a directory");
  expectRefused(kBase, {{"nope.txt", std::nullopt}}, "/files/0/path", "'nope.txt' does not exist");
  expectRefused(kBase, {{"dir/nope/x", std::nullopt}}, "/files/0/path", "'dir/nope/x' does not exist");
  expectRefused(kBase, {{"x", "1"}, {"x", "2"}}, "/files/1/path", "'x' is changed twice in this commit");
  expectRefused(kBase, {{"x", "1"}, {"x", std::nullopt}}, "/files/1/path", "'x' is changed twice in this commit");
  expectRefused(kBase, {{"p", "1"}, {"p/q", "2"}}, "/files/1/path", "'p' is both a file and a directory in this commit");
  expectRefused(kBase, {{"p/q/r", "1"}, {"p/q", std::nullopt}}, "/files/1/path",
                "'p/q' is both a file and a directory in this commit");
}

TEST_F(TreeEditorTest, ReadsOnlyTheTreesAlongTheEditedPaths) {
  // Many directories, one edited: the others' trees are never read.
  std::vector<BaseFile> files;
  for (int d = 0; d < 20; ++d) {
    for (int f = 0; f < 3; ++f) {
      files.push_back({"100644", "d" + std::to_string(d) + "/s/f" + std::to_string(f), std::to_string(d * 10 + f)});
    }
  }
  const std::string base = baseTree(files);
  std::set<std::string> stored;  // object keys before the edit
  for (const auto& [key, value] : server_.raw.contents()) stored.insert(key);
  const std::set<std::string> alongThePath = {
      "o/" + base,
      "o/" + trim(run(g() + "rev-parse " + base + ":d7")),
      "o/" + trim(run(g() + "rev-parse " + base + ":d7/s")),
  };
  RecordingStore recording(server_.store);
  const std::vector<Edit> edit = {{"d7/s/f1", "changed"}, {"d7/s/new", "new"}};
  EXPECT_EQ(ourEdit(base, edit, &recording).hex(), gitEdit(base, edit));
  std::set<std::string> readStored;
  for (const auto& key : recording.reads) {
    if (stored.count(key) && key.rfind("o/", 0) == 0) readStored.insert(key);
  }
  EXPECT_EQ(readStored, alongThePath);
}

}  // namespace
}  // namespace oa::git
