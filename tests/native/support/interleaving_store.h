// A KvStore over another that lets a test act as a second process sharing the
// store: `beforeNextCommit` runs once, just before the next commit goes
// through (after the code under test has read what it decided on).
#pragma once

#include <functional>

#include "open_artifacts/storage.h"

namespace oa::testing {

class InterleavingStore : public KvStore {
 public:
  explicit InterleavingStore(KvStore& inner) : inner_(inner) {}
  std::optional<Bytes> get(const std::string& key) override { return inner_.get(key); }
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override {
    return inner_.scan(prefix, after, limit);
  }
  void commit(const WriteBatch& batch) override {
    if (beforeNextCommit) {
      auto other = std::move(beforeNextCommit);
      beforeNextCommit = nullptr;
      other();
    }
    ++attempts;
    inner_.commit(batch);
  }

  std::function<void()> beforeNextCommit;
  int attempts = 0;  // commits tried, refused ones included

 private:
  KvStore& inner_;
};

}  // namespace oa::testing
