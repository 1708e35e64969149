#include "artifacts/repo_registry.h"
#include "base/storage_keys.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "open_artifacts/errors.h"
#include "artifacts/names.h"
#include "base/random_id.h"

namespace oa {

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
  return json{{"id", r.id},
              {"name", r.name},
              {"description", optionalJson(r.description)},
              {"defaultBranch", r.defaultBranch},
              {"createdAt", r.createdAtMs},
              {"updatedAt", r.updatedAtMs},
              {"lastPushAt", optionalJson(r.lastPushAtMs)},
              {"source", optionalJson(r.source)},
              {"readOnly", r.readOnly},
              {"status", repoStatusName(r.status)},
              {"seq", r.seq},
              {"leaseUntil", optionalJson(r.leaseUntilMs)}};
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
  return fromJson(json::parse(bytesToString(*raw)));
}

uint64_t RepoRegistry::counter(const std::string& key) {
  auto raw = store_.get(key);
  return raw ? std::stoull(bytesToString(*raw)) : 0;
}

RepoRecord RepoRegistry::insert(RepoRecord record) {
  const std::string key = repoNameKey(record.name);
  if (store_.get(kRecordPrefix + key)) {
    throw ArtifactsError(ErrorCode::AlreadyExists, "repo already exists: " + record.name, "/name");
  }
  record.id = randomBase36Id(host_);
  record.seq = counter(kSeqKey) + 1;
  record.createdAtMs = record.updatedAtMs = host_.nowMs();
  WriteBatch batch;
  batch.put(kRecordPrefix + key, toJson(record).dump());
  batch.put(kIndexPrefix + indexSuffix(record), key);
  batch.put(kSeqKey, std::to_string(record.seq));
  batch.put(kCountKey, std::to_string(counter(kCountKey) + 1));
  store_.commit(batch);
  return record;
}

void RepoRegistry::update(const RepoRecord& record) {
  WriteBatch batch;
  batch.put(kRecordPrefix + repoNameKey(record.name), toJson(record).dump());
  store_.commit(batch);
}

std::optional<RepoRecord> RepoRegistry::remove(const std::string& name, const WriteBatch& also) {
  auto record = find(name);
  if (!record) return std::nullopt;
  WriteBatch batch = also;
  batch.remove(kRecordPrefix + repoNameKey(name));
  batch.remove(kIndexPrefix + indexSuffix(*record));
  const uint64_t count = counter(kCountKey);
  batch.put(kCountKey, std::to_string(count > 0 ? count - 1 : 0));
  store_.commit(batch);
  return record;
}

RepoListPage RepoRegistry::list(int limit, const std::optional<std::string>& cursor) {
  if (limit < kMinListLimit || limit > kMaxListLimit) {
    throw ArtifactsError(ErrorCode::InvalidInput, "Invalid limit: must be between 1 and 200.", "/limit");
  }
  std::string after;
  if (cursor) {
    const bool wellFormed = cursor->compare(0, kCursorVersion.size(), kCursorVersion) == 0 &&
                            isIndexSuffix(cursor->substr(kCursorVersion.size()));
    if (!wellFormed) throw ArtifactsError(ErrorCode::InvalidInput, "Invalid cursor", "/cursor");
    after = kIndexPrefix + cursor->substr(kCursorVersion.size());
  }
  RepoListPage page;
  page.total = counter(kCountKey);
  auto rows = store_.scan(kIndexPrefix, after, static_cast<size_t>(limit) + 1);
  for (size_t i = 0; i < rows.size() && page.repos.size() < static_cast<size_t>(limit); ++i) {
    auto raw = store_.get(kRecordPrefix + bytesToString(rows[i].value));
    if (raw) page.repos.push_back(fromJson(json::parse(bytesToString(*raw))));
  }
  if (rows.size() > static_cast<size_t>(limit)) {
    page.cursor = kCursorVersion + rows[limit - 1].key.substr(kIndexPrefix.size());
  }
  return page;
}

}  // namespace oa
