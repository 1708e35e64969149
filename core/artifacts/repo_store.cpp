#include "artifacts/repo_store.h"
#include "base/storage_keys.h"

#include "git/store/ref_store.h"

namespace oa {

namespace {
using keys::kAlternateKey;
using keys::kBorrowerPrefix;
using keys::kLenderKey;
using keys::kRetiredKey;
}  // namespace

void RepoStore::initialize(const std::string& defaultBranch) {
  WriteBatch batch;
  git::RefStore(store_).stageHead(batch, "refs/heads/" + defaultBranch);
  store_.commit(batch);
}

void RepoStore::destroy(KvStore& rawStore) {
  for (;;) {
    auto rows = rawStore.scan("", "", 512);
    if (rows.empty()) return;
    WriteBatch batch;
    for (const auto& row : rows) batch.remove(row.key);
    rawStore.commit(batch);
  }
}

std::optional<std::string> RepoStore::alternate() {
  auto raw = store_.get(kAlternateKey);
  if (!raw) return std::nullopt;
  return bytesToString(*raw);
}

void RepoStore::stageAlternate(WriteBatch& batch, const std::string& repoId) { batch.put(kAlternateKey, repoId); }

std::optional<std::string> RepoStore::lender() {
  auto raw = store_.get(kLenderKey);
  if (!raw) return std::nullopt;
  return bytesToString(*raw);
}

void RepoStore::setLender(const std::optional<std::string>& repoId) {
  WriteBatch batch;
  if (repoId) batch.put(kLenderKey, *repoId);
  else batch.remove(kLenderKey);
  store_.commit(batch);
}

void RepoStore::addBorrower(const std::string& repoId) {
  WriteBatch batch;
  batch.put(kBorrowerPrefix + repoId, std::string_view(""));
  store_.commit(batch);
}

void RepoStore::removeBorrower(const std::string& repoId) {
  WriteBatch batch;
  batch.remove(kBorrowerPrefix + repoId);
  store_.commit(batch);
}

bool RepoStore::hasBorrowers() { return !store_.scan(kBorrowerPrefix, "", 1).empty(); }

void RepoStore::retire() {
  WriteBatch batch;
  batch.put(kRetiredKey, std::string_view(""));
  store_.commit(batch);
}

bool RepoStore::retired() { return store_.get(kRetiredKey).has_value(); }

}  // namespace oa
