// Everything the git protocol code needs for one repository, over the repo's
// own storage handle: objects, refs and libgit2's view of them.
#pragma once

#include "git/git_repo.h"
#include "git/object_store.h"
#include "git/ref_store.h"

namespace oa::git {

class RepoContext {
 public:
  explicit RepoContext(KvStore& store) : store_(store), objects_(store), refs_(store), git_(objects_) {}

  KvStore& store() { return store_; }
  ObjectStore& objects() { return objects_; }
  RefStore& refs() { return refs_; }
  GitRepo& git() { return git_; }

 private:
  KvStore& store_;
  ObjectStore objects_;
  RefStore refs_;
  GitRepo git_;
};

}  // namespace oa::git
