// The host storage callback (DESIGN.md "Storage"): a synchronous, ordered
// key-value store with an all-or-nothing batch. Keys are byte strings compared
// bytewise; the core keeps them well-formed UTF-8 (JS hosts keep them as strings). Hosts guarantee values of at
// least kMaxValueBytes; ChunkedStore splits anything larger.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "open_artifacts/bytes.h"

namespace oa {

// Largest value a host must accept in one row (Durable Object rows hold 2 MB).
constexpr size_t kMaxValueBytes = 1024 * 1024;

struct KvEntry {
  std::string key;
  Bytes value;
};

// Writes applied atomically by KvStore::commit, in order, under optional
// expectations: a batch with expect() ops applies only if every expected key
// holds exactly the expected value (or is absent) when it commits, checked
// against the store as it was before the batch's writes; otherwise nothing is
// written and commit throws StorageConflict. This is how a read-modify-write
// stays correct with several processes on one store (RepoRegistry).
class WriteBatch {
 public:
  enum class OpType { Put, Delete, Expect };
  struct Op {
    OpType type;
    std::string key;
    Bytes value;         // Put: the new value; Expect: the value the key must hold
    bool fresh = false;  // Put: the caller knows the key is absent (lets ChunkedStore skip a read)
    bool absent = false;  // Expect: the key must be absent (value unused)
    bool isDelete() const { return type == OpType::Delete; }
  };

  void put(std::string key, Bytes value) { ops_.push_back({OpType::Put, std::move(key), std::move(value)}); }
  // A put of a key the caller has just seen absent (e.g. a new git object).
  void putNew(std::string key, Bytes value) { ops_.push_back({OpType::Put, std::move(key), std::move(value), true}); }
  void put(std::string key, std::string_view text) { put(std::move(key), Bytes(text.begin(), text.end())); }
  void remove(std::string key) { ops_.push_back({OpType::Delete, std::move(key), {}}); }
  // The batch applies only if `key` holds exactly `value` (nullopt: is absent).
  void expect(std::string key, std::optional<Bytes> value) {
    const bool absent = !value;
    ops_.push_back({OpType::Expect, std::move(key), value ? std::move(*value) : Bytes{}, false, absent});
  }

  const std::vector<Op>& ops() const { return ops_; }
  std::vector<Op>& ops() { return ops_; }
  bool empty() const { return ops_.empty(); }
  void reserve(size_t ops) { ops_.reserve(ops); }

 private:
  std::vector<Op> ops_;
};

// A batch's expectation did not hold: nothing of it was written. The writer
// re-reads and decides again (it lost a race with another writer).
class StorageConflict : public std::runtime_error {
 public:
  StorageConflict() : std::runtime_error("storage conflict: an expected value changed") {}
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  virtual std::optional<Bytes> get(const std::string& key) = 0;
  // Entries whose key starts with `prefix` and sorts strictly after `after`
  // (empty = from the start), in key order, at most `limit` of them.
  virtual std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) = 0;
  // Applies every op or none; StorageConflict (nothing applied) when an
  // expect() op does not hold.
  virtual void commit(const WriteBatch& batch) = 0;
  // commit() of a batch the caller is done with: a store that rewrites values
  // may take them over instead of copying (a push's batches are megabytes).
  virtual void commitMoved(WriteBatch&& batch) { commit(batch); }
};

// Opens a repo's storage handle by repo id (a Durable Object, or a key prefix
// of one SQLite file). The returned store lives as long as the provider.
class RepoStorageProvider {
 public:
  virtual ~RepoStorageProvider() = default;
  virtual KvStore& openRepo(const std::string& repoId) = 0;
  // True when one repo's store may read another's synchronously (one backing
  // store: SQLite, memory), so a fork can borrow its parent's objects instead
  // of copying them. False for stores in separate places (a Durable Object
  // per repo): forks copy.
  virtual bool sharesStorage() const { return false; }
  // The ids of every repo store there is, for a sweep of stores no registry
  // names; nullopt when the host cannot list them.
  virtual std::optional<std::vector<std::string>> repoIds() { return std::nullopt; }
};

}  // namespace oa
