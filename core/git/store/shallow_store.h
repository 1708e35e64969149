// A shallow repo's boundary, like git's $GIT_DIR/shallow: the commits this
// repo stores without their parents (a repo imported with a depth). One row
// per commit, "shallow/<hex>" -> "1", so a prefix scan lists them in id order.
// Everything that follows history (object walks, upload-pack, receive-pack's
// connectivity check, log) treats these commits as parentless, as git treats
// its shallow grafts.
//
// Crash safety (DESIGN.md): commit the rows of a new boundary no later than
// the refs that reach it (in the same batch, or before): a ref must never
// reach a commit whose parents are missing and unmarked.
#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "git/format/object_id.h"
#include "open_artifacts/storage.h"

namespace oa::git {

class ShallowStore {
 public:
  explicit ShallowStore(KvStore& store) : store_(store) {}

  static const std::string& keyPrefix();
  // True when the repo has any shallow commit (one-row scan, no cache).
  static bool isShallow(KvStore& store);

  // The shallow commits, sorted by id (git writes its shallow file so too).
  std::vector<ObjectId> list();
  // The same as a set, read once per instance (the set is small) and kept in
  // step with this instance's stage()/stageRemove().
  const std::unordered_set<ObjectId>& set();
  bool contains(const ObjectId& id) { return set().count(id) > 0; }
  bool empty() { return set().empty(); }

  // Stage marking commits shallow / no longer shallow into `batch` (the caller
  // commits it); set() answers accordingly from now on.
  void stage(WriteBatch& batch, const std::vector<ObjectId>& ids);
  void stageRemove(WriteBatch& batch, const std::vector<ObjectId>& ids);

 private:
  KvStore& store_;
  std::optional<std::unordered_set<ObjectId>> cache_;
};

}  // namespace oa::git
