// Pack ingest against packs built to be expensive: the work budget, chain
// weights, steps, and the pack and repo size limits (issue: a 48 KB push of
// REF_DELTAs copying a 32 MiB base held a server for 52 s).
#include <gtest/gtest.h>

#include <zlib.h>

#include "open_artifacts/errors.h"
#include "git/format/gzip_decoder.h"
#include "git/store/pack_ingest.h"
#include "git/store/repo_context.h"
#include "support/memory_kv_store.h"
#include "support/pack_builder.h"

namespace oa::git {
namespace {

using oa::testing::copyingDelta;
using oa::testing::PackBuilder;
using oa::testing::randomBytes;

struct Repo {
  MemoryKvStore kv;
  RepoContext ctx{kv};
};

// Feeds the whole pack in 64 KiB writes, doing every pending step; returns the steps taken.
int ingestAll(PackIngest& in, const Bytes& pack) {
  int steps = 0;
  for (size_t off = 0; off < pack.size(); off += 65536) {
    in.write(pack.data() + off, std::min<size_t>(65536, pack.size() - off));
    while (!in.resume()) ++steps;
  }
  in.finish();
  return steps;
}

ObjectId blobId(const Bytes& b) { return hashObject(ObjectType::Blob, b.data(), b.size()); }

ErrorCode errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ArtifactsError& e) {
    return e.code();
  }
  ADD_FAILURE() << "no ArtifactsError";
  return ErrorCode::InternalError;
}

TEST(PackIngestBudget, DeltasCopyingALargeBaseAreRefusedOnceTheBudgetIsSpent) {
  Repo r;
  const Bytes big = randomBytes(4u << 20, 1);
  PackBuilder first;
  first.whole(ObjectType::Blob, big);
  {
    PackIngest in(r.kv, r.ctx.objects());
    ingestAll(in, first.build());
  }
  PackBuilder attack;
  for (int i = 0; i < 400; ++i) attack.refDelta(blobId(big), copyingDelta(big.size(), 1, "#" + std::to_string(i)));
  const Bytes pack = attack.build();
  ASSERT_LT(pack.size(), 64u << 10);  // a small request asking for 1.6 GB of output

  const size_t rowsBefore = r.kv.contents().size();
  IngestLimits limits;
  limits.work.allowance = 32u << 20;
  PackIngest in(r.kv, r.ctx.objects(), limits);
  EXPECT_EQ(errorOf([&] { ingestAll(in, pack); }), ErrorCode::MemoryLimit);
  // Refused as soon as the budget ran out: at most one object's work past it.
  EXPECT_LE(in.workDone(), in.workLimit() + 2 * big.size());
  EXPECT_LT(r.kv.contents().size(), rowsBefore + 16);
}

TEST(PackIngestBudget, TheSameDeltasWithinTheBudgetCostWhatTheyProduce) {
  Repo r;
  const Bytes big = randomBytes(3u << 20, 2);
  PackBuilder first;
  first.whole(ObjectType::Blob, big);
  {
    PackIngest in(r.kv, r.ctx.objects());
    ingestAll(in, first.build());
  }
  PackBuilder siblings;
  const int n = 40;
  for (int i = 0; i < n; ++i) siblings.refDelta(blobId(big), copyingDelta(big.size(), 1, "#" + std::to_string(i)));
  PackIngest in(r.kv, r.ctx.objects());
  ingestAll(in, siblings.build());
  // Per delta: the base (re)read, the result built, the result hashed; never
  // more than a constant times the output.
  EXPECT_LE(in.workDone(), uint64_t(n) * 3 * (big.size() + 64) + (1u << 20));
  for (int i = 0; i < n; ++i) {
    Bytes expected = big;
    const std::string tail = "#" + std::to_string(i);
    expected.insert(expected.end(), tail.begin(), tail.end());
    auto got = r.ctx.objects().read(blobId(expected));
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(*got->data, expected);
  }
}

// Twenty versions of a 9 MiB file, each a delta on the one before: stored
// chains stay under the weight limit, so reading any version (cold) resolves
// at most kMaxChainWeight x 4 MiB, and reading all of them is linear.
TEST(PackIngestBudget, ChainsOfLargeObjectsAreCutByWeight) {
  Repo r;
  PackBuilder chain;
  Bytes version = randomBytes(9u << 20, 3);
  std::vector<Bytes> versions{version};
  size_t previous = chain.whole(ObjectType::Blob, version);
  for (int i = 1; i < 20; ++i) {
    const std::string tail = "v" + std::to_string(i);
    previous = chain.ofsDelta(previous, copyingDelta(version.size(), 1, tail));
    version.insert(version.end(), tail.begin(), tail.end());
    versions.push_back(version);
  }
  {
    PackIngest in(r.kv, r.ctx.objects());
    ingestAll(in, chain.build());
    // Ingest resolved each version once, from the one before (kept in memory).
    EXPECT_LE(in.workDone(), 20u * 4 * (10u << 20));
  }
  int whole = 0;
  for (const auto& v : versions) {
    auto rec = r.ctx.objects().record(blobId(v));
    ASSERT_TRUE(rec);
    EXPECT_LE(rec->chainWeight, kMaxChainWeight);
    whole += rec->isDelta ? 0 : 1;
  }
  EXPECT_GE(whole, 2);  // 9 MiB links weigh 3: a chain holds at most 16 of them

  MemoryKvStore& kv = r.kv;
  for (size_t i = 0; i < versions.size(); ++i) {
    ObjectStore cold(kv);  // nothing cached
    WorkBudget budget;
    cold.setWorkBudget(&budget);
    auto got = cold.read(blobId(versions[i]));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->data->size(), versions[i].size());
    EXPECT_LE(budget.used(), uint64_t(kMaxChainWeight) * kChainWeightUnit * 2 + versions[i].size() * 2) << i;
  }
  // Newest to oldest through one store: each read reuses no more than the chain allows.
  ObjectStore reader(kv);
  WorkLimits unlimited;
  unlimited.allowance = UINT64_MAX / 2;
  WorkBudget all(unlimited);
  reader.setWorkBudget(&all);
  for (size_t i = versions.size(); i-- > 0;) ASSERT_TRUE(reader.read(blobId(versions[i])));
  EXPECT_LE(all.used(), versions.size() * (uint64_t(kMaxChainWeight) * kChainWeightUnit * 2));
}

TEST(PackIngestSteps, WorkIsSplitIntoStepsWithTheSameResult) {
  PackBuilder b;
  std::vector<Bytes> blobs;
  for (int i = 0; i < 12; ++i) {
    blobs.push_back(randomBytes(1u << 20, 100 + i));
    b.whole(ObjectType::Blob, blobs.back());
  }
  const Bytes pack = b.build();
  Repo oneGo, stepped;
  {
    PackIngest in(oneGo.kv, oneGo.ctx.objects());
    in.write(pack.data(), pack.size());
    while (!in.resume()) {
    }
    in.finish();
  }
  IngestLimits small;
  small.work.stepBytes = 2u << 20;
  PackIngest in(stepped.kv, stepped.ctx.objects(), small);
  in.write(pack.data(), pack.size());  // one write of the whole pack
  EXPECT_FALSE(in.idle());             // ... stops after the first step
  int steps = 0;
  while (!in.resume()) ++steps;
  EXPECT_GE(steps, 4);
  in.finish();
  EXPECT_EQ(stepped.kv.contents(), oneGo.kv.contents());
}

TEST(PackIngestLimits, PackAndRepoSizesAreBounded) {
  PackBuilder b;
  for (int i = 0; i < 4; ++i) b.whole(ObjectType::Blob, randomBytes(256u << 10, 200 + i));
  const Bytes pack = b.build();
  {
    Repo r;
    IngestLimits limits;
    limits.maxPackBytes = 512u << 10;
    PackIngest in(r.kv, r.ctx.objects(), limits);
    EXPECT_EQ(errorOf([&] { ingestAll(in, pack); }), ErrorCode::MemoryLimit);
  }
  Repo r;
  uint64_t total = 0;
  {
    PackIngest in(r.kv, r.ctx.objects());
    ingestAll(in, pack);
    total = in.storedBytes();
    EXPECT_GT(total, 1u << 20);
    EXPECT_EQ(r.ctx.objects().storedBytes(), total);  // kept in the store
  }
  PackBuilder more;
  more.whole(ObjectType::Blob, randomBytes(300u << 10, 300));
  const Bytes second = more.build();
  IngestLimits quota;
  quota.maxRepoBytes = total + (100u << 10);  // the new blob does not fit
  PackIngest in(r.kv, r.ctx.objects(), quota);
  EXPECT_EQ(errorOf([&] { ingestAll(in, second); }), ErrorCode::MemoryLimit);
  in.abandon();  // as receive-pack does on a refusal
  EXPECT_EQ(r.ctx.objects().storedBytes(), total);
  PackIngest fits(r.kv, r.ctx.objects());
  ingestAll(fits, second);
  EXPECT_EQ(r.ctx.objects().storedBytes(), total + fits.storedBytes());
}

// Many small objects (committed in several batches) and then a blob over the quota.
Bytes batchesThenTooBig(size_t smallObjects, size_t bigBytes) {
  PackBuilder b;
  for (size_t i = 0; i < smallObjects; ++i) b.blob("small object " + std::to_string(i) + "\n");
  b.whole(ObjectType::Blob, randomBytes(bigBytes, 400));
  return b.build();
}

TEST(PackIngestAbandon, ARefusedPackTakesBackWhatItCommitted) {
  Repo r;
  const auto before = r.kv.contents();
  IngestLimits quota;
  quota.maxRepoBytes = 1u << 20;
  PackIngest in(r.kv, r.ctx.objects(), quota);
  EXPECT_EQ(errorOf([&] { ingestAll(in, batchesThenTooBig(4500, 2u << 20)); }), ErrorCode::MemoryLimit);
  EXPECT_NE(r.kv.contents(), before);  // two batches of 2000 were committed on the way
  in.abandon();
  // As before, but for the removal epoch: taking objects back moves it on.
  auto after = r.kv.contents();
  EXPECT_EQ(after.erase("m/removal-epoch"), 1u);
  EXPECT_EQ(after, before);
  EXPECT_NE(PackIngest::removalEpoch(r.kv), "");
}

TEST(PackIngestAbandon, ObjectsStayWhenARefMovedMeanwhile) {
  // Another push may have found them stored and relied on them.
  Repo r;
  IngestLimits quota;
  quota.maxRepoBytes = 1u << 20;
  PackIngest in(r.kv, r.ctx.objects(), quota);
  EXPECT_EQ(errorOf([&] { ingestAll(in, batchesThenTooBig(2500, 2u << 20)); }), ErrorCode::MemoryLimit);
  const uint64_t stored = r.ctx.objects().storedBytes();
  EXPECT_GT(stored, 0u);
  WriteBatch moveRef;
  r.ctx.refs().stage(moveRef, "refs/heads/main", blobId(Bytes{'x'}));
  r.kv.commit(moveRef);
  in.abandon();
  EXPECT_EQ(r.ctx.objects().storedBytes(), stored);
  const std::string first = "small object 0\n";
  EXPECT_TRUE(r.ctx.objects().existsInStorage(blobId(Bytes(first.begin(), first.end()))));
}

TEST(PackIngestAbandon, APackThatReliedOnObjectsAnotherPackTookBackFailsCleanly) {
  Repo r;
  PackBuilder first;
  first.blob("shared\n");
  for (int i = 0; i < 10; ++i) first.blob("first only " + std::to_string(i) + "\n");
  PackIngest a(r.kv, r.ctx.objects());
  ingestAll(a, first.build());  // stored, no ref yet (its push has not finished)

  PackBuilder second;
  second.blob("shared\n");  // found stored: relied on, not written
  second.blob("second only\n");
  RepoContext other(r.kv);
  PackIngest b(r.kv, other.objects());
  const Bytes pack = second.build();
  b.write(pack.data(), pack.size());
  while (!b.resume()) {
  }
  a.abandon();  // no ref moved: a takes "shared" back
  EXPECT_EQ(errorOf([&] { b.finish(); }), ErrorCode::InvalidInput);
}

TEST(PackIngestBases, ObjectsOfThePackFoundStoredAreBasesForItsDeltas) {
  // A fork pushing its parent's newer commits: the parent's rows hold them.
  Repo r;
  const Bytes base = randomBytes(64u << 10, 500);
  PackBuilder stored;
  stored.whole(ObjectType::Blob, base);
  {
    PackIngest in(r.kv, r.ctx.objects());
    ingestAll(in, stored.build());
  }
  PackBuilder b;
  const size_t baseIndex = b.whole(ObjectType::Blob, base);  // sent again
  b.ofsDelta(baseIndex, copyingDelta(base.size(), 1, "ofs"));
  b.refDelta(blobId(base), copyingDelta(base.size(), 1, "ref"));
  RepoContext fresh(r.kv);
  PackIngest in(r.kv, fresh.objects());
  in.setExternalBaseGuard([](const ObjectId&) { return false; });  // nothing outside the pack may serve
  ingestAll(in, b.build());
  Bytes ofs = base, ref = base;
  ofs.insert(ofs.end(), {'o', 'f', 's'});
  ref.insert(ref.end(), {'r', 'e', 'f'});
  EXPECT_TRUE(r.ctx.objects().existsInStorage(blobId(ofs)));
  EXPECT_TRUE(r.ctx.objects().existsInStorage(blobId(ref)));
}

// The ingest reads with a smaller object cache (most of its wasm heap) and
// gives the store back its own limit once the pack is in.
TEST(PackIngestCache, TheObjectCacheIsSmallerWhileAPackIsIngested) {
  Repo r;
  const size_t usual = r.ctx.objects().cacheLimit();
  PackBuilder pack;
  pack.whole(ObjectType::Blob, randomBytes(1000, 3));
  {
    PackIngest in(r.kv, r.ctx.objects());
    EXPECT_LT(r.ctx.objects().cacheLimit(), usual);
    ingestAll(in, pack.build());
    EXPECT_EQ(r.ctx.objects().cacheLimit(), usual) << "restored by finish()";
  }
  {
    PackIngest in(r.kv, r.ctx.objects());
    EXPECT_LT(r.ctx.objects().cacheLimit(), usual);
  }
  EXPECT_EQ(r.ctx.objects().cacheLimit(), usual) << "restored by an ingest dropped before finish()";
}

TEST(GzipDecoderLimits, OutputComesInBoundedPiecesAndIsCapped) {
  // 64 MiB of zeros gzip to about 64 KB.
  const Bytes zeros(64u << 20, 0);
  Bytes gz(compressBound(zeros.size()) + 64);
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = const_cast<Bytef*>(zeros.data());
  z.avail_in = static_cast<uInt>(zeros.size());
  z.next_out = gz.data();
  z.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz.resize(z.total_out);
  deflateEnd(&z);
  ASSERT_LT(gz.size(), 100u << 10);

  GzipDecoder decoder(UINT64_MAX);
  size_t pos = 0, calls = 0;
  uint64_t total = 0;
  while (pos < gz.size()) {
    Bytes out;
    pos += decoder.feed(gz.data() + pos, gz.size() - pos, out, 1u << 20);
    EXPECT_LE(out.size(), (1u << 20) + 65536);
    total += out.size();
    ++calls;
  }
  EXPECT_EQ(total, zeros.size());
  EXPECT_GE(calls, 60u);
  decoder.finish();

  GzipDecoder capped(8u << 20);
  EXPECT_EQ(errorOf([&] {
              Bytes out;
              for (size_t p = 0; p < gz.size();) {
                out.clear();
                p += capped.feed(gz.data() + p, gz.size() - p, out, 1u << 20);
              }
            }),
            ErrorCode::MemoryLimit);
}

}  // namespace
}  // namespace oa::git
