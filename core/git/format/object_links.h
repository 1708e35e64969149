// The ids an object refers to, read straight from its content: a commit's
// tree and parents, a tree's entries (not gitlinks: they live in other repos),
// a tag's target. Pack ingest records these while each object is in hand, so
// a push's connectivity check need not read its own objects back. The content
// is read by the one parser of each kind (commit.h, tree.h, tag.h).
#pragma once

#include <optional>
#include <vector>

#include "git/format/object_id.h"
#include "open_artifacts/bytes.h"

namespace oa::git {

// A link, and the type of object the linking object says it is: a commit's
// tree and parents, a tree entry's mode (040000: a tree, a file mode: a
// blob). A tag's target has none: walks follow the target's own type.
struct ObjectLink {
  ObjectId id;
  std::optional<ObjectType> type;
};

// nullopt when the content does not parse as an object of that type.
std::optional<std::vector<ObjectLink>> objectLinks(ObjectType type, const Bytes& data);

// A tree's entries without their names: what object walks need.
struct TreeLink {
  ObjectId id;
  bool isTree = false;
  bool isGitlink = false;
};
std::optional<std::vector<TreeLink>> treeLinks(const Bytes& data);

}  // namespace oa::git
