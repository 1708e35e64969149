#include "repo_store.h"

#include "error.h"

namespace oa {

namespace {
const std::string kHeadKey = "h/HEAD";
const std::string kSymrefPrefix = "ref: ";
}  // namespace

void RepoStore::initialize(const std::string& defaultBranch) {
  WriteBatch batch;
  batch.put(kHeadKey, kSymrefPrefix + "refs/heads/" + defaultBranch);
  store_.commit(batch);
}

std::string RepoStore::headTarget() {
  auto raw = store_.get(kHeadKey);
  if (!raw) throw ArtifactsError(ErrorCode::InternalError, "repository has no HEAD");
  const std::string value = bytesToString(*raw);
  return value.substr(kSymrefPrefix.size());
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

}  // namespace oa
