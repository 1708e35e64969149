// Push-based parser for git packfiles (gitformat-pack, versions 2 and 3).
// Pushes arrive as a stream of chunks and can be hundreds of MB, so the parser
// holds only the entry being read: each entry is handed out as soon as its
// zlib stream ends, with the compressed bytes exactly as they were in the pack
// (so they can be stored and streamed back without recompressing) and the
// inflated bytes. Deltas are not resolved here (see delta.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "git/format/object_id.h"
#include "git/format/sha1.h"
#include "git/format/zlib_stream.h"
#include "open_artifacts/bytes.h"

namespace oa::git {

struct PackLimits {
  uint64_t maxObjectSize = 32ull << 20;       // inflated size of any entry (object or delta data)
  uint32_t maxObjects = 10'000'000;           // entries announced in the header
  uint64_t maxDeltaResultSize = 32ull << 20;  // result size announced by a delta's header
};

struct PackEntry {
  uint64_t offset = 0;                 // of the entry header in the pack
  ObjectType type = ObjectType::Blob;  // as stored: Commit/Tree/Blob/Tag/OfsDelta/RefDelta
  uint64_t size = 0;                   // inflated size from the header (for deltas: size of the delta data)
  uint64_t baseOffset = 0;             // OfsDelta: absolute offset of the base entry (range-checked
                                       // only: look it up, it may not be an entry start)
  ObjectId baseId;                     // RefDelta: base object id
  Bytes compressed;                    // the zlib stream exactly as it appeared in the pack
  Bytes data;                          // the inflated bytes (object content, or delta instructions)
};

class PackParser {
 public:
  explicit PackParser(PackLimits limits = {});

  // Consumes bytes; calls onEntry for each complete entry, in pack order.
  // Returns how many bytes were consumed: all of them, unless onEntry called
  // pause() (the caller feeds the rest later, so long work can be split into
  // steps). Every malformed input is InvalidInput; after any exception
  // (including one thrown by onEntry) the parser refuses further calls.
  size_t write(const uint8_t* data, size_t n, const std::function<void(PackEntry&&)>& onEntry);
  // Called from onEntry: write() returns right after this entry.
  void pause() { pauseRequested_ = true; }
  // Verifies every announced entry arrived and the trailing SHA-1 matches; no bytes may follow.
  void finish();

  uint32_t objectCount() const { return objectCount_; }  // from the header (valid once 12 bytes arrived)
  uint32_t entriesParsed() const { return entriesParsed_; }
  uint64_t bytesConsumed() const { return bytesConsumed_; }

 private:
  enum class State { Header, EntryHeader, OfsBase, RefBase, Data, Trailer, Done, Failed };

  // Each step consumes at least one byte of data[0, n) and returns how many.
  size_t readHeader(const uint8_t* data, size_t n);
  size_t readEntryHeader(const uint8_t* data, size_t n);
  size_t readOfsBase(const uint8_t* data, size_t n);
  size_t readRefBase(const uint8_t* data, size_t n);
  size_t readData(const uint8_t* data, size_t n, const std::function<void(PackEntry&&)>& onEntry);
  size_t readTrailer(const uint8_t* data, size_t n);
  void startData();
  void nextEntry(uint64_t offset);

  PackLimits limits_;
  State state_ = State::Header;
  bool pauseRequested_ = false;
  uint32_t objectCount_ = 0;
  uint32_t entriesParsed_ = 0;
  uint64_t bytesConsumed_ = 0;

  // Fixed-size fields (pack header, REF_DELTA id, trailer) collect here.
  uint8_t field_[20] = {};
  size_t fieldLen_ = 0;
  // Varint progress of the entry header or OFS_DELTA offset.
  unsigned varintBytes_ = 0;
  unsigned sizeShift_ = 0;
  uint64_t varint_ = 0;

  PackEntry entry_;
  uint64_t maxCompressed_ = 0;
  Inflater inflater_;
  Sha1 sha_;
  ObjectId expectedTrailer_;
};

}  // namespace oa::git
