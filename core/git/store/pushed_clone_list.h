// The clone list (walk_cache.h) a push can leave behind, so the first clone
// after it need not walk: a walk reads every commit and tree of the history
// from storage, most of a first clone's time on a large repo (issue 12).
// When a pack holds everything the repo's refs reach and nothing else, the
// pack's own index is that list, in the order git wrote it (commits first).
// That holds exactly when:
//  - every link of every object of the pack is to an object of the pack
//    (PackIngest::selfContainedIndex(): the push's connectivity check saw no
//    outside links), so nothing outside the pack is reachable;
//  - every ref tip is an object of the pack;
//  - every object of the pack but the tips is linked to by another object of
//    the pack: going from any object to one that links to it must end (git
//    objects form no cycles) at one nothing links to, a tip, so every object
//    is reachable.
// A first push into an empty repo is the common case; any other push (one
// that builds on stored objects) leaves the list to the next clone's walk.
#pragma once

#include <optional>
#include <vector>

#include "git/store/git_repo.h"
#include "git/store/object_walk.h"
#include "git/store/pack_object_index.h"

namespace oa::git {

// The list a plain walk from `tips` (WalkRequest::wants, no shallows) would
// give, as a set, or nullopt when the pack is not exactly what they reach.
// Reads only the annotated tags among the tips (a tag of a blob makes that
// blob a wanted one).
std::optional<WalkResult> cloneListOfPack(const PackObjectIndex& pack, const std::vector<ObjectId>& tips, GitRepo& repo);

}  // namespace oa::git
