#include "git/store/pack_object_index.h"

#include <algorithm>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
constexpr unsigned kInitialBits = 10;
constexpr uint64_t kMaxOffset = (uint64_t{1} << 47) - 1;
}  // namespace

PackObjectIndex::PackObjectIndex() : slots_(size_t{1} << kInitialBits), shift_(64 - kInitialBits) {}

size_t PackObjectIndex::slotOf(const ObjectId& id) const { return hash_.slot(id, shift_); }

uint32_t PackObjectIndex::find(const ObjectId& id) const {
  const size_t mask = slots_.size() - 1;
  for (size_t s = slotOf(id);; s = (s + 1) & mask) {
    const uint32_t slot = slots_[s];
    if (slot == 0) return kNone;
    if (at(slot - 1).id == id) return slot - 1;
  }
}

void PackObjectIndex::insertSlot(uint32_t index) {
  const size_t mask = slots_.size() - 1;
  size_t s = slotOf(at(index).id);
  while (slots_[s] != 0) s = (s + 1) & mask;
  slots_[s] = index + 1;
}

void PackObjectIndex::grow() {
  std::vector<uint32_t> old(slots_.size() * 2);
  old.swap(slots_);
  --shift_;
  for (const uint32_t slot : old) {
    if (slot != 0) insertSlot(slot - 1);
  }
}

namespace {
[[noreturn, gnu::noinline, gnu::cold]] void tooLarge(const char* what) { throwError(ErrorCode::MemoryLimit, what); }
}  // namespace

void PackObjectIndex::addLate(uint64_t offset, uint32_t index) {
  if (lateOffsets_.size() >= maxLate_) tooLarge("too many deltas waiting for bases later in the pack");
  lateOffsets_[offset] = index;
}

void PackObjectIndex::add(uint64_t offset, const ObjectId& id, uint32_t chainWeight, Origin origin, ObjectType type,
                          bool linked) {
  if (offset > kMaxOffset || size_ >= kNone - 1) tooLarge("pack too large to index");
  const uint64_t last = size_ ? at(size_ - 1).offset() : 0;  // in memory: a spill leaves a block
  const bool inOrder = size_ == 0 || last < offset;
  if (!inOrder) addLate(offset, size_);
  // Late entries repeat the last offset, so the entries stay sorted for idAt().
  const uint64_t sortKey = inOrder ? offset : last;
  const uint32_t index = size_;
  if ((index & (blockEntries() - 1)) == 0) blocks_.push_back(std::make_unique<Entry[]>(blockEntries()));
  blocks_.back()[index & (blockEntries() - 1)] =
      Entry{id, static_cast<uint8_t>(std::min<uint32_t>(chainWeight, 255)),
            static_cast<uint8_t>(static_cast<unsigned>(origin) | (static_cast<unsigned>(type) & 7u) << 2 |
                                 (linked ? 0x20u : 0u)),
            static_cast<uint16_t>((sortKey >> 32) | (inOrder ? 0 : 0x8000u)), static_cast<uint32_t>(sortKey)};
  ++size_;
  if (origin == Origin::Repeated) return;  // the first copy answers for the id
  if ((++inTable_ + 1) * 4 > slots_.size() * 3) grow();
  insertSlot(index);
}

std::optional<ObjectType> PackObjectIndex::markLinked(const ObjectId& id) {
  const uint32_t i = find(id);
  if (i == kNone) return std::nullopt;
  Entry& e = blocks_[(i >> blockBits_) - spilledBlocks_][i & (blockEntries() - 1)];
  e.bits |= 0x20u;
  return e.type();
}

void PackObjectIndex::rebuildTable() {
  std::fill(slots_.begin(), slots_.end(), 0);
  inTable_ = 0;
  for (uint32_t i = firstInMemory(); i < size_; ++i) {
    if (at(i).origin() != Origin::Repeated) {
      ++inTable_;
      insertSlot(i);
    }
  }
}

uint64_t PackObjectIndex::filterBit(const ObjectId& id, unsigned probe) const {
  return (hash_.mix(id, 4 * probe) >> 11) % (filterWords_ * 64);
}

bool PackObjectIndex::maybeSpilled(const ObjectId& id) const {
  if (!filter_) return false;
  for (unsigned p = 0; p < kFilterProbes; ++p) {
    const uint64_t bit = filterBit(id, p);
    if (!(filter_[bit / 64] >> (bit % 64) & 1)) return false;
  }
  return true;
}

std::optional<ObjectId> PackObjectIndex::idAt(uint64_t offset) const {
  const auto late = lateOffsets_.find(offset);
  if (late != lateOffsets_.end()) {
    const uint32_t i = late->second;
    if (i >= firstInMemory()) return at(i).id;
    const Entry* block = spilledBlock(i >> blockBits_);  // spilled: its block is the (i >> blockBits_)th
    if (!block) return std::nullopt;
    return block[i & (blockEntries() - 1)].id;
  }
  // The first entry at or after `offset` (late entries repeat an offset after its own entry).
  const uint32_t first = firstInMemory();
  uint32_t lo = first, hi = size_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (at(mid).offset() < offset) lo = mid + 1;
    else hi = mid;
  }
  if (lo < size_ && at(lo).offset() == offset && !at(lo).late()) return at(lo).id;
  if (first == 0 || (first < size_ && offset > at(first).offset())) return std::nullopt;
  const Entry* block = spilledBlockOf(offset);
  if (!block) return std::nullopt;
  const Entry* end = block + blockEntries();
  const Entry* e = std::lower_bound(block, end, offset, [](const Entry& x, uint64_t o) { return x.offset() < o; });
  if (e != end && e->offset() == offset && !e->late()) return e->id;
  return std::nullopt;
}

void PackObjectIndex::forEach(Origin origin, void (*call)(void*, const ObjectId&), void* f) const {
  std::string cursor;
  while (const Entry* block = nextSpilled(cursor)) {
    for (size_t i = 0; i < blockEntries(); ++i) {
      if (block[i].origin() == origin) call(f, block[i].id);
    }
  }
  for (uint32_t i = firstInMemory(); i < size_; ++i) {
    if (at(i).origin() == origin) call(f, at(i).id);
  }
}

uint32_t PackObjectIndex::chainWeight(const ObjectId& id) const {
  const uint32_t i = find(id);
  return i == kNone ? 0 : at(i).weight;
}

}  // namespace oa::git
