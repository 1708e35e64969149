#include "base/chunked_store.h"
#include "base/storage_keys.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "open_artifacts/errors.h"

namespace oa {

namespace {
constexpr uint8_t kInline = 0;
constexpr uint8_t kManifest = 1;
constexpr size_t kManifestSize = 1 + 8 + 4;
const std::string& kChunkPrefix = keys::kChunkPrefix;

std::string chunkKey(const std::string& key, uint32_t index) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "#%08u", index);
  return kChunkPrefix + key + suffix;
}

void putBE(Bytes& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t getBE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

[[noreturn]] void corrupt(const std::string& key) {
  throwError(ErrorCode::InternalError, "A stored value is corrupt: " + key);
}
}  // namespace

ChunkedStore::ChunkedStore(KvStore& inner, size_t chunkBytes) : inner_(inner), chunkBytes_(chunkBytes) {}

Bytes ChunkedStore::decode(const std::string& key, Bytes&& row) {
  if (row.empty()) corrupt(key);
  if (row[0] == kInline) {
    row.erase(row.begin());  // in place: no second buffer per read
    return std::move(row);
  }
  if (row[0] != kManifest || row.size() != kManifestSize) corrupt(key);
  const uint64_t total = getBE(row.data() + 1, 8);
  const uint32_t count = static_cast<uint32_t>(getBE(row.data() + 9, 4));
  Bytes out;
  out.reserve(total);
  for (uint32_t i = 0; i < count; ++i) {
    auto chunk = inner_.get(chunkKey(key, i));
    if (!chunk) corrupt(key);
    out.insert(out.end(), chunk->begin(), chunk->end());
  }
  if (out.size() != total) corrupt(key);
  return out;
}

std::optional<Bytes> ChunkedStore::get(const std::string& key) {
  auto row = inner_.get(key);
  if (!row) return std::nullopt;
  return decode(key, std::move(*row));
}

std::vector<KvEntry> ChunkedStore::scan(const std::string& prefix, const std::string& after, size_t limit) {
  std::vector<KvEntry> out;
  std::string from = after;
  // Chunk rows are internal: skip them (they only match an empty or "~" prefix).
  while (out.size() < limit) {
    const size_t want = limit - out.size();
    auto rows = inner_.scan(prefix, from, want);
    for (auto& row : rows) {
      if (row.key.compare(0, kChunkPrefix.size(), kChunkPrefix) == 0) continue;
      row.value = decode(row.key, std::move(row.value));
      out.push_back(std::move(row));
    }
    if (rows.size() < want) break;
    from = rows.back().key;
  }
  return out;
}

std::vector<std::string> ChunkedStore::copyStoredRows(const std::string& prefix, const std::string& after,
                                                     size_t limit, size_t maxBytes, WriteBatch& rawBatch) {
  std::vector<std::string> keys;
  std::string from = after;
  size_t bytes = 0;
  while (keys.size() < limit && bytes < maxBytes) {
    const size_t want = std::min<size_t>(limit - keys.size(), 256);
    auto rows = inner_.scan(prefix, from, want);
    for (auto& row : rows) {
      from = row.key;
      if (row.key.compare(0, kChunkPrefix.size(), kChunkPrefix) == 0) continue;
      if (!row.value.empty() && row.value[0] == kManifest) {
        if (row.value.size() != kManifestSize) corrupt(row.key);
        const uint32_t count = static_cast<uint32_t>(getBE(row.value.data() + 9, 4));
        for (uint32_t i = 0; i < count; ++i) {
          auto chunk = inner_.get(chunkKey(row.key, i));
          if (!chunk) corrupt(row.key);
          bytes += chunk->size();
          rawBatch.putNew(chunkKey(row.key, i), std::move(*chunk));
        }
      }
      bytes += row.key.size() + row.value.size();
      keys.push_back(row.key);
      rawBatch.putNew(std::move(row.key), std::move(row.value));
      if (bytes >= maxBytes) break;
    }
    if (rows.size() < want) break;
  }
  return keys;
}

size_t ChunkedStore::copyStoredRow(const std::string& key, WriteBatch& rawBatch) {
  auto row = inner_.get(key);
  if (!row) return 0;
  size_t bytes = key.size() + row->size();
  if (!row->empty() && (*row)[0] == kManifest) {
    if (row->size() != kManifestSize) corrupt(key);
    const uint32_t count = static_cast<uint32_t>(getBE(row->data() + 9, 4));
    for (uint32_t i = 0; i < count; ++i) {
      auto chunk = inner_.get(chunkKey(key, i));
      if (!chunk) corrupt(key);
      bytes += chunk->size();
      rawBatch.putNew(chunkKey(key, i), std::move(*chunk));
    }
  }
  rawBatch.putNew(key, std::move(*row));
  return bytes;
}

uint32_t ChunkedStore::existingChunkCount(const std::string& key) {
  auto row = inner_.get(key);
  if (!row || row->empty() || (*row)[0] != kManifest || row->size() != kManifestSize) return 0;
  return static_cast<uint32_t>(getBE(row->data() + 9, 4));
}

void ChunkedStore::commit(const WriteBatch& batch) { inner_.commit(encodeBatch(batch.ops())); }

void ChunkedStore::commitMoved(WriteBatch&& batch) { inner_.commit(encodeBatch(batch.ops())); }

template <typename Ops>
WriteBatch ChunkedStore::encodeBatch(Ops& ops) {
  constexpr bool kMovable = !std::is_const_v<Ops>;
  WriteBatch out;
  out.reserve(ops.size());
  for (auto& op : ops) {
    if (op.type == WriteBatch::OpType::Expect) {
      // The value as it would be stored: its row, and its chunks when it has any.
      if (op.absent) {
        out.expect(op.key, std::nullopt);
        continue;
      }
      std::vector<std::pair<std::string, Bytes>> rows;
      encode(op.key, op.value, rows);
      for (auto& [key, row] : rows) out.expect(std::move(key), std::move(row));
      continue;
    }
    // Chunks of the value being replaced or deleted would otherwise leak.
    const uint32_t oldChunks = op.fresh ? 0 : existingChunkCount(op.key);
    uint32_t newChunks = 0;
    if (op.isDelete()) {
      out.remove(op.key);
    } else if (kMovable && fitsInline(op.value)) {
      if constexpr (kMovable) {
        op.value.insert(op.value.begin(), kInline);  // in place when the value has room (object records do)
        out.put(op.key, std::move(op.value));
      }
    } else {
      std::vector<std::pair<std::string, Bytes>> rows;
      newChunks = encode(op.key, op.value, rows);
      for (auto& [key, row] : rows) out.put(std::move(key), std::move(row));
    }
    for (uint32_t i = newChunks; i < oldChunks; ++i) out.remove(chunkKey(op.key, i));
  }
  return out;
}

uint32_t ChunkedStore::encode(const std::string& key, const Bytes& value,
                              std::vector<std::pair<std::string, Bytes>>& rows) const {
  if (fitsInline(value)) {
    Bytes row;
    row.reserve(value.size() + 1);
    row.push_back(kInline);
    row.insert(row.end(), value.begin(), value.end());
    rows.emplace_back(key, std::move(row));
    return 0;
  }
  uint32_t chunks = 0;
  for (size_t off = 0; off < value.size(); off += chunkBytes_, ++chunks) {
    const size_t n = std::min(chunkBytes_, value.size() - off);
    rows.emplace_back(chunkKey(key, chunks), Bytes(value.begin() + off, value.begin() + off + n));
  }
  Bytes manifest{kManifest};
  putBE(manifest, value.size(), 8);
  putBE(manifest, chunks, 4);
  rows.emplace_back(key, std::move(manifest));
  return chunks;
}

}  // namespace oa
