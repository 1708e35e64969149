// libgit2 over our object store: a git_repository whose only odb backend
// reads ObjectStore, so libgit2 parses commits, trees and tags for the
// protocol code (libgit2 has no server side; DESIGN.md layers).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/object_store.h"

struct git_repository;
struct git_odb;

namespace oa::git {

struct CommitInfo {
  ObjectId tree;
  std::vector<ObjectId> parents;
  int64_t commitTime = 0;  // committer time, Unix seconds
};

struct TreeEntry {
  std::string name;
  uint32_t mode = 0;  // 040000 tree, 0100644/0100755 blob, 0120000 symlink, 0160000 gitlink
  ObjectId id;
  bool isTree() const { return mode == 040000; }
  bool isGitlink() const { return mode == 0160000; }
};

struct TagInfo {
  ObjectId target;
  ObjectType targetType;
};

class GitRepo {
 public:
  explicit GitRepo(ObjectStore& objects);
  ~GitRepo();
  GitRepo(const GitRepo&) = delete;
  GitRepo& operator=(const GitRepo&) = delete;

  ObjectStore& objects() { return objects_; }
  git_repository* raw() { return repo_; }

  // nullopt when the object is missing or of another type.
  std::optional<CommitInfo> commit(const ObjectId& id);
  std::optional<std::vector<TreeEntry>> tree(const ObjectId& id);
  std::optional<TagInfo> tag(const ObjectId& id);
  // The type of a stored object, without parsing it.
  std::optional<ObjectType> typeOf(const ObjectId& id);
  // Follows annotated tags to the first non-tag object (depth-bounded).
  std::optional<ObjectId> peel(const ObjectId& id);

 private:
  ObjectStore& objects_;
  git_odb* odb_ = nullptr;
  git_repository* repo_ = nullptr;
};

}  // namespace oa::git
