// Turns a pushed (possibly thin) pack into object records as it streams in:
// each entry is inflated, resolved against its base (earlier in the pack, or
// already stored), hashed, and stored keeping its delta form and compressed
// bytes. Batches are committed as they fill, so memory stays bounded and
// objects are durable before any ref can point at them.
//
// Costs are bounded (work_budget.h): the bytes inflated and resolved (and a
// fixed share per object) against the bytes received, the pack's size and the
// repo's stored size against the host's limits (checked against the stored
// total as it is at every commit, so concurrent pushes cannot add up past it).
//
// A push that is refused or dropped takes its objects back (abandon()), as
// git discards its quarantine, unless a ref moved meanwhile: another push may
// have found them stored and relied on them. That push checks, as its last
// step, that every object it relied on is still stored (finish()), and its
// ref update expects the removal epoch it saw when it began (removalEpoch():
// every batch that takes objects back changes it), so a removal between its
// checks and its ref update fails it instead of leaving a ref to a missing
// object. Two pushes may also both write one object: the removal of either
// copy removes it, and the epoch covers that too.
//
// Memory does not grow with the pack: what it keeps per object (its index)
// spills to the store past IngestLimits::maxIndexBytes (pack_object_index.h),
// and the outside links are capped. Work is done in steps: write() stops after a step's share
// and keeps the rest of its input, and resume() continues it, so the host can
// serve other requests in between.
#pragma once

#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "git/store/object_store.h"
#include "git/store/pack_object_index.h"
#include "git/format/pack_parser.h"
#include "git/store/work_budget.h"
#include "open_artifacts/storage.h"

namespace oa::git {

struct IngestLimits {
  uint64_t maxObjectSize = 32ull << 20;       // resolved size of any object (spec §6.6: 32 MB)
  uint64_t maxDeferredBytes = 16ull << 20;    // REF_DELTAs waiting for a base later in the pack (git never sends them)
  uint64_t maxPackBytes = 1ull << 30;         // one pack (a push, an import)
  uint64_t maxRepoBytes = 1ull << 30;         // the repo's stored objects (spec §8.1: 1 GB per repo)
  // The pack's per-object state in memory (pack_object_index.h): past this
  // it spills to the repo's store. A push of ~200k objects fits.
  uint64_t maxIndexBytes = 8ull << 20;
  unsigned indexBlockBits = 12;               // entries per spilled block: 2^this (tests spill small ones)
  // Distinct ids linked to from the pack and not (yet) in it. Past this the
  // ingest stops tracking them and the connectivity check walks from the
  // tips instead (slower, as correct).
  size_t maxOutsideLinks = 1u << 17;
  WorkLimits work;
};

class PackIngest {
 public:
  // `trackLinks`: keep the pack's outside links for a connectivity check (a
  // push). An import walks the result instead.
  PackIngest(KvStore& store, ObjectStore& objects, IngestLimits limits = {}, bool trackLinks = true);
  ~PackIngest();

  // Feeds pack bytes. Throws ArtifactsError(InvalidInput / MemoryLimit) on a
  // bad pack; objects stored before the error stay as unreachable records.
  // May stop after a step's work with input left over: call resume() until
  // it returns true before writing more.
  void write(const uint8_t* data, size_t n);
  // Does the next step of pending work; true once none is left.
  bool resume();
  bool idle() const { return backlog_.empty(); }
  // Finishes pending work, verifies the trailer, commits the last batch, and
  // checks that objects of the pack found already stored still are.
  void finish();
  // Removes the objects this ingest stored and their bytes from the repo's
  // total, if no ref moved since it began (see above). Idempotent; done by
  // the destructor when finish() did not complete.
  void abandon();
  // Changes with every batch that takes objects back (empty: none ever did).
  static std::string removalEpoch(KvStore& store);
  // `batch` applies only if no objects were taken back since `epoch` was read.
  static void expectNoRemovalSince(WriteBatch& batch, const std::string& epoch);
  // Thin-pack delta bases outside the pack are used only when this says yes
  // (a fork: objects its refs reach); otherwise they count as missing.
  void setExternalBaseGuard(std::function<bool(const ObjectId&)> guard) { baseGuard_ = std::move(guard); }
  // The pack carried this object (stored by it, or found stored already).
  // Exact; after a spill it may read the spilled blocks (kept until the
  // ingest is destroyed, for the checks that follow finish()).
  bool carried(const ObjectId& id) const { return index_.contains(id); }
  // Bytes of per-object state held in memory (the index and outside links).
  size_t memoryBytes() const { return index_.memoryBytes() + outside_.size() * kOutsideLinkBytes; }
  // Bytes of object records this pack added to the repo.
  uint64_t storedBytes() const { return storedBytes_; }
  // Work done so far (work_budget.h), and the most the pack may do.
  uint64_t workDone() const { return budget_.used(); }
  uint64_t workLimit() const { return budget_.limit(); }

  // The ids the pack's objects refer to (object_links.h) that are not in the
  // pack: a pack whose every outside link is stored and connected is
  // connected, without holding every object's links (a tree's entries, over
  // thousands of tree versions, would be most of a push's memory). At most
  // maxOutsideLinks ids. False from linksKnown() when some object's content
  // did not parse as its type, or there were more.
  // Each with the type its linking objects say it is (nullopt: only tags link to it).
  using OutsideLinks = std::unordered_map<ObjectId, std::optional<ObjectType>>;
  const OutsideLinks& outsideLinks() const { return outside_; }
  bool linksKnown() const { return linksKnown_; }
  // After finish(): the pack's index when it holds every object of the
  // pack in memory with its type and "linked" mark, outsideLinks() are all
  // of the pack's links to objects outside it, and every object of the pack
  // is of the type its links say (pushed_clone_list.h); otherwise null.
  const PackObjectIndex* indexForCloneList() const {
    return finished_ && trackLinks_ && linksKnown_ && linkTypesHold_ && !index_.spilled() ? &index_ : nullptr;
  }
  // Pack entries read so far (progress of an import).
  uint32_t entriesRead() const { return parser_.entriesParsed(); }
  // Entries the pack header announces (0 until its 12 bytes arrived).
  uint32_t entriesAnnounced() const { return parser_.objectCount(); }

 private:
  void onEntry(PackEntry&& entry);
  // Resolves, hashes and stages one object whose base (if any) is available.
  void store(const PackEntry& entry, ObjectType type, Bytes data, const ObjectId* base, uint32_t baseWeight);
  bool tryResolveDelta(PackEntry& entry, const ObjectId& base);
  // Deltas that were waiting for `id` (later in the pack than their base) resolve now.
  void resolveWaitingOn(const ObjectId& id);
  // Parses input until it is used up or a step's work is done; keeps the rest.
  void parse(const uint8_t* data, size_t n);
  void flush();
  // Adds to index_, first spilling its oldest block (records committed) when full.
  void addToIndex(uint64_t offset, const ObjectId& id, uint32_t weight, PackObjectIndex::Origin origin, ObjectType type,
                  bool linked = false);
  // Drops the outside links the pack's spilled objects answer (they are in the pack).
  void pruneOutsideLinks();
  // Over maxOutsideLinks: pruned, or no longer tracked.
  void boundOutsideLinks();
  void spillIndex();
  void takeBack();
  void expectNoRefMoved(WriteBatch& batch) const;
  static constexpr size_t kOutsideLinkBytes = 48;  // a node of outside_ (id, expected type) and its bucket, about

  KvStore& kv_;
  ObjectStore& objects_;
  IngestLimits limits_;
  PackParser parser_;
  WorkBudget budget_;
  Bytes backlog_;  // input not parsed yet (a step ended)
  uint64_t packBytes_ = 0;
  WriteBatch batch_;
  size_t batchBytes_ = 0;
  uint32_t stored_ = 0;
  uint64_t storedBytes_ = 0, flushedBytes_ = 0;
  uint64_t repoBytesAtFlush_ = 0;  // the stored total read at the last commit
  std::string refEpochAtStart_;
  bool abandoned_ = false;
  bool finished_ = false;
  // Every object of the pack so far (also those found already stored: their
  // content came in the pack, so they are bases like any other).
  PackObjectIndex index_;
  bool wroteAny_ = false;
  OutsideLinks outside_;  // linked to, not (yet) seen in the pack
  bool linksKnown_ = true;
  bool linkTypesHold_ = true;  // no object of the pack is linked to as another type
  std::unordered_map<ObjectId, std::vector<PackEntry>> deferred_;  // by missing base id
  uint64_t deferredBytes_ = 0;
  // A repo with no objects yet (an initial push) needs no per-object
  // "already stored?" lookups: that is most of the storage reads of a push.
  bool storeWasEmpty_ = false;
  bool trackLinks_;
  size_t cacheLimitBefore_ = 0;  // the object store's cache limit, restored when done
  std::function<bool(const ObjectId&)> baseGuard_;
};

}  // namespace oa::git
