// ForkVisibility (git/store/fork_visibility.h): a fork that borrows its
// parent's objects sees only what its own refs reach, and finding that out
// must cost the same for an object the parent stores but hides as for one
// never stored anywhere, or timing would confirm guesses of the parent's
// content. Timing is noisy, so the test counts storage reads instead: the
// code path for a hidden id must not depend on whether the parent stores it.
#include <gtest/gtest.h>

#include <string>

#include "artifacts/content_reads.h"
#include "git/format/sha1.h"
#include "git/store/fork_visibility.h"
#include "git/store/repo_context.h"
#include "base/storage_keys.h"
#include "support/memory_kv_store.h"

namespace oa::git {
namespace {

// Counts every read a store answers.
class CountingKvStore : public KvStore {
 public:
  std::optional<Bytes> get(const std::string& key) override {
    ++reads;
    return inner.get(key);
  }
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override {
    ++reads;
    return inner.scan(prefix, after, limit);
  }
  void commit(const WriteBatch& batch) override { inner.commit(batch); }

  MemoryKvStore inner;
  size_t reads = 0;
};

std::string rawId(const ObjectId& id) { return std::string(reinterpret_cast<const char*>(id.bytes.data()), 20); }
std::string fileEntry(const std::string& name, const ObjectId& id) {
  return "100644 " + name + std::string(1, '\0') + rawId(id);
}

ObjectId put(KvStore& kv, ObjectType type, const std::string& content) {
  const Bytes data = stringToBytes(content);
  const ObjectId id = hashObject(type, data.data(), data.size());
  ObjectStore objects(kv);
  WriteBatch b;
  objects.stage(b, id, ObjectStore::wholeObject(type, data));
  kv.commit(b);
  return id;
}

ObjectId commitOf(KvStore& kv, const ObjectId& tree, const std::string& parent, const std::string& message) {
  std::string text = "tree " + tree.hex() + "\n";
  if (!parent.empty()) text += "parent " + parent + "\n";
  text += "author A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\n" + message + "\n";
  return put(kv, ObjectType::Commit, text);
}

void setRef(KvStore& kv, const std::string& name, const ObjectId& id) {
  WriteBatch b;
  RefStore(kv).stage(b, name, id);
  kv.commit(b);
}

// The parent has c1 (public.txt) then, after the fork, c2 adding secret.txt;
// the fork's only ref is main at c1 and it stores no object of its own.
struct Forked {
  CountingKvStore parent, fork;
  ObjectId publicBlob, c1, secretBlob, secretTree, c2;

  Forked() {
    publicBlob = put(parent, ObjectType::Blob, "public\n");
    const ObjectId t1 = put(parent, ObjectType::Tree, fileEntry("public.txt", publicBlob));
    c1 = commitOf(parent, t1, "", "c1");
    secretBlob = put(parent, ObjectType::Blob, "password=hunter2\n");
    secretTree = put(parent, ObjectType::Tree, fileEntry("public.txt", publicBlob) + fileEntry("secret.txt", secretBlob));
    c2 = commitOf(parent, secretTree, c1.hex(), "c2");
    setRef(parent, "refs/heads/main", c2);
    setRef(fork, "refs/heads/main", c1);
  }

  // Storage reads (fork's rows and parent's) of one fresh request asking about `id`.
  template <typename F>
  size_t readsFor(F&& ask) {
    RepoContext repo(fork, {&parent});
    parent.reads = fork.reads = 0;
    ask(repo);
    return parent.reads + fork.reads;
  }
  size_t visibilityReads(const ObjectId& id, bool expect) {
    return readsFor([&](RepoContext& repo) {
      ForkVisibility v(repo);
      EXPECT_EQ(v.visible(id), expect) << id.hex();
    });
  }
  void forgetWalkCache() {
    WriteBatch b;
    b.remove(keys::kWalkCacheKey);
    fork.commit(b);
  }
};

const ObjectId kNeverStored = *ObjectId::fromHex("4444444444444444444444444444444444444444");

TEST(ForkVisibility, SeesWhatItsRefsReachOnly) {
  Forked f;
  RepoContext repo(f.fork, {&f.parent});
  ForkVisibility v(repo);
  EXPECT_TRUE(v.visible(f.c1));
  EXPECT_TRUE(v.visible(f.publicBlob));
  EXPECT_FALSE(v.visible(f.c2));
  EXPECT_FALSE(v.visible(f.secretTree));
  EXPECT_FALSE(v.visible(f.secretBlob));
  EXPECT_FALSE(v.visible(kNeverStored));
}

TEST(ForkVisibility, AHiddenIdCostsTheStorageReadsOfANeverStoredOne) {
  for (bool cached : {false, true}) {
    Forked f;
    if (cached) f.visibilityReads(f.publicBlob, true);  // leaves the walk cache behind
    auto reads = [&](const ObjectId& id) {
      if (!cached) f.forgetWalkCache();
      return f.visibilityReads(id, false);
    };
    const size_t missing = reads(kNeverStored);
    EXPECT_GT(missing, 0u);
    EXPECT_EQ(reads(f.secretBlob), missing) << "cached walk: " << cached;
    EXPECT_EQ(reads(f.secretTree), missing) << "cached walk: " << cached;
    EXPECT_EQ(reads(f.c2), missing) << "cached walk: " << cached;
  }
}

TEST(ForkVisibility, ALaterRequestReadsTheCachedWalkInsteadOfWalking) {
  Forked f;
  const size_t first = f.visibilityReads(kNeverStored, false);
  const size_t later = f.visibilityReads(kNeverStored, false);
  EXPECT_LT(later, first);
  EXPECT_EQ(f.readsFor([&](RepoContext& repo) { ForkVisibility(repo).visible(kNeverStored); }), later);
  EXPECT_EQ(f.parent.reads, 0u);  // the fork's own rows answered
}

// Content reads of a raw sha on a fork: a hidden object reads as missing, and
// no read of it happens first (its size check would tell it apart).
TEST(ForkVisibility, ContentReadsByShaTreatHiddenObjectsAsMissing) {
  Forked f;
  RepoContext repo(f.fork, {&f.parent});
  ContentReads reads(repo);
  EXPECT_FALSE(reads.readBlob(f.secretBlob));
  EXPECT_FALSE(reads.readTree(f.secretTree));
  EXPECT_FALSE(reads.readCommit(f.c2));
  EXPECT_FALSE(reads.readFile(f.c2.hex(), "secret.txt"));
  EXPECT_TRUE(reads.log({f.c2.hex(), 10, 0}).empty());
  EXPECT_TRUE(reads.readBlob(f.publicBlob));
  EXPECT_TRUE(reads.readCommit(f.c1));
  ASSERT_TRUE(reads.readFile(f.c1.hex(), "public.txt"));
  EXPECT_EQ(reads.log({"main", 10, 0}).size(), 1u);

  for (const auto& read : {+[](ContentReads& r, const ObjectId& id) { (void)r.readBlob(id); },
                           +[](ContentReads& r, const ObjectId& id) { (void)r.readCommit(id); },
                           +[](ContentReads& r, const ObjectId& id) { (void)r.readFile(id.hex(), "secret.txt"); }}) {
    auto cost = [&](const ObjectId& id) {
      f.forgetWalkCache();
      return f.readsFor([&](RepoContext& r) {
        ContentReads c(r);
        read(c, id);
      });
    };
    EXPECT_EQ(cost(f.secretBlob), cost(kNeverStored));
    EXPECT_EQ(cost(f.c2), cost(kNeverStored));
  }
}

}  // namespace
}  // namespace oa::git
