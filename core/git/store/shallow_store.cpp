#include "git/store/shallow_store.h"
#include "base/storage_keys.h"

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
const std::string& kShallowPrefix = keys::kShallowPrefix;
constexpr size_t kPage = 1000;
}  // namespace

const std::string& ShallowStore::keyPrefix() { return kShallowPrefix; }

bool ShallowStore::isShallow(KvStore& store) { return !store.scan(kShallowPrefix, "", 1).empty(); }

std::vector<ObjectId> ShallowStore::list() {
  std::vector<ObjectId> out;
  std::string after;
  for (;;) {
    auto rows = store_.scan(kShallowPrefix, after, kPage);
    for (const auto& row : rows) {
      auto id = ObjectId::fromHex(std::string_view(row.key).substr(kShallowPrefix.size()));
      if (!id) throwError(ErrorCode::InternalError, "corrupt shallow entry " + row.key);
      out.push_back(*id);
    }
    if (rows.size() < kPage) break;
    after = rows.back().key;
  }
  return out;
}

const std::unordered_set<ObjectId>& ShallowStore::set() {
  if (!cache_) {
    const auto ids = list();
    cache_.emplace(ids.begin(), ids.end());
  }
  return *cache_;
}

void ShallowStore::stage(WriteBatch& batch, const std::vector<ObjectId>& ids) {
  set();  // load the stored rows first, so set() includes what is staged here
  for (const auto& id : ids) {
    batch.put(kShallowPrefix + id.hex(), std::string_view("1"));
    cache_->insert(id);
  }
}

void ShallowStore::stageRemove(WriteBatch& batch, const std::vector<ObjectId>& ids) {
  set();
  for (const auto& id : ids) {
    batch.remove(kShallowPrefix + id.hex());
    cache_->erase(id);
  }
}

}  // namespace oa::git
