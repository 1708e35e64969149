// One rule for the names people write for a revision, used wherever the core
// takes one: upload-pack's "deepen-not <name>" and the content API's `ref`
// arguments (readFile, log).
//
//   "HEAD"               -> what HEAD points at
//   40 hex digits        -> that object id (its existence is not checked)
//   "refs/..."           -> that ref (with RefScope::BranchesAndTags only
//                           refs/heads/* and refs/tags/*)
//   any other "<x>"      -> refs/heads/<x>, else refs/tags/<x>: a branch wins
//                           over a tag of the same name (git's dwim prefers
//                           the tag; DESIGN.md's log({ref}) says "short
//                           branch/tag names", branch first)
//
// A candidate that is not a well-formed ref name (isValidRefName) is never
// looked up: "main..side" or "main~1" resolve to nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/ref_store.h"

namespace oa::git {

enum class RefScope {
  AnyRef,           // any full ref name, as git's upload-pack takes them
  BranchesAndTags,  // the content API shows branches and tags only
};

// The ref names `name` may mean, in the order they are tried ("HEAD" stays
// "HEAD": RefStore::resolve follows it). Empty for an object id or a name
// that can mean no ref.
std::vector<std::string> refCandidates(std::string_view name, RefScope scope = RefScope::AnyRef);

// The object `name` names: an object id as given, else the first candidate
// that exists.
std::optional<ObjectId> resolveRevision(RefStore& refs, std::string_view name, RefScope scope = RefScope::AnyRef);

}  // namespace oa::git
