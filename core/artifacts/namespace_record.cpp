#include "artifacts/namespace_record.h"

#include <nlohmann/json.hpp>

#include "artifacts/json_io.h"
#include "base/storage_conflict_retry.h"
#include "base/storage_keys.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
using nlohmann::json;

const std::string& kRecordKey = keys::kNamespaceKey;

json toJson(const NamespaceRecord& r) {
  json out;
  out["jurisdiction"] = jurisdictionName(r.jurisdiction);
  out["createdAt"] = r.createdAtMs;
  out["updatedAt"] = r.updatedAtMs;
  return out;
}

NamespaceRecord fromJson(const Bytes& raw) {
  const json j = parseJson(raw, false);
  if (!j.is_object()) throwError(ErrorCode::InternalError, "A stored namespace record is corrupt");
  NamespaceRecord r;
  r.jurisdiction = parseJurisdiction(j.value("jurisdiction", "")).value_or(Jurisdiction::Unrestricted);
  r.createdAtMs = j.value("createdAt", int64_t{0});
  r.updatedAtMs = j.value("updatedAt", r.createdAtMs);
  return r;
}

uint64_t repoCount(KvStore& store) {
  const auto raw = store.get(keys::kRepoCountKey);
  return raw ? std::stoull(bytesToString(*raw)) : 0;
}

[[noreturn]] void throwNamespaceNotFound() { throwError(ErrorCode::NotFound, "Namespace not found"); }
}  // namespace

const char* jurisdictionName(Jurisdiction jurisdiction) {
  switch (jurisdiction) {
    case Jurisdiction::Eu: return "eu";
    case Jurisdiction::Us: return "us";
    case Jurisdiction::Unrestricted: break;
  }
  return "unrestricted";
}

std::optional<Jurisdiction> parseJurisdiction(const std::string& text) {
  if (text == "eu") return Jurisdiction::Eu;
  if (text == "us") return Jurisdiction::Us;
  return std::nullopt;
}

std::optional<NamespaceRecord> NamespaceRecordStore::find() {
  const auto raw = store_.get(kRecordKey);
  if (!raw) return std::nullopt;
  return fromJson(*raw);
}

NamespaceRecord NamespaceRecordStore::create(Jurisdiction jurisdiction) {
  return retryOnConflict([&] {
    const auto count = store_.get(keys::kRepoCountKey);
    if (store_.get(kRecordKey) || (count && bytesToString(*count) != "0")) {
      throwError(ErrorCode::AlreadyExists, "Namespace already exists", "/namespace");
    }
    NamespaceRecord r;
    r.jurisdiction = jurisdiction;
    r.createdAtMs = r.updatedAtMs = host_.nowMs();
    WriteBatch batch;
    batch.expect(kRecordKey, std::nullopt);
    batch.expect(keys::kRepoCountKey, count);  // a first repo made meanwhile: the namespace existed
    batch.put(kRecordKey, toJson(r).dump());
    store_.commit(batch);
    return r;
  });
}

NamespaceRecord NamespaceRecordStore::ensure() {
  return retryOnConflict([&] {
    if (auto existing = find()) return *existing;
    NamespaceRecord r;
    r.createdAtMs = r.updatedAtMs = host_.nowMs();
    WriteBatch batch;
    batch.expect(kRecordKey, std::nullopt);
    batch.put(kRecordKey, toJson(r).dump());
    store_.commit(batch);
    return r;
  });
}

void NamespaceRecordStore::removeIfEmpty() {
  retryOnConflict([&] {
    const auto raw = store_.get(kRecordKey);
    const auto count = store_.get(keys::kRepoCountKey);
    const uint64_t repos = repoCount(store_);
    if (!raw && repos == 0) throwNamespaceNotFound();
    if (repos > 0) {
      throwError(ErrorCode::InvalidInput,
                 "Namespace is not empty: delete its " + std::to_string(repos) + " repo(s) first", "/namespace");
    }
    WriteBatch batch;
    batch.expect(kRecordKey, raw);
    batch.expect(keys::kRepoCountKey, count);  // a repo made meanwhile keeps the namespace
    batch.remove(kRecordKey);
    // An empty namespace keeps nothing: its counters go too (so it no longer lists).
    batch.remove(keys::kRepoCountKey);
    batch.remove(keys::kRepoSeqKey);
    store_.commit(batch);
    return 0;
  });
}

}  // namespace oa
