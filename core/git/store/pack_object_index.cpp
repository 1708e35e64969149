#include "git/store/pack_object_index.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
constexpr unsigned kInitialBits = 10;
constexpr uint64_t kMaxOffset = (uint64_t{1} << 48) - 1;
}  // namespace

PackObjectIndex::PackObjectIndex() : slots_(size_t{1} << kInitialBits), shift_(64 - kInitialBits) {
  std::random_device random;
  seed_ = (uint64_t{random()} << 32) ^ random();
}

size_t PackObjectIndex::slotOf(const ObjectId& id) const {
  uint64_t v;
  std::memcpy(&v, id.bytes.data(), sizeof v);
  return static_cast<size_t>(((v ^ seed_) * 0x9E3779B97F4A7C15ull) >> shift_);  // Fibonacci hashing
}

uint32_t PackObjectIndex::find(const ObjectId& id) const {
  const size_t mask = slots_.size() - 1;
  for (size_t s = slotOf(id);; s = (s + 1) & mask) {
    const uint32_t slot = slots_[s];
    if (slot == 0) return kNone;
    if (at(slot - 1).id == id) return slot - 1;
  }
}

void PackObjectIndex::grow() {
  std::vector<uint32_t> old(slots_.size() * 2);
  old.swap(slots_);
  --shift_;
  const size_t mask = slots_.size() - 1;
  for (const uint32_t slot : old) {
    if (slot == 0) continue;
    size_t s = slotOf(at(slot - 1).id);
    while (slots_[s] != 0) s = (s + 1) & mask;
    slots_[s] = slot;
  }
}

void PackObjectIndex::add(uint64_t offset, const ObjectId& id, uint32_t chainWeight, Origin origin) {
  if (offset > kMaxOffset || size_ >= kNone - 1) {
    throwError(ErrorCode::MemoryLimit, "pack too large to index");
  }
  const uint64_t last = size_ ? at(size_ - 1).offset() : 0;
  const bool inOrder = size_ == 0 || last < offset;
  // Late entries repeat the last offset, so the entries stay sorted for idAt().
  const uint64_t sortKey = inOrder ? offset : last;
  const uint32_t index = size_;
  if ((index & (kBlockEntries - 1)) == 0) blocks_.push_back(std::make_unique<Entry[]>(kBlockEntries));
  blocks_.back()[index & (kBlockEntries - 1)] =
      Entry{id, static_cast<uint8_t>(std::min<uint32_t>(chainWeight, 255)), origin,
            static_cast<uint16_t>(sortKey >> 32), static_cast<uint32_t>(sortKey)};
  ++size_;
  if (!inOrder) lateOffsets_[offset] = index;
  if (origin == Origin::Repeated) return;  // the first copy answers for the id
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  const size_t mask = slots_.size() - 1;
  size_t s = slotOf(id);
  while (slots_[s] != 0) s = (s + 1) & mask;
  slots_[s] = index + 1;
}

std::optional<ObjectId> PackObjectIndex::idAt(uint64_t offset) const {
  // The first entry at or after `offset`.
  uint32_t lo = 0, hi = size_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (at(mid).offset() < offset) lo = mid + 1;
    else hi = mid;
  }
  if (lo < size_ && at(lo).offset() == offset) return at(lo).id;
  const auto late = lateOffsets_.find(offset);
  if (late != lateOffsets_.end()) return at(late->second).id;
  return std::nullopt;
}

uint32_t PackObjectIndex::chainWeight(const ObjectId& id) const {
  const uint32_t i = find(id);
  return i == kNone ? 0 : at(i).weight;
}

}  // namespace oa::git
