// A repo's refs in its own store: "ref/<refname>" -> 40-hex object id, and
// HEAD as a symref ("h/HEAD" -> "ref: refs/heads/<branch>"). Updates are staged
// into a WriteBatch so a push can apply all of its ref changes atomically,
// after its objects are durable (DESIGN.md crash-safety order).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "git/format/object_id.h"
#include "open_artifacts/storage.h"

namespace oa::git {

struct Ref {
  std::string name;
  ObjectId id;
};

// A ref that moved: what a push or a commit reports (the zero id: absent
// before, or deleted).
struct RefUpdate {
  std::string ref;
  ObjectId before;
  ObjectId after;
};

// git check-ref-format for a full ref name pushed by a client ("refs/...").
bool isValidRefName(std::string_view name);

class RefStore {
 public:
  explicit RefStore(KvStore& store) : store_(store) {}

  // "refs/heads/main": what HEAD points at (the branch may be unborn).
  std::string headTarget();
  void stageHead(WriteBatch& batch, const std::string& target);

  std::optional<ObjectId> get(const std::string& name);
  // Like get(), but "HEAD" follows the symref.
  std::optional<ObjectId> resolve(const std::string& name);
  // All refs under `prefix`, sorted by name.
  std::vector<Ref> list(const std::string& prefix = "refs/");
  // The compare of every ref update's compare-and-swap (a push's, a
  // commit's): the ref is at `expected` right now (the zero id: absent).
  // Callers check it just before committing the batch that moves the ref,
  // with nothing in between that yields, so no other update slips in.
  bool holds(const std::string& name, const ObjectId& expected);
  // Stage setting (or, with nullopt, deleting) a ref. The batch also moves
  // the ref epoch.
  void stage(WriteBatch& batch, const std::string& name, const std::optional<ObjectId>& id);
  // A value that changes with every committed batch that moved a ref (each is
  // derived from the one before, so it never comes back). A push that gives up
  // removes the objects it stored only if no ref moved meanwhile: no other
  // push can then have come to rely on them (git/store/pack_ingest.h).
  std::string epoch();
  // Make the batch apply only if the ref still is `id` (nullopt: absent), as
  // another process sharing the store may move it meanwhile.
  void stageExpected(WriteBatch& batch, const std::string& name, const std::optional<ObjectId>& id);

 private:
  KvStore& store_;
};

}  // namespace oa::git
