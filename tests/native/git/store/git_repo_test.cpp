// GitRepo over a repo's object store: commits, trees and tags read through
// the parsers of git/format. Each accessor answers nullopt for a missing
// object or one of another type, and CorruptObjectError for an object stored
// as its type that does not parse; the walk reads commits git reads.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "git/format/sha1.h"
#include "git/store/git_repo.h"
#include "git/store/object_walk.h"
#include "git/store/repo_context.h"
#include "open_artifacts/errors.h"
#include "support/memory_kv_store.h"

namespace oa::git {
namespace {

struct Repo {
  MemoryKvStore kv;
  RepoContext ctx{kv};

  ObjectId put(ObjectType type, const std::string& content) {
    const Bytes data = stringToBytes(content);
    const ObjectId id = hashObject(type, data.data(), data.size());
    WriteBatch b;
    ctx.objects().stage(b, id, ObjectStore::wholeObject(type, data));
    kv.commit(b);
    return id;
  }
  GitRepo& git() { return ctx.git(); }
};

std::string rawId(const ObjectId& id) { return std::string(reinterpret_cast<const char*>(id.bytes.data()), 20); }
std::string entry(const std::string& mode, const std::string& name, const ObjectId& id) {
  return mode + " " + name + std::string(1, '\0') + rawId(id);
}

template <typename F>
bool throwsCorrupt(F&& f) {
  try {
    f();
  } catch (const CorruptObjectError& e) {
    EXPECT_EQ(static_cast<const ArtifactsError&>(e).code(), ErrorCode::InternalError);
    EXPECT_NE(std::string(e.what()).find("A stored git object is corrupt: "), std::string::npos) << e.what();
    return true;
  }
  return false;
}

class GitRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    blob = repo.put(ObjectType::Blob, "hello\n");
    subtree = repo.put(ObjectType::Tree, entry("100644", "inner.txt", blob));
    tree = repo.put(ObjectType::Tree, entry("100644", "a.txt", blob) + entry("100755", "run.sh", blob) +
                                          entry("120000", "link", blob) + entry("40000", "dir", subtree) +
                                          entry("160000", "sub", gitlink) + entry("100664", "odd", blob) +
                                          entry("100644", "ünï cödé.txt", blob));
    root = repo.put(ObjectType::Commit, "tree " + tree.hex() +
                                            "\nauthor Alice Example <alice@example.com> 1700000000 +0100\n"
                                            "committer Bob <bob@example.com> 1700000500 -0130\n\nroot\n");
    child = repo.put(ObjectType::Commit, "tree " + subtree.hex() + "\nparent " + root.hex() +
                                             "\nauthor Zoë 佐藤 <zoë@例え.jp> 1700001000 +0900\n"
                                             "committer Bob <bob@example.com> 1700002000 +0000\n"
                                             "encoding UTF-8\n"
                                             "gpgsig -----BEGIN PGP SIGNATURE-----\n \n author Mallory <m@x> 1 +0000\n"
                                             " -----END PGP SIGNATURE-----\n" +
                                             std::string("\nsubject\0with a NUL\n\n", 21));
    tag = repo.put(ObjectType::Tag, "object " + child.hex() + "\ntype commit\ntag v1\ntagger T <t@x> 1 +0000\n\nv1\n");
    tagOfTag = repo.put(ObjectType::Tag, "object " + tag.hex() + "\ntype tag\ntag v1-nested\n\nnested\n");
  }

  Repo repo;
  const ObjectId gitlink = *ObjectId::fromHex("1234567890abcdef1234567890abcdef12345678");
  const ObjectId missing = *ObjectId::fromHex(std::string(40, '9'));
  ObjectId blob, subtree, tree, root, child, tag, tagOfTag;
};

TEST_F(GitRepoTest, CommitsGiveWhatTheWalkNeeds) {
  auto c = repo.git().commit(child);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tree, subtree);
  EXPECT_EQ(c->parents, std::vector<ObjectId>{root});
  EXPECT_EQ(c->commitTime, 1700002000);
  EXPECT_TRUE(repo.git().commit(root)->parents.empty());
  EXPECT_FALSE(repo.git().commit(missing));
  EXPECT_FALSE(repo.git().commit(tree)) << "another type";
  EXPECT_FALSE(repo.git().commit(tag)) << "tags are not peeled";
}

TEST_F(GitRepoTest, CommitDetailsHaveEveryField) {
  auto d = repo.git().commitDetails(child);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->tree, subtree);
  EXPECT_EQ(d->parents, std::vector<ObjectId>{root});
  ASSERT_TRUE(d->author);
  EXPECT_EQ(d->author->name, "Zoë 佐藤");
  EXPECT_EQ(d->author->email, "zoë@例え.jp");
  EXPECT_EQ(d->author->time, 1700001000);
  EXPECT_EQ(d->author->offsetMinutes, 540);
  ASSERT_TRUE(d->committer);
  EXPECT_EQ(d->committer->name, "Bob") << "not the one inside the signature";
  EXPECT_EQ(d->committer->time, 1700002000);
  EXPECT_EQ(d->encoding, "UTF-8");
  EXPECT_EQ(d->message, std::string("subject\0with a NUL\n\n", 20)) << "exactly as stored";
  auto r = repo.git().commitDetails(root);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->committer->offsetMinutes, -90);
  EXPECT_EQ(r->encoding, "");
  EXPECT_FALSE(repo.git().commitDetails(missing));
  EXPECT_FALSE(repo.git().commitDetails(blob));
}

TEST_F(GitRepoTest, TreesListEveryEntryWithItsStoredMode) {
  auto t = repo.git().tree(tree);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 7u);
  std::vector<std::string> names;
  for (const auto& e : *t) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.txt", "run.sh", "link", "dir", "sub", "odd", "ünï cödé.txt"}));
  EXPECT_EQ((*t)[5].mode, 0100664u) << "as stored";
  EXPECT_FALSE((*t)[5].isTree());
  EXPECT_TRUE((*t)[3].isTree());
  EXPECT_EQ((*t)[3].id, subtree);
  EXPECT_TRUE((*t)[4].isGitlink());
  EXPECT_EQ((*t)[4].id, gitlink);
  EXPECT_FALSE(repo.git().tree(missing));
  EXPECT_FALSE(repo.git().tree(root));
  EXPECT_TRUE(repo.git().tree(repo.put(ObjectType::Tree, ""))->empty());
}

TEST_F(GitRepoTest, TagsAndPeeling) {
  auto t = repo.git().tag(tagOfTag);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->target, tag);
  EXPECT_EQ(t->targetType, ObjectType::Tag);
  EXPECT_EQ(repo.git().tag(tag)->targetType, ObjectType::Commit);
  EXPECT_FALSE(repo.git().tag(child));
  EXPECT_FALSE(repo.git().tag(missing));
  EXPECT_EQ(repo.git().peel(tagOfTag), child);
  EXPECT_EQ(repo.git().peel(child), child);
  EXPECT_EQ(repo.git().peel(blob), blob);
  EXPECT_FALSE(repo.git().peel(missing));
  const ObjectId dangling = repo.put(ObjectType::Tag, "object " + missing.hex() + "\ntype commit\ntag d\n\nd\n");
  EXPECT_FALSE(repo.git().peel(dangling));
}

TEST_F(GitRepoTest, ObjectsThatDoNotParseAsTheirTypeAreCorrupt) {
  const ObjectId noTree = repo.put(ObjectType::Commit, "author A <a@x> 1 +0000\n\nm\n");
  const ObjectId badParent = repo.put(ObjectType::Commit, "tree " + tree.hex() + "\nparent 42\n\nm\n");
  const ObjectId badTree = repo.put(ObjectType::Tree, "100644 name-without-id");
  const ObjectId badMode = repo.put(ObjectType::Tree, entry("10064x", "f", blob));
  const ObjectId badTag = repo.put(ObjectType::Tag, "object " + child.hex() + "\ntag no-type\n\nm\n");
  EXPECT_TRUE(throwsCorrupt([&] { repo.git().commit(noTree); }));
  EXPECT_TRUE(throwsCorrupt([&] { repo.git().commitDetails(badParent); }));
  EXPECT_TRUE(throwsCorrupt([&] { repo.git().tree(badTree); }));
  EXPECT_TRUE(throwsCorrupt([&] { repo.git().tree(badMode); }));
  EXPECT_TRUE(throwsCorrupt([&] { repo.git().tag(badTag); }));
  EXPECT_TRUE(throwsCorrupt([&] { repo.git().peel(badTag); }));
}

// Commits without identities are read as git reads them: the walk (clone,
// connectivity check) needs only their tree and parents. Through libgit2
// they failed the walk while ingest's links accepted them.
TEST_F(GitRepoTest, TheWalkReadsCommitsWithoutIdentities) {
  const ObjectId bare = repo.put(ObjectType::Commit, "tree " + tree.hex() + "\nparent " + child.hex() + "\n\nbare\n");
  auto info = repo.git().commit(bare);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->commitTime, 0);
  auto details = repo.git().commitDetails(bare);
  ASSERT_TRUE(details);
  EXPECT_FALSE(details->author);
  EXPECT_FALSE(details->committer);

  WalkRequest walk = repo.ctx.walkRequest();
  walk.wants = {bare};
  const auto result = walkObjects(repo.git(), walk);
  const std::set<ObjectId> sent(result.objects.begin(), result.objects.end());
  for (const auto& id : {bare, child, root, tree, subtree, blob}) EXPECT_TRUE(sent.count(id)) << id.hex();
  EXPECT_FALSE(sent.count(gitlink)) << "submodule commits are not walked";
  EXPECT_EQ(result.commitCount, 3u);

  const ObjectId corrupt = repo.put(ObjectType::Commit, "tree " + tree.hex() + "\nparent nope\n\nx\n");
  walk.wants = {corrupt};
  EXPECT_THROW(walkObjects(repo.git(), walk), ArtifactsError);
}

}  // namespace
}  // namespace oa::git
