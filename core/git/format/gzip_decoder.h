// Incremental gunzip for request bodies sent with Content-Encoding: gzip
// (git compresses large upload-pack requests). Output is capped in total and
// produced in bounded pieces: a few KB of gzip can inflate to a GB.
#pragma once

#include <memory>

#include "open_artifacts/bytes.h"

namespace oa::git {

class GzipDecoder {
 public:
  explicit GzipDecoder(uint64_t maxOutput);
  ~GzipDecoder();
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  // Appends decoded bytes of `in` to `out`, stopping once about `maxPiece`
  // were appended; returns how many input bytes were consumed (feed the rest
  // again). InvalidInput on corrupt data or data after the end of the
  // stream; MemoryLimit for output beyond maxOutput.
  size_t feed(const uint8_t* in, size_t n, Bytes& out, size_t maxPiece);
  // InvalidInput unless the stream ended.
  void finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  uint64_t maxOutput_;
  uint64_t produced_ = 0;
  bool ended_ = false;
};

}  // namespace oa::git
