#include "artifacts/repo_query.h"

#include <algorithm>

#include "artifacts/names.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
// Offset cursors; the registry's index cursors start "v1." instead.
const std::string kOffsetCursor = "o1.";

size_t cursorOffset(const std::optional<std::string>& cursor) {
  if (!cursor) return 0;
  const std::string digits = cursor->substr(std::min(cursor->size(), kOffsetCursor.size()));
  const bool wellFormed = cursor->compare(0, kOffsetCursor.size(), kOffsetCursor) == 0 && !digits.empty() &&
                          digits.size() <= 9 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!wellFormed) throwError(ErrorCode::InvalidInput, "Invalid cursor", "/cursor");
  return std::stoul(digits);
}

// Timestamps that may be absent (last_push_at) sort after every present one,
// whatever the direction; ties fall back to the name, then the id.
int64_t sortKey(const RepoRecord& r, RepoSort sort) {
  switch (sort) {
    case RepoSort::CreatedAt: return r.createdAtMs;
    case RepoSort::UpdatedAt: return r.updatedAtMs;
    case RepoSort::LastPushAt: return r.lastPushAtMs.value_or(0);
    case RepoSort::Name: break;
  }
  return 0;
}
}  // namespace

std::optional<RepoSort> parseRepoSort(const std::string& text) {
  if (text == "created_at") return RepoSort::CreatedAt;
  if (text == "updated_at") return RepoSort::UpdatedAt;
  if (text == "last_push_at") return RepoSort::LastPushAt;
  if (text == "name") return RepoSort::Name;
  return std::nullopt;
}

RepoListPage queryRepos(std::vector<RepoRecord> records, const RepoQuery& query) {
  const size_t offset = cursorOffset(query.cursor);
  if (query.search) {
    const std::string needle = repoNameKey(*query.search);
    records.erase(std::remove_if(records.begin(), records.end(),
                                 [&](const RepoRecord& r) { return repoNameKey(r.name).find(needle) == std::string::npos; }),
                  records.end());
  }
  const RepoSort sort = query.sort;
  const bool asc = query.ascending;
  std::sort(records.begin(), records.end(), [&](const RepoRecord& a, const RepoRecord& b) {
    if (sort == RepoSort::LastPushAt && a.lastPushAtMs.has_value() != b.lastPushAtMs.has_value()) {
      return a.lastPushAtMs.has_value();
    }
    if (sort != RepoSort::Name) {
      const int64_t ka = sortKey(a, sort);
      const int64_t kb = sortKey(b, sort);
      if (ka != kb) return asc ? ka < kb : ka > kb;
      if (sort == RepoSort::CreatedAt && a.seq != b.seq) return asc ? a.seq < b.seq : a.seq > b.seq;
    }
    const std::string na = repoNameKey(a.name);
    const std::string nb = repoNameKey(b.name);
    if (na != nb) return sort == RepoSort::Name && !asc ? na > nb : na < nb;
    return a.id < b.id;
  });
  RepoListPage page;
  page.total = records.size();
  const size_t end = std::min(records.size(), offset + static_cast<size_t>(query.limit));
  for (size_t i = offset; i < end; ++i) page.repos.push_back(std::move(records[i]));
  if (end < records.size()) page.cursor = kOffsetCursor + std::to_string(end);
  return page;
}

}  // namespace oa
