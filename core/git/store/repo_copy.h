// Copies one repo's git data into a new, empty repo store (a fork). Where the
// target borrows the source's objects (ObjectStore alternates) only refs,
// HEAD and the shallow boundary are written. Otherwise object records are
// copied as stored, deltas and compressed bytes included, so a fork never
// re-deltifies, re-packs or even inflates anything but the trees and commits
// a walk must read. Work is split into steps so the host can yield between
// them; refs and HEAD are written last, after every object they need is
// durable (DESIGN.md crash-safety order).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/chunked_store.h"
#include "git/format/object_id.h"
#include "git/store/ref_store.h"

namespace oa::git {

class RepoCopy {
 public:
  // `defaultBranchOnly`: only the branch HEAD names, and the objects it
  // needs; otherwise every ref and object. `sourceAlternates`: the stores the
  // source borrows objects from. `objectsShared`: the target already sees
  // every source object through its own alternates.
  RepoCopy(ChunkedStore& source, std::vector<KvStore*> sourceAlternates, ChunkedStore& target,
           bool defaultBranchOnly, bool objectsShared);
  ~RepoCopy();

  // Copies up to about `maxObjects` objects; true once the copy is complete.
  bool step(size_t maxObjects);
  uint64_t objectsCopied() const { return objectsCopied_; }
  // The source's default branch (short name), which the copy keeps.
  const std::string& defaultBranch() const { return defaultBranch_; }

 private:
  void plan();
  bool copyAllStep(size_t maxObjects);
  bool copySelectedStep(size_t maxObjects);
  void finish();

  ChunkedStore& source_;
  std::vector<KvStore*> sourceAlternates_;
  ChunkedStore& target_;
  bool defaultBranchOnly_;
  bool objectsShared_;
  enum class Phase { Plan, CopyAll, CopySelected, Refs, Done } phase_ = Phase::Plan;
  std::string headTarget_, defaultBranch_;
  std::vector<Ref> refs_;  // the refs the copy gets
  bool copiedAll_ = false;  // every object record is copied (no walk)
  std::string lastKey_;    // CopyAll: resume after this key
  std::vector<ObjectId> pending_;           // CopySelected: objects still to copy
  std::unordered_set<ObjectId> selected_;   // CopySelected: everything queued so far
  uint64_t objectsCopied_ = 0;
};

}  // namespace oa::git
