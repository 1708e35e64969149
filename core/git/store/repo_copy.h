// A fork's copy of its parent's git data, as a stream of record batches from
// the parent's store to the fork's: the two sides never need to be open in one
// place (a Durable Object per repo: each batch is one bounded RPC message).
// Object records are moved as stored, deltas, compressed bytes and chunk rows
// included, so a fork never re-deltifies, re-packs or even inflates anything
// but the trees and commits a walk must read. Refs, HEAD and the shallow
// boundary go last, after every object they need is durable (DESIGN.md
// crash-safety order). Where the fork reads its parent's objects in place
// (one shared store: alternates) only those heads are written.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/chunked_store.h"
#include "git/format/object_id.h"
#include "git/store/ref_store.h"

namespace oa::git {

// The most one batch carries: one message between two Durable Objects stays
// far under workerd's 32 MiB per RPC value.
constexpr size_t kMaxBatchMessageBytes = 12u << 20;

// Rows exactly as the source stores them (values over the row limit are
// several rows), for the target to write as they are.
struct RecordBatch {
  WriteBatch rows;
  uint64_t objects = 0;  // object records in `rows`
  uint64_t bytes = 0;    // bytes of those rows
};

// A batch as bytes, for one message between two Durable Objects, and back.
Bytes encodeRecordBatch(const RecordBatch& batch);
// INVALID_INPUT for malformed bytes, or for a row that is not an object
// record (or one of its chunks): a target takes nothing else this way.
RecordBatch decodeRecordBatch(const uint8_t* data, size_t n);

// What the fork gets besides objects.
struct CopyHeads {
  std::string headTarget;      // "refs/heads/<default branch>"
  std::vector<Ref> refs;       // the refs the fork gets
  std::vector<ObjectId> shallow;  // the parent's shallow commits among what is copied
};

// The parent's side.
class RepoCopySource {
 public:
  // `defaultBranchOnly`: only the branch HEAD names and the objects it needs;
  // otherwise every ref and object. `alternates`: the stores the source
  // borrows objects from. `objectsShared`: the target reads every source
  // object through its own alternates, so no record is copied.
  RepoCopySource(ChunkedStore& source, std::vector<ChunkedStore*> alternates, bool defaultBranchOnly,
                 bool objectsShared);

  // Replaces `out` with the next batch of about `maxObjects` records (about
  // 8 MB, never over kMaxBatchMessageBytes: a large object's chunk rows may
  // span batches, its own row last); false, with `out` empty, once none is left.
  bool next(RecordBatch& out, size_t maxObjects);
  // Valid once next() returned false.
  const CopyHeads& heads() const { return heads_; }
  uint64_t objectsCopied() const { return objectsCopied_; }

 private:
  void plan();
  bool nextOfAll(RecordBatch& out, size_t maxObjects);
  bool nextSelected(RecordBatch& out, size_t maxObjects);
  void finishHeads();
  // Cuts `out` at kMaxBatchMessageBytes, the rest going to overflow_ (first out next time).
  void bound(RecordBatch& out);

  ChunkedStore& source_;
  std::vector<ChunkedStore*> alternates_;
  bool defaultBranchOnly_;
  bool objectsShared_;
  enum class Phase { Plan, CopyAll, CopySelected, Heads, Done } phase_ = Phase::Plan;
  CopyHeads heads_;
  bool copiesAll_ = false;                 // every object record goes (no walk)
  std::string lastKey_;                    // CopyAll: resume after this key
  std::vector<ObjectId> pending_;          // CopySelected: objects still to copy
  std::unordered_set<ObjectId> selected_;  // CopySelected: everything queued so far
  uint64_t objectsCopied_ = 0;
  std::vector<WriteBatch::Op> overflow_;  // rows cut from the last batch, in order
};

// The fork's side.
class RepoCopyTarget {
 public:
  explicit RepoCopyTarget(ChunkedStore& target) : target_(target) {}
  void apply(const RecordBatch& batch);
  // Refs, HEAD and the shallow boundary, in one batch: the fork is complete.
  void finish(const CopyHeads& heads);

 private:
  ChunkedStore& target_;
};

}  // namespace oa::git
