// Re-running a read-modify-write that lost a race (storage.h StorageConflict).
#pragma once

#include "open_artifacts/errors.h"
#include "open_artifacts/storage.h"

namespace oa {

// Runs `attempt` (which reads, decides, and commits a batch expecting what it
// read) until its batch commits: a lost race re-runs it, so it re-reads and
// decides again on what the winner wrote. Conflicts only come from writers that
// made progress, so this ends; the bound only turns a broken store into an
// error instead of a hang.
template <typename Attempt>
auto retryOnConflict(Attempt attempt) -> decltype(attempt()) {
  constexpr int kMaxAttempts = 100;
  for (int i = 1;; ++i) {
    try {
      return attempt();
    } catch (const StorageConflict&) {
      if (i == kMaxAttempts) throwError(ErrorCode::InternalError, "storage too contended to commit");
    }
  }
}

}  // namespace oa
