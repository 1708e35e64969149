// What a fork that borrows its parent's objects (ObjectStore alternates) may
// see. It reads the parent's records in place, including ones pushed to the
// parent after the fork and branches the fork did not take, so a borrowed
// object counts for the fork only when the fork's own refs reach it (git's
// allow-reachable-sha1-in-want). Every place a client names an object by id
// asks here: fetch wants, haves (ACK/NAK), shallow and deepen-not lines,
// object-info, a push's references and its thin-pack delta bases, and the
// content reads of a raw sha (artifacts/content_reads.h). A hidden object then
// looks exactly like a missing one.
//
// Also in time: visible() never asks storage whether (or as what) the parent
// stores an id it cannot prove visible from the fork's own rows and refs; it
// does the same reachability work for a hidden id as for one never stored
// (anyone can compute the id of guessed content, so a faster "missing" would
// confirm guesses of the parent's files). Callers ask visible() BEFORE
// asking storage about the id. The work is done once per instance (one per
// request): the set of ids the fork's refs reach, as large as the fork's
// history (what a clone's walk holds anyway), read from the walk cache
// (walk_cache.h) when a clone of the same tips left it there.
#pragma once

#include <unordered_set>
#include <vector>

#include "git/store/repo_context.h"

namespace oa::git {

class ForkVisibility {
 public:
  explicit ForkVisibility(RepoContext& repo);

  // True for an object stored in the fork's own rows or reachable from its
  // refs. Its cost does not depend on whether the parent stores `id`.
  bool visible(const ObjectId& id);
  // Visible commits whose trees the caller expects to be referred to (a
  // push's parents, the refs it updates): trees and blobs are looked for
  // there before walking everything the refs reach.
  void preferTreesOf(const std::vector<ObjectId>& commits);

 private:
  void walkRefs(bool commitsOnly);
  bool inPreferredTrees(const ObjectId& id);

  RepoContext& repo_;
  std::unordered_set<ObjectId> tips_, reachable_;
  bool walkedCommits_ = false, walkedAll_ = false, triedCache_ = false;
  std::vector<ObjectId> preferred_;                 // commits whose trees are not enumerated yet
  std::unordered_set<ObjectId> preferredObjects_;  // trees and blobs under those enumerated
};

}  // namespace oa::git
