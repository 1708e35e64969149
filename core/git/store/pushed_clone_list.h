// The clone list (walk_cache.h) a push can leave behind, so the first clone
// after it need not walk: a walk reads every commit and tree of the history
// from storage, most of a first clone's time on a large repo (issue 12).
//
// The list for the refs after a push is the list for the refs before it (L,
// stored by an earlier clone or push; none before a first push) plus the
// objects of the pack (P), when that union is exactly what the new tips
// reach. That holds when:
//  - the pack's objects link only to objects of the pack and of L (its
//    outside links are all in L), and every new tip is in P or in L: so
//    nothing outside L and P is reachable (L is closed under links);
//  - every object of P but the new tips is linked to by another object of
//    P: going from any object of P to one that links to it must end (git
//    objects form no cycles) at one nothing links to, a tip, so all of P is
//    reachable;
//  - every old tip is a new tip, an outside link of the pack or an object of
//    P another one links to: so all of L is still reachable (a deleted
//    branch or a forced push fails this, and the next clone walks).
// A first push into an empty repo (L empty, no outside links) and a push of
// new commits onto branches a clone or push has listed are the common cases.
#pragma once

#include <optional>
#include <unordered_set>
#include <vector>

#include "git/store/git_repo.h"
#include "git/store/object_walk.h"
#include "git/store/pack_object_index.h"

namespace oa::git {

struct ListBeforePush {
  std::vector<ObjectId> tips;        // the branches' and tags' tips before the push
  const WalkResult* list = nullptr;  // what a plain walk from them lists (stored); needed when there are tips
};

// The list a plain walk from `tips` (WalkRequest::wants, no shallows) would
// give, as a set, or nullopt when the rules above do not hold. `pack` must
// hold every object of the pack in memory (not spilled), with its links
// marked; `outsideLinks` are the ids its objects link to outside it. Reads
// the type of a few tips (a tag of a blob makes that blob a wanted one).
std::optional<WalkResult> cloneListAfterPush(const PackObjectIndex& pack, const std::unordered_set<ObjectId>& outsideLinks,
                                             const std::vector<ObjectId>& tips, const ListBeforePush& before,
                                             GitRepo& repo);

}  // namespace oa::git
