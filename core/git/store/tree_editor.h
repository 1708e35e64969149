// Applies file changes to a tree the way `git update-index` + `git write-tree`
// would, reading only the trees along the changed paths (never the rest of
// the repo) and writing the new trees through an ObjectWriter. Unchanged
// subtrees keep their ids; a directory left empty disappears (git has no
// empty directories), up to the root, which may become the empty tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/git_repo.h"
#include "git/store/object_writer.h"

namespace oa::git {

struct TreeEdit {
  // Segments joined by '/', each a valid tree entry name (not empty, no NUL,
  // not "." or ".."): the caller checks paths; the editor checks structure.
  std::string path;
  // nullopt: remove the file at `path`. Otherwise put blob `blob` there.
  std::optional<ObjectId> blob;
  // 0100644 or 0100755; nullopt keeps the mode of a regular file already at
  // `path` (a new file, or one replacing a symlink or submodule, is 0100644).
  std::optional<uint32_t> mode;
  // Named in the errors about this edit (e.g. "/files/3/path").
  std::string pointer;
};

// The new root tree's id. INVALID_INPUT (with the edit's pointer) when
// - two edits name the same path, or one's path is a directory of another's;
// - a put names a directory of `base`, or goes below a file (or submodule);
// - a remove names a path `base` does not have, or a directory.
// INTERNAL_ERROR when a tree along the way is missing or corrupt.
// `base`: the tree edited (nullopt: the empty tree).
ObjectId editTree(GitRepo& repo, ObjectWriter& writer, const std::optional<ObjectId>& base,
                  const std::vector<TreeEdit>& edits);

}  // namespace oa::git
