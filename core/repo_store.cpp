#include "repo_store.h"

#include "git/ref_store.h"

namespace oa {

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

}  // namespace oa
