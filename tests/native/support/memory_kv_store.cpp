#include "support/memory_kv_store.h"

namespace oa {

std::optional<Bytes> MemoryKvStore::get(const std::string& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

std::vector<KvEntry> MemoryKvStore::scan(const std::string& prefix, const std::string& after, size_t limit) {
  std::vector<KvEntry> out;
  auto it = (after.empty() || after < prefix) ? map_.lower_bound(prefix) : map_.upper_bound(after);
  for (; it != map_.end() && out.size() < limit; ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back({it->first, it->second});
  }
  return out;
}

void MemoryKvStore::commit(const WriteBatch& batch) {
  // Expectations are checked against the map before any write (the contract).
  for (const auto& op : batch.ops()) {
    if (op.type != WriteBatch::OpType::Expect) continue;
    auto it = map_.find(op.key);
    const bool holds = op.absent ? it == map_.end() : it != map_.end() && it->second == op.value;
    if (!holds) throw StorageConflict();
  }
  // std::map operations below cannot fail half-way except on allocation
  // failure, which aborts the process anyway: the batch is all-or-nothing.
  for (const auto& op : batch.ops()) {
    if (op.type == WriteBatch::OpType::Put) map_[op.key] = op.value;
    else if (op.type == WriteBatch::OpType::Delete) map_.erase(op.key);
  }
}

}  // namespace oa
