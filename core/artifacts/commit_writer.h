// A commit written without a git client (our extension, commit_request.h):
// the files' blobs, the trees along their paths (git/store/tree_editor.h)
// and the commit are staged in one storage batch with the branch's move, a
// compare-and-swap exactly as a push's (RefStore::holds), so either all of it
// is stored or nothing is. Only the trees along the changed paths are read:
// memory follows the files written, not the repo.
//
// Semantics:
// - The branch (default: the one HEAD names) moves from its current commit,
//   the new commit's only parent. A branch that does not exist yet is
//   created, starting from the commit HEAD points at (a root commit when
//   HEAD's branch is unborn too, as in an empty repo).
// - expectedHead: the branch must be at that commit (40 zeros: must not
//   exist), else ALREADY_EXISTS (HTTP 409, pointer /expectedHead): the
//   branch moved. The same code when a push moves it while the commit is
//   written (the final compare-and-swap fails).
// - A commit that leaves the tree as its parent's is refused (INVALID_INPUT,
//   as `git commit` refuses one) unless allowEmpty.
// - The message is stored with a final newline added when it has none (as
//   `git commit -m` does); readCommit() shows it without.
#pragma once

#include <cstdint>
#include <vector>

#include "artifacts/commit_request.h"
#include "git/store/ref_store.h"
#include "git/store/repo_context.h"

namespace oa {

// What a commit did: enough for a `pushed` event (spec §9.1) as a push
// reports it (receive_pack.h PushOutcome): the ref moved (`before` is zero
// when the branch was created) and the new commit, its tree and parents.
struct CommitOutcome {
  git::RefUpdate update;
  git::ObjectId tree;
  std::vector<git::ObjectId> parents;
};

// `request` was accepted by checkCommitRequest(); file contents are moved out
// of it as their blobs are made. `nowSeconds` dates identities without one.
// Throws INVALID_INPUT (paths the tree does not allow, an empty commit),
// ALREADY_EXISTS (the branch moved), MEMORY_LIMIT (the repo's stored-size
// limit), and leaves storage as it was. Drop `repo` after a failure: its
// object store took the unwritten objects for stored (ObjectWriter).
CommitOutcome writeCommit(git::RepoContext& repo, CommitRequest& request, uint64_t maxRepoBytes, int64_t nowSeconds);

}  // namespace oa
