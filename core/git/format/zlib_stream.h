// zlib (RFC 1950) streams as they appear in git objects and packs. Output is
// always capped by the size the caller expects, so a small hostile stream can
// never make us allocate more than that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "open_artifacts/bytes.h"

namespace oa::git {

// Compresses `n` bytes into one complete zlib stream. Level 0..9 or -1 (zlib's
// default, 6); 1 is git's default for loose objects and favours speed.
Bytes deflateBytes(const uint8_t* data, size_t n, int level = 1);

// Decompresses a complete zlib stream of exactly `n` bytes whose output must be
// exactly `expectedSize` bytes. InvalidInput if the stream is corrupt, ends
// early or late, or inflates to a different size. Allocates at most
// `expectedSize` bytes of output.
Bytes inflateBytes(const uint8_t* data, size_t n, size_t expectedSize);

// Incremental inflate for streams whose end is not known in advance (pack
// entries: the zlib stream is followed directly by the next entry).
class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Starts a new stream whose total output may not exceed maxOutput bytes.
  void reset(uint64_t maxOutput);
  // Inflates from in[0, n), appending to `out`, and returns how many input
  // bytes were consumed: all of them unless the stream ended inside this
  // chunk, in which case the rest belongs to whatever follows the stream.
  // InvalidInput on corrupt data or output beyond maxOutput.
  size_t feed(const uint8_t* in, size_t n, Bytes& out);
  // True once the stream's end (and its Adler-32) has been read.
  bool done() const { return done_; }
  uint64_t totalIn() const { return totalIn_; }
  uint64_t totalOut() const { return totalOut_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  uint64_t maxOutput_ = 0;
  uint64_t totalIn_ = 0;
  uint64_t totalOut_ = 0;
  bool done_ = false;
};

}  // namespace oa::git
