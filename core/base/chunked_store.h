// A KvStore decorator that lets the core store values of any size on hosts
// whose rows are capped (kMaxValueBytes). Every stored row starts with a tag
// byte: 0 = the value follows inline; 1 = a manifest (total size, chunk count)
// whose chunks live under "~c/<key>#<index>", written in the same atomic batch.
#pragma once

#include <utility>
#include <vector>

#include "open_artifacts/storage.h"

namespace oa {

class ChunkedStore : public KvStore {
 public:
  // `chunkBytes` is configurable so tests can exercise chunking on small data.
  explicit ChunkedStore(KvStore& inner, size_t chunkBytes = kMaxValueBytes);

  std::optional<Bytes> get(const std::string& key) override;
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override;
  void commit(const WriteBatch& batch) override;
  // Values that fit a row get their tag byte in place, not a copy.
  void commitMoved(WriteBatch&& batch) override;

  KvStore& inner() { return inner_; }

  // Appends to `rawBatch` up to `limit` values under `prefix` (after key
  // `after`) exactly as stored, chunk rows included, stopping early once about
  // `maxBytes` are staged, for committing to another ChunkedStore's inner
  // store: a repo copy moves bytes without reassembling large values. Returns
  // the keys copied, in order (fewer than `limit` may still leave more).
  std::vector<std::string> copyStoredRows(const std::string& prefix, const std::string& after, size_t limit,
                                          size_t maxBytes, WriteBatch& rawBatch);
  // The same for one key: appends its stored rows to `rawBatch` and returns
  // their size in bytes (0 when the key is absent).
  size_t copyStoredRow(const std::string& key, WriteBatch& rawBatch);

 private:
  Bytes decode(const std::string& key, Bytes&& row);
  // The value and its tag byte fit one row.
  bool fitsInline(const Bytes& value) const { return value.size() + 1 <= chunkBytes_; }
  // The batch as stored rows; `Ops` non-const: inline values are moved out of it.
  template <typename Ops>
  WriteBatch encodeBatch(Ops& ops);
  // The rows that store `value` under `key` (chunks first, then its row);
  // returns the number of chunks.
  uint32_t encode(const std::string& key, const Bytes& value, std::vector<std::pair<std::string, Bytes>>& rows) const;
  // Number of chunks the row currently stored under `key` owns (0 if inline/absent).
  uint32_t existingChunkCount(const std::string& key);

  KvStore& inner_;
  size_t chunkBytes_;
};

}  // namespace oa
