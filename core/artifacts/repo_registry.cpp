#include "artifacts/repo_registry.h"
#include "artifacts/json_io.h"
#include "base/storage_keys.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "open_artifacts/errors.h"
#include "artifacts/names.h"
#include "base/random_id.h"
#include "base/storage_conflict_retry.h"

namespace oa {

ArtifactsError notReadyError(RepoStatus status, const std::string& name) {
  switch (status) {
    case RepoStatus::Creating:
      return ArtifactsError(ErrorCode::CreateInProgress, "Repository is still being created: " + name);
    case RepoStatus::Importing:
      return ArtifactsError(ErrorCode::ImportInProgress, "Repository is still importing: " + name);
    case RepoStatus::Forking:
      return ArtifactsError(ErrorCode::ForkInProgress, "Repository is still forking: " + name);
    case RepoStatus::Ready:
      break;
  }
  return ArtifactsError(ErrorCode::InternalError, "unexpected repository status");
}

namespace {
using nlohmann::json;

const std::string& kRecordPrefix = keys::kRepoRecordPrefix;
const std::string& kIndexPrefix = keys::kRepoIndexPrefix;
const std::string& kCountKey = keys::kRepoCountKey;
const std::string& kSeqKey = keys::kRepoSeqKey;
const std::string kCursorVersion = "v1.";
constexpr uint64_t kInvertBase = 9999999999999999ULL;  // 16 digits

template <typename T>
json optionalJson(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json toJson(const RepoRecord& r) {
  json out;
  out["id"] = r.id;
  out["name"] = r.name;
  out["description"] = optionalJson(r.description);
  out["defaultBranch"] = r.defaultBranch;
  out["createdAt"] = r.createdAtMs;
  out["updatedAt"] = r.updatedAtMs;
  out["lastPushAt"] = optionalJson(r.lastPushAtMs);
  out["source"] = optionalJson(r.source);
  out["readOnly"] = r.readOnly;
  out["status"] = repoStatusName(r.status);
  out["seq"] = r.seq;
  out["leaseUntil"] = optionalJson(r.leaseUntilMs);
  return out;
}

RepoStatus parseStatus(const std::string& s) {
  if (s == "creating") return RepoStatus::Creating;
  if (s == "importing") return RepoStatus::Importing;
  if (s == "forking") return RepoStatus::Forking;
  return RepoStatus::Ready;
}

RepoRecord fromJson(const json& j) {
  RepoRecord r;
  r.id = j.at("id").get<std::string>();
  r.name = j.at("name").get<std::string>();
  if (!j.at("description").is_null()) r.description = j.at("description").get<std::string>();
  r.defaultBranch = j.at("defaultBranch").get<std::string>();
  r.createdAtMs = j.at("createdAt").get<int64_t>();
  r.updatedAtMs = j.at("updatedAt").get<int64_t>();
  if (!j.at("lastPushAt").is_null()) r.lastPushAtMs = j.at("lastPushAt").get<int64_t>();
  if (!j.at("source").is_null()) r.source = j.at("source").get<std::string>();
  r.readOnly = j.at("readOnly").get<bool>();
  r.status = parseStatus(j.at("status").get<std::string>());
  r.seq = j.at("seq").get<uint64_t>();
  if (j.contains("leaseUntil") && !j.at("leaseUntil").is_null()) r.leaseUntilMs = j.at("leaseUntil").get<int64_t>();
  return r;
}

// "<inverted createdAt>.<inverted seq>": sorts newest first.
std::string indexSuffix(const RepoRecord& r) {
  char buf[48];
  const uint64_t ms = r.createdAtMs < 0 ? 0 : static_cast<uint64_t>(r.createdAtMs);
  std::snprintf(buf, sizeof buf, "%016llu.%016llu", static_cast<unsigned long long>(kInvertBase - ms),
                static_cast<unsigned long long>(kInvertBase - r.seq));
  return buf;
}

bool isIndexSuffix(const std::string& s) {
  if (s.size() != 33 || s[16] != '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != 16 && (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

}  // namespace

const char* repoStatusName(RepoStatus status) {
  switch (status) {
    case RepoStatus::Creating: return "creating";
    case RepoStatus::Importing: return "importing";
    case RepoStatus::Forking: return "forking";
    case RepoStatus::Ready: return "ready";
  }
  return "ready";
}

std::optional<RepoRecord> RepoRegistry::find(const std::string& name) {
  auto raw = store_.get(kRecordPrefix + repoNameKey(name));
  if (!raw) return std::nullopt;
  return fromJson(parseJson(*raw));
}

uint64_t RepoRegistry::counter(const std::optional<Bytes>& raw) {
  return raw ? std::stoull(bytesToString(*raw)) : 0;
}

RepoRecord RepoRegistry::insert(RepoRecord record) {
  const std::string key = kRecordPrefix + repoNameKey(record.name);
  return retryOnConflict([&] {
    if (store_.get(key)) {
      throwError(ErrorCode::AlreadyExists, "repo already exists: " + record.name, "/name");
    }
    RepoRecord r = record;
    const auto seq = store_.get(kSeqKey);
    const auto count = store_.get(kCountKey);
    r.id = randomBase36Id(host_);
    r.seq = counter(seq) + 1;
    r.createdAtMs = r.updatedAtMs = host_.nowMs();
    WriteBatch batch;
    // Another process creating this name, or any name (the counters), meanwhile loses us the race.
    batch.expect(key, std::nullopt);
    batch.expect(kSeqKey, seq);
    batch.expect(kCountKey, count);
    batch.put(key, toJson(r).dump());
    batch.put(kIndexPrefix + indexSuffix(r), repoNameKey(r.name));
    batch.put(kSeqKey, std::to_string(r.seq));
    batch.put(kCountKey, std::to_string(counter(count) + 1));
    store_.commit(batch);
    return r;
  });
}

std::optional<RepoRecord> RepoRegistry::update(const std::string& name,
                                               const std::function<bool(RepoRecord&)>& change) {
  const std::string key = kRecordPrefix + repoNameKey(name);
  return retryOnConflict([&]() -> std::optional<RepoRecord> {
    auto raw = store_.get(key);
    if (!raw) return std::nullopt;
    RepoRecord record = fromJson(parseJson(*raw));
    if (!change(record)) return std::nullopt;
    WriteBatch batch;
    batch.expect(key, std::move(raw));  // removed or rewritten meanwhile: decide again
    batch.put(key, toJson(record).dump());
    store_.commit(batch);
    return record;
  });
}

std::optional<RepoRecord> RepoRegistry::remove(const std::string& name,
                                               const std::function<bool(const RepoRecord&)>& shouldRemove,
                                               const std::function<void(const RepoRecord&, WriteBatch&)>& also) {
  const std::string key = kRecordPrefix + repoNameKey(name);
  return retryOnConflict([&]() -> std::optional<RepoRecord> {
    auto raw = store_.get(key);
    if (!raw) return std::nullopt;
    RepoRecord record = fromJson(parseJson(*raw));
    if (!shouldRemove(record)) return std::nullopt;
    const auto count = store_.get(kCountKey);
    WriteBatch batch;
    batch.expect(key, std::move(raw));
    batch.expect(kCountKey, count);
    if (also) also(record, batch);
    batch.remove(key);
    batch.remove(kIndexPrefix + indexSuffix(record));
    const uint64_t n = counter(count);
    batch.put(kCountKey, std::to_string(n > 0 ? n - 1 : 0));
    store_.commit(batch);
    return record;
  });
}

RepoListPage RepoRegistry::list(int limit, const std::optional<std::string>& cursor) {
  if (limit < kMinListLimit || limit > kMaxListLimit) {
    throwError(ErrorCode::InvalidInput, "Invalid limit: must be between 1 and 200.", "/limit");
  }
  std::string after;
  if (cursor) {
    const bool wellFormed = cursor->compare(0, kCursorVersion.size(), kCursorVersion) == 0 &&
                            isIndexSuffix(cursor->substr(kCursorVersion.size()));
    if (!wellFormed) throwError(ErrorCode::InvalidInput, "Invalid cursor", "/cursor");
    after = kIndexPrefix + cursor->substr(kCursorVersion.size());
  }
  RepoListPage page;
  page.total = counter(store_.get(kCountKey));
  auto rows = store_.scan(kIndexPrefix, after, static_cast<size_t>(limit) + 1);
  for (size_t i = 0; i < rows.size() && page.repos.size() < static_cast<size_t>(limit); ++i) {
    auto raw = store_.get(kRecordPrefix + bytesToString(rows[i].value));
    if (raw) page.repos.push_back(fromJson(parseJson(*raw)));
  }
  if (rows.size() > static_cast<size_t>(limit)) {
    page.cursor = kCursorVersion + rows[limit - 1].key.substr(kIndexPrefix.size());
  }
  return page;
}

void RepoRegistry::forEach(const std::function<void(RepoRecord&&)>& visit) {
  constexpr size_t kPage = 256;
  std::string after;
  for (;;) {
    auto rows = store_.scan(kRecordPrefix, after, kPage);
    for (auto& row : rows) visit(fromJson(parseJson(row.value)));
    if (rows.size() < kPage) return;
    after = rows.back().key;
  }
}

uint64_t RepoRegistry::count() { return counter(store_.get(kCountKey)); }

}  // namespace oa
