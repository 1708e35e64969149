// Incremental gunzip for request bodies sent with Content-Encoding: gzip
// (git compresses large upload-pack requests). Output is capped.
#pragma once

#include <memory>

#include "kv_store.h"

namespace oa::git {

class GzipDecoder {
 public:
  explicit GzipDecoder(uint64_t maxOutput);
  ~GzipDecoder();
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  // Appends the decoded bytes of `in` to `out`. InvalidInput on corrupt data,
  // data after the end of the stream, or output beyond maxOutput.
  void feed(const uint8_t* in, size_t n, Bytes& out);
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
