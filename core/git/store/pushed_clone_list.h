// The clone list (walk_cache.h) a push can leave behind, so the first clone
// after it need not walk: a walk reads every commit and tree of the history
// from storage, most of a first clone's time on a large repo (issue 12).
//
// The list for the refs after a push is the list for the refs before it (L,
// stored by an earlier clone or push; none before a first push) plus the
// objects of the pack (P), when that union is exactly what the new tips
// reach, as the walk (object_walk.h) lists it. That holds when:
//  - the pack's objects link only to objects of the pack and of L (its
//    outside links are all in L), and every new tip is in P or in L: so
//    nothing outside L and P is reachable (a cached list holds everything
//    its objects link to, as the walk followed the links);
//  - every object is of the type its links say (a tree entry's mode, a
//    commit's tree and parents; PackIngest checks the pack's own links), and
//    an object of L a tag or a new tip names is of the type L lists: the
//    walk lists a tree entry with a file mode as a blob without reading it,
//    so a tree linked to as a blob would be listed without what it holds;
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
#include <vector>

#include "git/store/git_repo.h"
#include "git/store/object_walk.h"
#include "git/store/pack_ingest.h"
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
// the type of a few objects (new tips, tags' targets outside the pack).
std::optional<WalkResult> cloneListAfterPush(const PackObjectIndex& pack, const PackIngest::OutsideLinks& outsideLinks,
                                             const std::vector<ObjectId>& tips, const ListBeforePush& before,
                                             GitRepo& repo);

}  // namespace oa::git
