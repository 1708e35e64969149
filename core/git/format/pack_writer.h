// Streaming writer for git packfiles (version 2). Entries are appended with
// their zlib stream already compressed (as stored at push time), so a clone
// copies bytes instead of recompressing; take() drains the output produced so
// far, letting the caller stream a pack of any size in small pieces.
#pragma once

#include <cstddef>
#include <cstdint>

#include "git/format/object_id.h"
#include "git/format/sha1.h"
#include "open_artifacts/bytes.h"

namespace oa::git {

class PackWriter {
 public:
  explicit PackWriter(uint32_t objectCount);  // writes the 12-byte header

  // Appends one entry whose zlib stream is already compressed; returns its offset.
  // type Commit/Tree/Blob/Tag: whole object. OfsDelta: baseOffset must be an
  // earlier entry's offset. RefDelta: baseId. inflatedSize is the size of the
  // object, or of the delta data for deltas. The stream itself is trusted (it
  // was validated when it was received); InvalidInput on misuse.
  uint64_t addEntry(ObjectType type, uint64_t inflatedSize, const uint8_t* compressed, size_t n,
                    uint64_t baseOffset = 0, const ObjectId* baseId = nullptr);
  // Appends the SHA-1 trailer; throws if fewer/more entries than announced.
  void finish();
  // Drains the bytes produced so far (stream them out).
  Bytes take();
  uint64_t bytesWritten() const { return bytesWritten_; }

 private:
  void append(const uint8_t* data, size_t n);

  uint32_t objectCount_;
  uint32_t entriesWritten_ = 0;
  bool finished_ = false;
  uint64_t bytesWritten_ = 0;
  Bytes pending_;
  Sha1 sha_;
};

}  // namespace oa::git
