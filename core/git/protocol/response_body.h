// A response body produced piece by piece, so large packs stream out with
// bounded memory (the JS layer pulls pieces into a ReadableStream).
#pragma once

#include <memory>

#include "open_artifacts/bytes.h"

namespace oa::git {

class ResponseBody {
 public:
  virtual ~ResponseBody() = default;
  // Appends the next piece to `out`; false once the body is complete.
  virtual bool next(Bytes& out) = 0;
};

class BufferBody : public ResponseBody {
 public:
  explicit BufferBody(Bytes data) : data_(std::move(data)) {}
  bool next(Bytes& out) override {
    if (sent_) return false;
    sent_ = true;
    out.insert(out.end(), data_.begin(), data_.end());
    return true;
  }

 private:
  Bytes data_;
  bool sent_ = false;
};

inline std::unique_ptr<ResponseBody> bufferBody(Bytes data) { return std::make_unique<BufferBody>(std::move(data)); }
inline std::unique_ptr<ResponseBody> bufferBody(const std::string& data) {
  return bufferBody(Bytes(data.begin(), data.end()));
}

}  // namespace oa::git
