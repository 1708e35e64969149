#include "git/store/fork_visibility.h"

#include "open_artifacts/errors.h"
#include "git/format/object_links.h"
#include "git/store/object_walk.h"
#include "git/store/walk_cache.h"

namespace oa::git {

ForkVisibility::ForkVisibility(RepoContext& repo) : repo_(repo) {
  for (const auto& ref : repo_.refs().list()) tips_.insert(ref.id);
}

bool ForkVisibility::visible(const ObjectId& id) {
  if (tips_.count(id) || reachable_.count(id) || repo_.objects().existsLocally(id)) return true;
  // From here only the fork's refs decide, in the same steps whatever `id`
  // is: its own record (in the parent or nowhere) is never read, so a hidden
  // id costs what a never-stored one does (header). Cheapest proof first.
  if (inPreferredTrees(id)) return true;
  walkRefs(/*commitsOnly=*/true);
  if (reachable_.count(id)) return true;
  walkRefs(/*commitsOnly=*/false);
  return reachable_.count(id) > 0;
}

void ForkVisibility::preferTreesOf(const std::vector<ObjectId>& commits) {
  preferred_.insert(preferred_.end(), commits.begin(), commits.end());
}

// Enumerates the trees of the preferred commits that are themselves visible
// (one checkout's worth of trees each, far less than a full walk).
bool ForkVisibility::inPreferredTrees(const ObjectId& id) {
  std::vector<ObjectId> commits = std::move(preferred_);
  preferred_.clear();
  for (const auto& c : commits) {
    if (c.isZero() || !visible(c)) continue;
    auto info = repo_.git().commit(c);
    if (!info) continue;
    std::vector<ObjectId> stack{info->tree};
    while (!stack.empty()) {
      const ObjectId t = stack.back();
      stack.pop_back();
      if (!preferredObjects_.insert(t).second) continue;
      auto object = repo_.objects().read(t);
      if (!object || object->type != ObjectType::Tree) continue;
      auto links = treeLinks(*object->data);
      if (!links) continue;
      for (const auto& e : *links) {
        if (e.isGitlink) continue;
        if (e.isTree) stack.push_back(e.id);
        else preferredObjects_.insert(e.id);
      }
    }
  }
  return preferredObjects_.count(id) > 0;
}

void ForkVisibility::walkRefs(bool commitsOnly) {
  if (walkedAll_ || (commitsOnly && walkedCommits_) || tips_.empty()) return;
  WalkRequest request = repo_.walkRequest();
  request.wants.assign(tips_.begin(), tips_.end());
  // A clone of the same tips (or an earlier request's walk) may have left
  // the full object list: one read instead of a walk, for either depth.
  WalkCache cache(repo_.store());
  if (!triedCache_) {
    triedCache_ = true;
    if (auto cached = cache.find(request)) {
      reachable_.insert(cached->objects.begin(), cached->objects.end());
      walkedCommits_ = walkedAll_ = true;
      return;
    }
  }
  request.commitsOnly = commitsOnly;
  WalkResult result;
  try {
    result = walkObjects(repo_.git(), request);
  } catch (const MissingObjectError& e) {
    throwError(ErrorCode::InternalError, std::string("repository is missing an object: ") + e.what());
  }
  if (!commitsOnly) cache.remember(request, result);
  reachable_.insert(result.objects.begin(), result.objects.end());
  walkedCommits_ = true;
  walkedAll_ = !commitsOnly;
}

}  // namespace oa::git
