// Everything the git protocol code needs for one repository, over the repo's
// own storage handle: objects, refs, the shallow boundary and the parsed view
// of its commits, trees and tags (GitRepo).
#pragma once

#include <vector>

#include "git/store/git_repo.h"
#include "git/store/object_store.h"
#include "git/store/object_walk.h"
#include "git/store/ref_store.h"
#include "git/store/shallow_store.h"

namespace oa::git {

class RepoContext {
 public:
  // `alternates`: the stores this repo borrows objects from (a fork's parent).
  explicit RepoContext(KvStore& store, std::vector<KvStore*> alternates = {})
      : store_(store), objects_(store, 8u << 20, std::move(alternates)), refs_(store), shallows_(store),
        git_(objects_) {}

  KvStore& store() { return store_; }
  ObjectStore& objects() { return objects_; }
  RefStore& refs() { return refs_; }
  ShallowStore& shallows() { return shallows_; }
  GitRepo& git() { return git_; }

  // A walk over this repo's history: its shallow commits are traversed
  // without their parents. Start every WalkRequest of this repo here.
  WalkRequest walkRequest() {
    WalkRequest walk;
    walk.repoShallows = shallows_.set();
    return walk;
  }

 private:
  KvStore& store_;
  ObjectStore objects_;
  RefStore refs_;
  ShallowStore shallows_;
  GitRepo git_;
};

}  // namespace oa::git
