#include "git/format/pack_parser.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "open_artifacts/errors.h"
#include "git/format/delta.h"

namespace oa::git {

namespace {
[[noreturn]] void fail(const std::string& message) { throwError(ErrorCode::InvalidInput, message); }

std::string at(uint64_t offset) { return "pack entry at offset " + std::to_string(offset) + ": "; }

constexpr size_t kPackHeaderSize = 12;
// Upfront output reservation for one entry; larger entries grow as they inflate.
constexpr uint64_t kInitialReserve = 1 << 20;

// A deflate stream may legitimately be slightly larger than its output (stored
// blocks, tiny objects), but not unboundedly: empty blocks would otherwise let
// a client make us buffer an endless "entry". Twice the output plus 1 KiB is
// far above anything a real encoder produces.
uint64_t compressedLimit(uint64_t inflatedSize) { return 2 * inflatedSize + 1024; }
}  // namespace

PackParser::PackParser(PackLimits limits) : limits_(limits) {}

size_t PackParser::write(const uint8_t* data, size_t n, const std::function<void(PackEntry&&)>& onEntry) {
  if (state_ == State::Failed) fail("pack parser cannot continue after an error");
  pauseRequested_ = false;
  try {
    size_t pos = 0;
    while (pos < n && !pauseRequested_) {
      const State before = state_;
      const uint8_t* p = data + pos;
      const size_t left = n - pos;
      size_t used = 0;
      switch (before) {
        case State::Header: used = readHeader(p, left); break;
        case State::EntryHeader: used = readEntryHeader(p, left); break;
        case State::OfsBase: used = readOfsBase(p, left); break;
        case State::RefBase: used = readRefBase(p, left); break;
        case State::Data: used = readData(p, left, onEntry); break;
        case State::Trailer: used = readTrailer(p, left); break;
        case State::Done:
          fail("unexpected bytes after the pack's trailing checksum (offset " + std::to_string(bytesConsumed_) + ")");
        case State::Failed: fail("pack parser cannot continue after an error");
      }
      // The trailer is the checksum of everything before it.
      if (before != State::Trailer) sha_.update(p, used);
      pos += used;
      bytesConsumed_ += used;
    }
    return pos;
  } catch (...) {
    state_ = State::Failed;
    throw;
  }
}

void PackParser::finish() {
  switch (state_) {
    case State::Done: return;
    case State::Failed: fail("pack parser cannot continue after an error");
    case State::Header:
      state_ = State::Failed;
      fail("pack is truncated: " + std::to_string(bytesConsumed_) + " of the 12 header bytes arrived");
    case State::Trailer:
      state_ = State::Failed;
      fail("pack is truncated: its trailing checksum is missing or incomplete");
    default:
      state_ = State::Failed;
      fail("pack is truncated: " + std::to_string(entriesParsed_) + " of " + std::to_string(objectCount_) +
           " objects arrived");
  }
}

size_t PackParser::readHeader(const uint8_t* data, size_t n) {
  const size_t take = std::min(n, kPackHeaderSize - fieldLen_);
  std::memcpy(field_ + fieldLen_, data, take);
  fieldLen_ += take;
  if (fieldLen_ < kPackHeaderSize) return take;
  if (std::memcmp(field_, "PACK", 4) != 0) fail("not a git pack: it must start with \"PACK\"");
  const uint32_t version = (uint32_t(field_[4]) << 24) | (uint32_t(field_[5]) << 16) | (uint32_t(field_[6]) << 8) | field_[7];
  if (version != 2 && version != 3) fail("unsupported pack version " + std::to_string(version) + " (2 or 3 expected)");
  objectCount_ = (uint32_t(field_[8]) << 24) | (uint32_t(field_[9]) << 16) | (uint32_t(field_[10]) << 8) | field_[11];
  if (objectCount_ > limits_.maxObjects) {
    fail("pack announces " + std::to_string(objectCount_) + " objects, over the limit of " +
         std::to_string(limits_.maxObjects));
  }
  fieldLen_ = 0;
  if (objectCount_ == 0) {
    state_ = State::Trailer;
  } else {
    nextEntry(kPackHeaderSize);
  }
  return take;
}

// Buffers the callback left behind (it may move them out, or not) are reused
// up to kInitialReserve: allocating and freeing per entry costs as much CPU
// as inflating when most entries are a few hundred KB.
void PackParser::nextEntry(uint64_t offset) {
  Bytes data = std::move(entry_.data), compressed = std::move(entry_.compressed);
  entry_ = PackEntry{};
  for (auto [from, to] : {std::make_pair(&data, &entry_.data), std::make_pair(&compressed, &entry_.compressed)}) {
    if (from->capacity() <= kInitialReserve) {
      from->clear();
      to->swap(*from);
    }
  }
  entry_.offset = offset;
  varintBytes_ = 0;
  sizeShift_ = 0;
  varint_ = 0;
  state_ = State::EntryHeader;
}

// Entry header: 1 continuation bit, 3 type bits, 4 size bits, then 7 size bits
// per byte, little-endian.
size_t PackParser::readEntryHeader(const uint8_t* data, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = data[i++];
    if (varintBytes_++ == 0) {
      const unsigned type = (c >> 4) & 7;
      if (type == 0 || type == 5) fail(at(entry_.offset) + "invalid object type " + std::to_string(type));
      entry_.type = static_cast<ObjectType>(type);
      varint_ = c & 0x0f;
      sizeShift_ = 4;
    } else {
      const uint64_t bits = c & 0x7f;
      if (sizeShift_ >= 64 || (bits >> (64 - sizeShift_)) != 0) fail(at(entry_.offset) + "object size does not fit in 64 bits");
      varint_ |= bits << sizeShift_;
      sizeShift_ += 7;
    }
    if (c & 0x80) continue;
    entry_.size = varint_;
    if (entry_.size > limits_.maxObjectSize) {
      fail(at(entry_.offset) + "object of " + std::to_string(entry_.size) + " bytes exceeds the limit of " +
           std::to_string(limits_.maxObjectSize));
    }
    varintBytes_ = 0;
    varint_ = 0;
    fieldLen_ = 0;
    if (entry_.type == ObjectType::OfsDelta) {
      state_ = State::OfsBase;
    } else if (entry_.type == ObjectType::RefDelta) {
      state_ = State::RefBase;
    } else {
      startData();
    }
    return i;
  }
  return i;
}

// OFS_DELTA distance: big-endian 7-bit groups where every continuation adds
// one (so each length has its own range), as in git's unpack code.
size_t PackParser::readOfsBase(const uint8_t* data, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = data[i++];
    if (varintBytes_++ == 0) {
      varint_ = c & 0x7f;
    } else {
      varint_ += 1;
      if (varint_ == 0 || (varint_ >> (64 - 7)) != 0) fail(at(entry_.offset) + "ofs-delta base offset overflows");
      varint_ = (varint_ << 7) + (c & 0x7f);
    }
    if (c & 0x80) continue;
    if (varint_ == 0) fail(at(entry_.offset) + "ofs-delta base points at the entry itself");
    if (varint_ > entry_.offset - kPackHeaderSize) {
      fail(at(entry_.offset) + "ofs-delta base offset " + std::to_string(varint_) +
           " points before the first entry of the pack");
    }
    entry_.baseOffset = entry_.offset - varint_;
    startData();
    return i;
  }
  return i;
}

size_t PackParser::readRefBase(const uint8_t* data, size_t n) {
  const size_t take = std::min(n, sizeof field_ - fieldLen_);
  std::memcpy(field_ + fieldLen_, data, take);
  fieldLen_ += take;
  if (fieldLen_ == sizeof field_) {
    entry_.baseId = ObjectId::fromRaw(field_);
    fieldLen_ = 0;
    startData();
  }
  return take;
}

void PackParser::startData() {
  inflater_.reset(entry_.size);
  entry_.data.reserve(static_cast<size_t>(std::min(entry_.size, kInitialReserve)));
  maxCompressed_ = compressedLimit(entry_.size);
  state_ = State::Data;
}

size_t PackParser::readData(const uint8_t* data, size_t n, const std::function<void(PackEntry&&)>& onEntry) {
  size_t used;
  try {
    used = inflater_.feed(data, n, entry_.data);
  } catch (const ArtifactsError& e) {
    if (e.code() != ErrorCode::InvalidInput) throw;
    fail(at(entry_.offset) + e.what());
  }
  if (used == 0 && !inflater_.done()) throwError(ErrorCode::InternalError, at(entry_.offset) + "inflate made no progress");
  if (entry_.compressed.size() + used > maxCompressed_) {
    fail(at(entry_.offset) + "compressed data is implausibly larger than the " + std::to_string(entry_.size) +
         " bytes it inflates to");
  }
  entry_.compressed.insert(entry_.compressed.end(), data, data + used);
  if (!inflater_.done()) return used;

  if (entry_.data.size() != entry_.size) {
    fail(at(entry_.offset) + "inflates to " + std::to_string(entry_.data.size()) + " bytes, but its header says " +
         std::to_string(entry_.size));
  }
  if (isDeltaType(entry_.type)) {
    // Reject oversized results now, before anyone tries to resolve them.
    uint64_t resultSize;
    try {
      resultSize = deltaSizes(entry_.data.data(), entry_.data.size()).second;
    } catch (const ArtifactsError& e) {
      fail(at(entry_.offset) + e.what());
    }
    if (resultSize > limits_.maxDeltaResultSize) {
      fail(at(entry_.offset) + "delta result of " + std::to_string(resultSize) + " bytes exceeds the limit of " +
           std::to_string(limits_.maxDeltaResultSize));
    }
  }
  ++entriesParsed_;
  onEntry(std::move(entry_));
  if (entriesParsed_ == objectCount_) {
    entry_ = PackEntry{};
    state_ = State::Trailer;
  } else {
    // The next entry starts right after the bytes consumed in this call.
    nextEntry(bytesConsumed_ + used);
  }
  return used;
}

size_t PackParser::readTrailer(const uint8_t* data, size_t n) {
  if (fieldLen_ == 0) expectedTrailer_ = sha_.finish();
  const size_t take = std::min(n, sizeof field_ - fieldLen_);
  std::memcpy(field_ + fieldLen_, data, take);
  fieldLen_ += take;
  if (fieldLen_ == sizeof field_) {
    const ObjectId actual = ObjectId::fromRaw(field_);
    if (actual != expectedTrailer_) {
      fail("pack checksum mismatch: trailer says " + actual.hex() + ", content hashes to " + expectedTrailer_.hex());
    }
    state_ = State::Done;
  }
  return take;
}

}  // namespace oa::git
