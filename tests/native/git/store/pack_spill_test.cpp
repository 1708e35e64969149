// A push's per-object state past its memory cap (issue 12): the index spills
// its oldest blocks to the repo's store (git/store/pack_object_index.h). With
// a tiny cap, packs of a few thousand objects spill most of theirs; what they
// store, take back and check must be what they do all in memory.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "base/storage_keys.h"
#include "git/format/pkt_line.h"
#include "git/format/sha1.h"
#include "git/protocol/receive_pack.h"
#include "git/store/pack_ingest.h"
#include "git/store/pack_object_index.h"
#include "git/store/ref_store.h"
#include "git/store/repo_context.h"
#include "support/git_fixture.h"
#include "support/memory_kv_store.h"
#include "support/pack_builder.h"

namespace oa::git {
namespace {

using oa::testing::copyingDelta;
using oa::testing::PackBuilder;

constexpr size_t kTinyCap = 12u << 10;  // 128 entries in memory, in 64-entry blocks
constexpr unsigned kTinyBlockBits = 6;

IngestLimits spilling(size_t cap = kTinyCap) {
  IngestLimits l;
  l.maxIndexBytes = cap;
  l.indexBlockBits = kTinyBlockBits;
  return l;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
ObjectId idOf(ObjectType type, const Bytes& data) { return hashObject(type, data.data(), data.size()); }

size_t spillRows(const MemoryKvStore& kv) {
  size_t n = 0;
  for (const auto& [key, value] : kv.contents()) n += key.compare(0, keys::kSpillPrefix.size(), keys::kSpillPrefix) == 0;
  return n;
}

std::map<std::string, Bytes> objectRows(const MemoryKvStore& kv) {
  std::map<std::string, Bytes> out;
  for (const auto& [key, value] : kv.contents()) {
    if (key.compare(0, keys::kObjectPrefix.size(), keys::kObjectPrefix) == 0) out.emplace(key, value);
  }
  return out;
}

void feed(PackIngest& in, const Bytes& pack) {
  for (size_t off = 0; off < pack.size(); off += 4096) {
    in.write(pack.data() + off, std::min<size_t>(4096, pack.size() - off));
    while (!in.resume()) {
    }
  }
}

// Blobs in families of versions: each version an OFS_DELTA on the one
// before, and every seventh family's versions REF_DELTAs naming their base by
// id. Late in the pack, deltas on bases far back (spilled): OFS_DELTA and
// REF_DELTA, and a second copy of an early object.
struct GeneratedPack {
  Bytes pack;
  std::vector<ObjectId> ids;
  size_t entries = 0;
};

GeneratedPack generatePack(int families, int versions, bool repeat = true) {
  PackBuilder b;
  GeneratedPack out;
  std::vector<size_t> firstOfFamily;
  std::vector<Bytes> firstData;
  for (int f = 0; f < families; ++f) {
    Bytes data = text("family " + std::to_string(f) + " " + std::string(200, char('a' + f % 26)) + "\n");
    size_t previous = b.whole(ObjectType::Blob, data);
    firstOfFamily.push_back(previous);
    firstData.push_back(data);
    out.ids.push_back(idOf(ObjectType::Blob, data));
    for (int v = 1; v < versions; ++v) {
      const std::string tail = "v" + std::to_string(v) + "\n";
      const Bytes delta = copyingDelta(data.size(), 1, tail);
      if (f % 7 == 3) previous = b.refDelta(idOf(ObjectType::Blob, data), delta);
      else previous = b.ofsDelta(previous, delta);
      data.insert(data.end(), tail.begin(), tail.end());
      out.ids.push_back(idOf(ObjectType::Blob, data));
    }
  }
  // Far back: bases in the first blocks, long spilled.
  for (int f = 0; f < families; f += 5) {
    const std::string tail = "far " + std::to_string(f);
    const Bytes delta = copyingDelta(firstData[f].size(), 1, tail);
    if (f % 2) b.refDelta(idOf(ObjectType::Blob, firstData[f]), delta);
    else b.ofsDelta(firstOfFamily[f], delta);
    Bytes data = firstData[f];
    data.insert(data.end(), tail.begin(), tail.end());
    out.ids.push_back(idOf(ObjectType::Blob, data));
  }
  if (repeat) {
    b.whole(ObjectType::Blob, firstData[0]);  // a second copy of the pack's first object
    b.whole(ObjectType::Blob, firstData[1]);
  }
  out.pack = b.build();
  out.entries = out.ids.size() + (repeat ? 2 : 0);
  return out;
}

// Remembers whether anything ever spilled (the ingest removes the rows at its end).
struct WatchedStore : MemoryKvStore {
  bool spilled = false;
  void commit(const WriteBatch& batch) override {
    for (const auto& op : batch.ops()) spilled |= op.key.compare(0, keys::kSpillPrefix.size(), keys::kSpillPrefix) == 0;
    MemoryKvStore::commit(batch);
  }
};

struct Repo {
  WatchedStore kv;
  RepoContext ctx{kv};
};

TEST(PackIngestSpill, APackSpilledToStorageStoresWhatItStoresInMemory) {
  const GeneratedPack gen = generatePack(120, 12);
  Repo inMemory, spilled;
  {
    PackIngest in(inMemory.kv, inMemory.ctx.objects());
    feed(in, gen.pack);
    in.finish();
  }
  size_t peakMemory = 0;
  {
    PackIngest in(spilled.kv, spilled.ctx.objects(), spilling());
    feed(in, gen.pack);
    EXPECT_GT(spillRows(spilled.kv), 10u) << "most of the pack spilled";
    in.finish();
    peakMemory = in.memoryBytes();
    for (const auto& id : gen.ids) EXPECT_TRUE(in.carried(id));
    EXPECT_FALSE(in.carried(idOf(ObjectType::Blob, text("not in the pack"))));
    EXPECT_TRUE(in.outsideLinks().empty());
  }
  EXPECT_LE(peakMemory, kTinyCap);
  EXPECT_EQ(spillRows(spilled.kv), 0u) << "the ingest's end removes what it spilled";
  EXPECT_EQ(objectRows(spilled.kv), objectRows(inMemory.kv));
  EXPECT_EQ(objectRows(spilled.kv).size(), gen.ids.size());
  EXPECT_EQ(spilled.ctx.objects().storedBytes(), inMemory.ctx.objects().storedBytes());
  for (const auto& id : gen.ids) ASSERT_TRUE(spilled.ctx.objects().read(id)) << id.hex();
}

TEST(PackIngestSpill, MemoryStaysUnderTheCapAsThePackGrowsTenfold) {
  size_t small = 0, large = 0;
  for (int families : {40, 400}) {
    const GeneratedPack gen = generatePack(families, 10, false);
    Repo r;
    PackIngest in(r.kv, r.ctx.objects(), spilling());
    size_t peak = 0;
    for (size_t off = 0; off < gen.pack.size(); off += 4096) {
      in.write(gen.pack.data() + off, std::min<size_t>(4096, gen.pack.size() - off));
      while (!in.resume()) {
      }
      peak = std::max(peak, in.memoryBytes());
    }
    in.finish();
    EXPECT_LE(peak, kTinyCap) << families;
    (families == 40 ? small : large) = peak;
  }
  EXPECT_LE(large, small + kTinyCap / 4) << "independent of the pack's size";
}

// Storage reads, counted.
struct CountingStore : MemoryKvStore {
  size_t reads = 0;
  std::optional<Bytes> get(const std::string& key) override {
    ++reads;
    return MemoryKvStore::get(key);
  }
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override {
    ++reads;
    return MemoryKvStore::scan(prefix, after, limit);
  }
};

// Not a storage read per object: lookups past memory are for the deltas on
// far bases (80 here, about 5 reads each: the block, the base's record and
// data) and a few scans per spilled block (finish(), the outside links'
// pruning, the drop: 64 blocks of 64 entries here, of 4,096 by default).
TEST(PackIngestSpill, SpillingAddsFewStorageReads) {
  const GeneratedPack gen = generatePack(400, 10, false);
  size_t reads[2] = {0, 0};
  for (const bool spill : {false, true}) {
    CountingStore kv;
    RepoContext ctx(kv);
    PackIngest in(kv, ctx.objects(), spill ? spilling() : IngestLimits{});
    feed(in, gen.pack);
    in.finish();
    reads[spill] = kv.reads;
  }
  EXPECT_LT(reads[1], reads[0] + gen.ids.size() / 4) << reads[0] << " " << reads[1] << " for " << gen.ids.size();
}

TEST(PackIngestSpill, AbandonTakesBackEverySpilledObjectAndEverySpillRow) {
  Repo r;
  // Objects stored before the push, some of them in the pack again.
  const GeneratedPack before = generatePack(6, 3, false);
  {
    PackIngest in(r.kv, r.ctx.objects());
    feed(in, before.pack);
    in.finish();
  }
  const auto rowsBefore = objectRows(r.kv);
  const uint64_t bytesBefore = r.ctx.objects().storedBytes();
  const GeneratedPack gen = generatePack(100, 10);
  {
    PackIngest in(r.kv, r.ctx.objects(), spilling());
    feed(in, gen.pack);
    in.finish();
    EXPECT_GT(spillRows(r.kv), 0u);
    EXPECT_GT(objectRows(r.kv).size(), rowsBefore.size() + 900);
    in.abandon();  // as a push that moved no ref
    EXPECT_EQ(spillRows(r.kv), 0u);
  }
  EXPECT_EQ(objectRows(r.kv), rowsBefore) << "only what was stored before stays";
  EXPECT_EQ(r.ctx.objects().storedBytes(), bytesBefore);
}

TEST(PackIngestSpill, ABrokenPackDroppedMidwayLeavesNoSpillRows) {
  Repo r;
  const GeneratedPack gen = generatePack(100, 10);
  {
    PackIngest in(r.kv, r.ctx.objects(), spilling());
    feed(in, Bytes(gen.pack.begin(), gen.pack.end() - 40));  // the client went away
    EXPECT_GT(spillRows(r.kv), 0u);
  }
  EXPECT_EQ(spillRows(r.kv), 0u);
  EXPECT_TRUE(objectRows(r.kv).empty());
}

TEST(PackObjectIndexSpill, OffsetsIdsAndOriginsAnswerAsInMemory) {
  MemoryKvStore kv;
  PackObjectIndex index(kv, 16u << 10, 5);
  auto id = [](uint32_t n) { return idOf(ObjectType::Blob, text("object " + std::to_string(n))); };
  constexpr uint32_t kCount = 5000;
  for (uint32_t i = 0; i < kCount; ++i) {
    if (index.full()) index.spillOldest();
    const auto origin = i % 3 == 0 ? PackObjectIndex::Origin::AlreadyStored : PackObjectIndex::Origin::Written;
    index.add(12 + uint64_t{i} * 37, id(i), i % 51, origin, ObjectType::Blob);
    if (i == 2000) {  // out of order: a REF_DELTA whose base came later
      if (index.full()) index.spillOldest();
      index.add(12 + uint64_t{i} * 37 + 5, id(kCount + 1), 0, PackObjectIndex::Origin::Written, ObjectType::Blob);
    }
  }
  ASSERT_TRUE(index.spilled());
  EXPECT_LE(index.memoryBytes(), 16u << 10);
  for (uint32_t i = 0; i < kCount; i += 3) {
    EXPECT_TRUE(index.contains(id(i))) << i;
    EXPECT_TRUE(index.maybeSpilled(id(i)) || index.containsInMemory(id(i))) << i;
    EXPECT_EQ(index.idAt(12 + uint64_t{i} * 37), id(i)) << i;
    EXPECT_FALSE(index.idAt(13 + uint64_t{i} * 37).has_value()) << i;
  }
  EXPECT_EQ(index.idAt(12 + uint64_t{2000} * 37 + 5), id(kCount + 1));
  EXPECT_FALSE(index.contains(id(kCount + 2)));
  size_t written = 0, stored = 0;
  index.forEach(PackObjectIndex::Origin::Written, [&](const ObjectId&) { ++written; });
  index.forEach(PackObjectIndex::Origin::AlreadyStored, [&](const ObjectId&) { ++stored; });
  EXPECT_EQ(stored, (kCount + 2) / 3);
  EXPECT_EQ(written + stored, kCount + 1);
  index.dropSpill();
  EXPECT_TRUE(kv.contents().empty());
}

// A lookup that reads a spilled block back is charged to the work budget (a
// crafted pack of small deltas on far, spilled bases would otherwise read a
// block per delta for free); the walks of cleaning up are not.
TEST(PackObjectIndexSpill, LookupsInSpilledBlocksAreChargedAndCleaningUpIsNot) {
  MemoryKvStore kv;
  PackObjectIndex index(kv, 16u << 10, 5);
  WorkBudget budget(WorkLimits{1u << 20, 0, 1u << 20});
  index.setWorkBudget(&budget);
  auto id = [](uint32_t n) { return idOf(ObjectType::Blob, text("object " + std::to_string(n))); };
  constexpr uint32_t kCount = 3000;
  for (uint32_t i = 0; i < kCount; ++i) {
    if (index.full()) index.spillOldest();
    index.add(12 + uint64_t{i} * 37, id(i), 0, PackObjectIndex::Origin::Written, ObjectType::Blob);
  }
  ASSERT_TRUE(index.spilled());
  const uint64_t block = (1u << 5) * 28;  // 32 entries of 28 bytes
  // Two far, spilled objects in different blocks, asked for in turn: a read each time.
  const uint64_t before = budget.used();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(index.idAt(12), id(0));
    EXPECT_EQ(index.idAt(12 + uint64_t{100} * 37), id(100));
  }
  EXPECT_EQ(budget.used() - before, 20 * block);
  // The same block again: loaded already, free.
  const uint64_t loaded = budget.used();
  EXPECT_EQ(index.idAt(12 + uint64_t{101} * 37), id(101));
  EXPECT_EQ(budget.used(), loaded);
  EXPECT_TRUE(index.contains(id(1)));  // found in the first block: one read
  EXPECT_EQ(budget.used(), loaded + block);
  // Past the allowance, a lookup fails with MEMORY_LIMIT.
  EXPECT_THROW(
      {
        for (int i = 0; i < 10000; ++i) index.idAt(12 + uint64_t(i % 2 ? 0 : 200) * 37);
      },
      ArtifactsError);
  // Walking every entry and dropping the spill still work on a spent budget.
  size_t written = 0;
  index.forEach(PackObjectIndex::Origin::Written, [&](const ObjectId&) { ++written; });
  EXPECT_EQ(written, kCount);
  index.dropSpill();
  EXPECT_TRUE(kv.contents().empty());
}

// ---- Through receive-pack: connectivity with a spilled index.

// A history of `commits` commits, each with a tree of `files` blobs (one new
// blob per commit): commits first, then trees, then blobs, as git orders a pack.
struct History {
  std::vector<std::pair<ObjectType, Bytes>> objects;  // in pack order
  ObjectId tip;
  Bytes pack(const std::set<ObjectId>& leaveOut = {}) const {
    PackBuilder b;
    for (const auto& [type, data] : objects) {
      if (!leaveOut.count(idOf(type, data))) b.whole(type, data);
    }
    return b.build();
  }
  std::set<ObjectId> ids() const {
    std::set<ObjectId> out;
    for (const auto& [type, data] : objects) out.insert(idOf(type, data));
    return out;
  }
};

History history(int commits, int files, const std::string& salt = "") {
  std::vector<Bytes> blobs, trees, commitData;
  std::vector<ObjectId> blobIds;
  for (int i = 0; i < files + commits; ++i) {
    blobs.push_back(text(salt + "blob " + std::to_string(i) + "\n"));
    blobIds.push_back(idOf(ObjectType::Blob, blobs.back()));
  }
  ObjectId parent;
  for (int c = 0; c < commits; ++c) {
    Bytes tree;
    for (int f = 0; f < files; ++f) {
      const std::string head = "100644 f" + std::to_string(1000 + f) + std::string(1, '\0');
      tree.insert(tree.end(), head.begin(), head.end());
      const ObjectId& blob = blobIds[f == 0 ? files + c : f];
      tree.insert(tree.end(), blob.bytes.begin(), blob.bytes.end());
    }
    trees.push_back(tree);
    std::string commit = "tree " + idOf(ObjectType::Tree, tree).hex() + "\n";
    if (c) commit += "parent " + parent.hex() + "\n";
    commit += "author A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\nc" + std::to_string(c) + "\n";
    commitData.push_back(text(commit));
    parent = idOf(ObjectType::Commit, commitData.back());
  }
  History h;
  h.tip = parent;
  for (int c = commits - 1; c >= 0; --c) h.objects.emplace_back(ObjectType::Commit, commitData[c]);
  for (int c = commits - 1; c >= 0; --c) h.objects.emplace_back(ObjectType::Tree, trees[c]);
  for (const auto& blob : blobs) h.objects.emplace_back(ObjectType::Blob, blob);
  return h;
}

std::vector<std::string> push(RepoContext& repo, const ObjectId& oldTip, const ObjectId& tip, const Bytes& pack,
                              const IngestLimits& limits) {
  std::string body;
  appendPkt(body, oldTip.hex() + " " + tip.hex() + " refs/heads/main" + std::string(1, '\0') + "report-status\n");
  appendFlush(body);
  Bytes request(body.begin(), body.end());
  request.insert(request.end(), pack.begin(), pack.end());
  ReceivePack receive(repo, limits);
  receive.write(request.data(), request.size());
  while (!receive.resume()) {
  }
  auto response = receive.finish();
  Bytes out;
  while (response->next(out)) {
  }
  return testing::demux(out, false).lines;
}

const std::vector<std::string> kAccepted{"unpack ok", "ok refs/heads/main"};
const std::vector<std::string> kRefused{"unpack ok", "ng refs/heads/main missing necessary objects"};

TEST(ReceivePackSpill, AConnectedPushIsAcceptedAndLeavesNoSpillRows) {
  Repo r;
  const History h = history(60, 12);
  EXPECT_EQ(push(r.ctx, ObjectId(), h.tip, h.pack(), spilling()), kAccepted);
  EXPECT_TRUE(r.kv.spilled);
  EXPECT_EQ(spillRows(r.kv), 0u);
  EXPECT_EQ(r.ctx.refs().get("refs/heads/main"), h.tip);
}

TEST(ReceivePackSpill, APushMissingALinkedObjectIsRefused) {
  const History h = history(60, 12);
  // An old file (linked from every tree), the first commit's new file, the last commit's.
  for (const int blob : {3, 12, 12 + 59}) {
    const size_t index = 2 * 60 + static_cast<size_t>(blob);
    const ObjectId missing = idOf(h.objects[index].first, h.objects[index].second);
    for (const size_t maxOutside : {size_t{1} << 17, size_t{8}}) {  // links tracked, or given up (the walk decides)
      Repo r;
      IngestLimits limits = spilling();
      limits.maxOutsideLinks = maxOutside;
      EXPECT_EQ(push(r.ctx, ObjectId(), h.tip, h.pack({missing}), limits), kRefused) << blob << " " << maxOutside;
      EXPECT_TRUE(r.kv.spilled);
      EXPECT_EQ(spillRows(r.kv), 0u);
      EXPECT_FALSE(r.ctx.refs().get("refs/heads/main"));
    }
  }
}

TEST(ReceivePackSpill, AThinPushOnStoredObjectsIsAcceptedAndALinkToAMissingOneIsNot) {
  const History first = history(10, 12);
  const History longer = history(70, 12);  // the same first ten commits, sixty more
  for (const bool dropNew : {false, true}) {
    Repo r;
    ASSERT_EQ(push(r.ctx, ObjectId(), first.tip, first.pack(), {}), kAccepted);
    std::set<ObjectId> leaveOut = first.ids();  // stored: a thin pack leaves them out
    if (dropNew) leaveOut.insert(idOf(longer.objects.back().first, longer.objects.back().second));
    EXPECT_EQ(push(r.ctx, first.tip, longer.tip, longer.pack(leaveOut), spilling()), dropNew ? kRefused : kAccepted);
    EXPECT_TRUE(r.kv.spilled);
    EXPECT_EQ(spillRows(r.kv), 0u);
  }
}

// A fork sees of its parent's objects only what its refs reach; a push that
// carries a hidden one (its content came from the client) may point a ref at
// it, also when the object's entry spilled.
TEST(ReceivePackSpill, AForkPushCarryingItsParentsHiddenObjectsIsAccepted) {
  const History shared = history(5, 4, "shared ");
  const History hidden = history(60, 12, "hidden ");
  MemoryKvStore parentKv;
  RepoContext parent(parentKv);
  ASSERT_EQ(push(parent, ObjectId(), shared.tip, shared.pack(), {}), kAccepted);
  {  // stored, no ref reaches them
    PackIngest in(parentKv, parent.objects());
    feed(in, hidden.pack());
    in.finish();
  }
  ASSERT_TRUE(parent.objects().exists(hidden.tip));
  WatchedStore forkKv;
  RepoContext fork(forkKv, {&parentKv});
  WriteBatch refs;
  fork.refs().stage(refs, "refs/heads/main", shared.tip);
  forkKv.commit(refs);
  // Its tip not carried: hidden, so missing.
  EXPECT_EQ(push(fork, shared.tip, hidden.tip, shared.pack(), spilling()), kRefused);
  // Carried (commits first in the pack: spilled by its end), with every
  // object it links to.
  EXPECT_EQ(push(fork, shared.tip, hidden.tip, hidden.pack(), spilling()), kAccepted);
  EXPECT_TRUE(forkKv.spilled);
  EXPECT_EQ(spillRows(forkKv), 0u);
}

}  // namespace
}  // namespace oa::git
