// One repository's own storage handle: its refs, objects and tokens live here
// (DESIGN.md "Storage"), so a repo can sit in its own Durable Object. This
// file covers a repo's life cycle; refs and objects are core/git/'s.
#pragma once

#include <optional>
#include <string>

#include "open_artifacts/storage.h"

namespace oa {

class RepoStore {
 public:
  explicit RepoStore(KvStore& store) : store_(store) {}

  // A new, empty repo: HEAD is a symref to the (unborn) default branch.
  void initialize(const std::string& defaultBranch);
  // Deletes every row of the repo, in bounded batches.
  static void destroy(KvStore& rawStore);

  // Object sharing between a fork and its parent (git's alternates): the fork
  // names the repo it borrows objects from; the parent lists its borrowers,
  // and outlives its own deletion ("retired": no name, objects kept) until
  // the last of them is gone.
  std::optional<std::string> alternate();
  void stageAlternate(WriteBatch& batch, const std::string& repoId);
  // The repo this one holds a borrower row on (its parent, while a copy runs
  // or for good when it reads the parent's objects). Written before that row,
  // so deleting this repo always returns it, whatever point a crash hit.
  std::optional<std::string> lender();
  void setLender(const std::optional<std::string>& repoId);
  void addBorrower(const std::string& repoId);
  void removeBorrower(const std::string& repoId);
  bool hasBorrowers();
  void retire();
  bool retired();

 private:
  KvStore& store_;
};

}  // namespace oa
