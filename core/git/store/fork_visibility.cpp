#include "git/store/fork_visibility.h"

#include "open_artifacts/errors.h"
#include "git/format/object_links.h"
#include "git/store/object_walk.h"

namespace oa::git {

ForkVisibility::ForkVisibility(RepoContext& repo) : repo_(repo) {
  for (const auto& ref : repo_.refs().list()) tips_.insert(ref.id);
}

bool ForkVisibility::visible(const ObjectId& id) {
  if (tips_.count(id) || reachable_.count(id) || repo_.objects().existsLocally(id)) return true;
  const auto type = repo_.git().typeOf(id);
  if (!type) return false;
  if (*type == ObjectType::Commit || *type == ObjectType::Tag) {
    walkRefs(/*commitsOnly=*/true);
    return reachable_.count(id) > 0;
  }
  if (inPreferredTrees(id)) return true;
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
  request.commitsOnly = commitsOnly;
  WalkResult result;
  try {
    result = walkObjects(repo_.git(), request);
  } catch (const MissingObjectError& e) {
    throw ArtifactsError(ErrorCode::InternalError, std::string("repository is missing an object: ") + e.what());
  }
  reachable_.insert(result.objects.begin(), result.objects.end());
  walkedCommits_ = true;
  walkedAll_ = !commitsOnly;
}

}  // namespace oa::git
