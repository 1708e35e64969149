// The object list of a full clone, kept in the repo's store so the next clone
// of the same ref tips skips the walk (what git's reachability bitmaps do for
// git servers): a clone's client waits idle until the walk ends, since the
// pack header must announce the object count. Only plain requests are cached
// (wants only: no haves, shallow or deepen options); their answer depends on
// nothing but the wants, because stored objects never change and are never
// deleted. The list keeps each object's type, so the partial clones that
// drop whole types (blob:none, tree:0) are answered from it too. One entry
// per repo ("cache/walk"), replaced when the wants differ; writing it is best
// effort and never fails a fetch.
#pragma once

#include <optional>

#include "git/store/object_walk.h"
#include "open_artifacts/storage.h"

namespace oa::git {

class WalkCache {
 public:
  explicit WalkCache(KvStore& store) : store_(store) {}

  // An unfiltered walk for these wants would be stored.
  static bool cacheable(const WalkRequest& request);
  // The request's filter can be applied to a cached list (blob:none, tree:0).
  static bool answersFiltered(const WalkRequest& request);
  // A walk for this request would read what the unfiltered walk reads, so it
  // may as well walk unfiltered, remember that and filter it (blob:none: the
  // walk lists blobs from the trees it reads anyway, without reading them).
  static bool walkUnfiltered(const WalkRequest& request);
  // The cached result for these wants (with the request's filter applied),
  // or nullopt. `typesCheckedOnly`: only a list whose every object is known
  // to be of the type it lists (one a push built, pushed_clone_list.h); a
  // walk lists a tree entry with a file mode as a blob without reading it.
  std::optional<WalkResult> find(const WalkRequest& request, bool typesCheckedOnly = false);
  // Stores the result of an unfiltered walk.
  void remember(const WalkRequest& request, const WalkResult& result);
  // The same in two steps, so a caller can free memory in between: the
  // stored form of the result (nullopt: not kept), then storing it.
  static std::optional<Bytes> entryFor(const WalkRequest& request, const WalkResult& result, bool typesChecked = false);
  void store(Bytes&& entry);
  // `result` (of an unfiltered walk) as a walk with the filter would have cut
  // it: blob:none keeps commits, tags and trees, tree:0 commits and tags;
  // either keeps the wanted blobs. Unchanged for other filters.
  static WalkResult applyFilter(WalkResult result, const ObjectFilter& filter);

 private:
  KvStore& store_;
};

}  // namespace oa::git
