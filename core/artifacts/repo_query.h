// The REST repo listing's options beyond the binding's list() (spec §4.4):
// `search` (a substring of the name), `sort` (created_at, updated_at,
// last_push_at, name) and `direction`. The binding's own order (created_at,
// newest first, no search) pages through the registry's index; any other
// order reads every record of the namespace and sorts them (its cost grows
// with the namespace, one record per repo), paged by offset.
#pragma once

#include <optional>
#include <string>

#include "artifacts/repo_registry.h"

namespace oa {

enum class RepoSort { CreatedAt, UpdatedAt, LastPushAt, Name };

constexpr size_t kMaxSearchLength = 256;

struct RepoQuery {
  int limit = kDefaultListLimit;
  std::optional<std::string> cursor;
  std::optional<std::string> search;  // case-insensitive substring of the name
  RepoSort sort = RepoSort::CreatedAt;
  bool ascending = false;

  // The binding's order: served from the registry's creation index.
  bool indexed() const { return !search && sort == RepoSort::CreatedAt && !ascending; }
};

// "created_at" ... "name"; nullopt for anything else.
std::optional<RepoSort> parseRepoSort(const std::string& text);

// A page of `records` (every record of the namespace, in any order) as
// `query` asks: filtered, sorted, from the cursor's offset. `total` counts
// the matches. INVALID_INPUT (pointer /cursor) for a cursor it did not make.
RepoListPage queryRepos(std::vector<RepoRecord> records, const RepoQuery& query);

}  // namespace oa
