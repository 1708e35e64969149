// The object list of a full clone, kept in the repo's store so the next clone
// of the same ref tips skips the walk (what git's reachability bitmaps do for
// git servers): a clone's client waits idle until the walk ends, since the
// pack header must announce the object count. Only plain requests are cached
// (wants only: no haves, shallow or deepen options, filters); their answer
// depends on nothing but the wants, because stored objects never change and
// are never deleted. One entry per repo ("cache/walk"), replaced when the
// wants differ; writing it is best effort and never fails a fetch.
#pragma once

#include <optional>

#include "git/store/object_walk.h"
#include "open_artifacts/storage.h"

namespace oa::git {

class WalkCache {
 public:
  explicit WalkCache(KvStore& store) : store_(store) {}

  static bool cacheable(const WalkRequest& request);
  // The cached result for these wants, or nullopt.
  std::optional<WalkResult> find(const WalkRequest& request);
  void remember(const WalkRequest& request, const WalkResult& result);

 private:
  KvStore& store_;
};

}  // namespace oa::git
