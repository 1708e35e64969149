// An in-process KvStore over std::map: the native tests' storage, and the
// reference semantics the JS adapters must match.
#pragma once

#include <map>

#include "open_artifacts/storage.h"

namespace oa {

class MemoryKvStore : public KvStore {
 public:
  std::optional<Bytes> get(const std::string& key) override;
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override;
  void commit(const WriteBatch& batch) override;

  size_t size() const { return map_.size(); }
  const std::map<std::string, Bytes>& contents() const { return map_; }

 private:
  std::map<std::string, Bytes> map_;
};

}  // namespace oa
