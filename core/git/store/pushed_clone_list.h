// The clone list (walk_cache.h) a push can leave behind, so the first clone
// after it need not walk: a walk reads every commit and tree of the history
// from storage, most of a first clone's time on a large repo (issue 12).
//
// The list for the refs after a push is the list for the refs before it (L,
// stored by an earlier push; none before a first push) plus the objects of
// the pack (P), when that union is exactly what the new tips reach, as the
// walk (object_walk.h) lists it. That holds when:
//  - every object is of the type its links say (a tree entry's mode, a
//    commit's tree and parents): PackIngest checks the pack's links as they
//    come, and the links from the pack to L against L's types. L must be a
//    list a push built, whose types are all checked so (a walk lists a tree
//    entry with a file mode as a blob without reading it, so its list may
//    call a tree a blob and lack what the tree holds). Then the walk lists
//    exactly what the links reach, whatever order it meets them in;
//  - the pack's objects link only to objects of the pack and of L (its
//    outside links are all in L), and every new tip is in P or in L: so
//    nothing outside L and P is reachable (L holds all its objects link to);
//  - every object of P but the new tips is linked to by another object of
//    P: going from any object of P to one that links to it must end (git
//    objects form no cycles) at one nothing links to, a tip, so all of P is
//    reachable;
//  - every old tip is a new tip, an outside link of the pack or an object of
//    P another one links to: so all of L is still reachable (a deleted
//    branch or a forced push fails this, and the next clone walks);
//  - no new tip is a chain of more than 16 tags (the walk stops there).
// A first push into an empty repo (L empty, no outside links) and then
// pushes of new commits or branches qualify, until a clone with other wants
// or a forced push replaces or outdates the list: then clones walk again.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "git/store/git_repo.h"
#include "git/store/object_walk.h"
#include "git/store/pack_ingest.h"
#include "git/store/pack_object_index.h"

namespace oa::git {

struct ListBeforePush {
  std::vector<ObjectId> tips;  // the branches' and tags' tips before the push
  // Reads the list stored for them, if there is one whose types are checked
  // (WalkCache::find); called only once the pack passed its own checks.
  std::function<std::optional<WalkResult>()> load;
};

// The list a plain walk from `tips` (WalkRequest::wants, no shallows) would
// give, as a set, or nullopt when the rules above do not hold. `pack` must
// hold every object of the pack in memory (not spilled), with its links
// marked and checked (PackIngest::indexForCloneList()); `outsideLinks` are
// the ids its objects link to outside it. Reads the new tips' tags.
std::optional<WalkResult> cloneListAfterPush(const PackObjectIndex& pack, const PackIngest::OutsideLinks& outsideLinks,
                                             const std::vector<ObjectId>& tips, const ListBeforePush& before,
                                             GitRepo& repo);

}  // namespace oa::git
