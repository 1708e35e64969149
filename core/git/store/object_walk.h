// Which objects a fetch must send (or a push must prove present): everything
// reachable from `wants` that the client does not already have through
// `haves`, cut by shallow/deepen options and partial-clone filters. One walk
// serves upload-pack (pack contents) and receive-pack (connectivity check).
// A shallow repo's own boundary commits (ShallowStore) are walked without
// their parents, as git walks its shallow grafts; RepoContext::walkRequest()
// fills them in.
#pragma once

#include <functional>
#include <stdexcept>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "git/store/git_repo.h"
#include "git/format/object_filter.h"

namespace oa::git {

struct WalkRequest {
  std::vector<ObjectId> wants;           // any object type; tags are followed
  std::vector<ObjectId> haves;           // objects the client has (unknown ids ignored)
  // Commits this repo stores without their parents (ShallowStore::set()):
  // never followed to their parents, by the walk or by any depth count.
  std::unordered_set<ObjectId> repoShallows;
  std::vector<ObjectId> clientShallows;  // commits the client has without their parents
  int depth = 0;                         // deepen <n>; 0 = no depth limit
  bool deepenRelative = false;           // depth counts from clientShallows
  int64_t deepenSince = 0;               // deepen-since <unix s>; 0 = none
  std::vector<ObjectId> deepenNot;       // deepen-not: exclude history reachable from these
  ObjectFilter filter;
  // Check that every blob exists (a push's connectivity check). Fetches skip
  // it: the pack writer reads each object anyway and fails on a missing one.
  bool verifyBlobs = false;
  // Walk commits (and tags) only: no trees or blobs are listed or read.
  bool commitsOnly = false;
};

struct WalkResult {
  std::vector<ObjectId> objects;             // to send: commits, tags, then trees and blobs
  std::vector<ObjectType> types;             // the type of each of `objects`
  std::vector<ObjectId> wantedBlobs;         // blobs a want names (itself or through tags): sent whatever the filter
  // Shallow commits to tell the client: the depth/deepen boundary, and the
  // repo's own shallow commits among the commits sent (client shallows never).
  std::vector<ObjectId> shallow;
  std::vector<ObjectId> unshallow;           // client shallows that now have their parents
  std::unordered_set<ObjectId> clientHas;    // trees/blobs the client is known to have
  size_t commitCount = 0;
  // A want was a chain of more than 16 tags, followed no further: the list
  // is not all the wants reach (never cached: pushed_clone_list.h relies on
  // a cached list holding everything its objects link to).
  bool tagChainCut = false;
};

class MissingObjectError : public std::runtime_error {
 public:
  explicit MissingObjectError(const ObjectId& id)
      : std::runtime_error("missing object " + id.hex()), id_(id) {}
  const ObjectId& id() const { return id_; }

 private:
  ObjectId id_;
};

using WalkProgress = std::function<void(size_t objectsSoFar)>;

// Throws MissingObjectError when something reachable from a want is absent.
WalkResult walkObjects(GitRepo& repo, const WalkRequest& request, const WalkProgress& progress = {});

}  // namespace oa::git
