// PackObjectIndex past its memory cap (pack_object_index.h): its blocks in
// the store. Cold code (only packs over the cap run it): built for size.
#include <algorithm>
#include <cstring>

#include "base/storage_keys.h"
#include "git/store/pack_object_index.h"

namespace oa::git {

namespace {
std::string hex(uint64_t v, int digits) {
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = "0123456789abcdef"[v & 15];
  return out;
}
}  // namespace

PackObjectIndex::PackObjectIndex(KvStore& spill, size_t maxMemoryBytes, unsigned blockBits) : PackObjectIndex() {
  spill_ = &spill;
  blockBits_ = blockBits;
  spillPrefix_ = keys::kSpillPrefix + hex(hash_.seed() * 0x9E3779B97F4A7C15ull, 16) + "/";  // random, per ingest
  // The cap's shares: an eighth for the filter, a sixteenth for late
  // entries, a block read back; the rest for entries and their table.
  filterWords_ = std::max<size_t>(maxMemoryBytes / 64, 8);  // allocated at the first spill
  maxLate_ = std::max<size_t>(maxMemoryBytes / 16 / kLateEntryBytes, 16);
  const size_t blockBytes = blockEntries() * sizeof(Entry);
  const size_t reserved = filterWords_ * 8 + maxLate_ * kLateEntryBytes + blockBytes;
  const size_t rest = maxMemoryBytes > reserved ? maxMemoryBytes - reserved : 0;
  // An entry, and its slots in a table at most 3/4 full that doubles: 11
  // bytes at most, over the table's first size.
  const size_t firstTable = slots_.size() * 4 + 11;
  const size_t entries = std::max((rest > firstTable ? rest - firstTable : 0) / (sizeof(Entry) + 11), size_t{2} << blockBits_);
  maxInMemory_ = static_cast<uint32_t>(entries >> blockBits_ << blockBits_);
}

void PackObjectIndex::spillOldest() {
  // A quarter of the blocks at a time: the table is rebuilt once per spill.
  const uint32_t count = static_cast<uint32_t>(std::max<size_t>(blocks_.size() / 4, 1));
  const size_t n = blockEntries();
  if (!filter_) filter_ = std::make_unique<uint64_t[]>(filterWords_);
  WriteBatch batch;
  std::vector<uint64_t> lastOffsets;
  for (uint32_t b = 0; b < count; ++b) {
    const Entry* block = blocks_[b].get();
    for (size_t i = 0; i < n; ++i) {
      for (unsigned p = 0; p < kFilterProbes; ++p) {
        const uint64_t bit = filterBit(block[i].id, p);
        filter_[bit / 64] |= uint64_t{1} << (bit % 64);
      }
    }
    Bytes value(n * sizeof(Entry));
    std::memcpy(value.data(), block, value.size());
    // Keyed by the last offset (then a sequence number: late entries can end
    // two blocks on one offset), so a scan from an offset finds its block.
    lastOffsets.push_back(block[n - 1].offset());
    batch.putNew(spillKey(lastOffsets.back(), spilledBlocks_ + b), std::move(value));
  }
  spill_->commit(batch);
  spilledLastOffsets_.insert(spilledLastOffsets_.end(), lastOffsets.begin(), lastOffsets.end());
  blocks_.erase(blocks_.begin(), blocks_.begin() + count);
  spilledBlocks_ += count;
  rebuildTable();  // it holds entries in memory only
}

std::string PackObjectIndex::spillKey(uint64_t lastOffset, uint32_t b) const {
  return spillPrefix_ + hex(lastOffset, 12) + hex(b, 8);
}

void PackObjectIndex::chargeBlockRead() const {
  if (budget_) budget_->charge(blockEntries() * sizeof(Entry));
}

const PackObjectIndex::Entry* PackObjectIndex::spilledBlock(uint32_t b) const {
  if (!filter_ || b >= spilledLastOffsets_.size()) return nullptr;
  chargeBlockRead();
  auto value = spill_->get(spillKey(spilledLastOffsets_[b], b));
  if (!value || value->size() != blockEntries() * sizeof(Entry)) return nullptr;
  if (!loaded_) loaded_ = std::make_unique<Entry[]>(blockEntries());
  std::memcpy(loaded_.get(), value->data(), value->size());
  return loaded_.get();
}

const PackObjectIndex::Entry* PackObjectIndex::nextSpilled(std::string& cursor) const {
  if (!filter_) return nullptr;  // none, or dropped
  auto rows = spill_->scan(spillPrefix_, cursor, 1);
  if (rows.empty() || rows[0].value.size() != blockEntries() * sizeof(Entry)) return nullptr;
  cursor = std::move(rows[0].key);
  if (!loaded_) loaded_ = std::make_unique<Entry[]>(blockEntries());
  std::memcpy(loaded_.get(), rows[0].value.data(), rows[0].value.size());
  return loaded_.get();
}

const PackObjectIndex::Entry* PackObjectIndex::spilledBlockOf(uint64_t offset) const {
  // Loaded already (git puts bases close before their deltas), when the
  // offset is inside it or is its first entry's.
  if (loaded_) {
    const Entry& first = loaded_[0];
    const Entry& last = loaded_[blockEntries() - 1];
    if (offset <= last.offset() && (first.offset() < offset || (first.offset() == offset && !first.late()))) {
      return loaded_.get();
    }
  }
  // The first block whose last offset is at least `offset` ('g' sorts after hex digits).
  if (!offset) return nullptr;
  chargeBlockRead();
  std::string cursor = spillPrefix_ + hex(offset - 1, 12) + "g";
  return nextSpilled(cursor);
}

bool PackObjectIndex::spillHolds(const ObjectId& id) const {
  std::string cursor;
  for (chargeBlockRead(); const Entry* block = nextSpilled(cursor); chargeBlockRead()) {
    for (size_t i = 0; i < blockEntries(); ++i) {
      if (block[i].id == id) return true;
    }
  }
  return false;
}

void PackObjectIndex::dropSpill() {
  WriteBatch batch;  // a key per block, known without reading it
  for (uint32_t b = 0; b < spilledLastOffsets_.size(); ++b) batch.remove(spillKey(spilledLastOffsets_[b], b));
  filter_.reset();
  loaded_.reset();
  spilledLastOffsets_.clear();
  if (!batch.empty()) spill_->commit(batch);
}

}  // namespace oa::git
