#include "git/format/gzip_decoder.h"

#include <zlib.h>

#include <string>

#include "open_artifacts/errors.h"

namespace oa::git {

struct GzipDecoder::State {
  z_stream z{};
};

GzipDecoder::GzipDecoder(uint64_t maxOutput) : state_(std::make_unique<State>()), maxOutput_(maxOutput) {
  if (inflateInit2(&state_->z, 16 + MAX_WBITS) != Z_OK) throwError(ErrorCode::InternalError, "zlib init failed");
}

GzipDecoder::~GzipDecoder() { inflateEnd(&state_->z); }

size_t GzipDecoder::feed(const uint8_t* in, size_t n, Bytes& out, size_t maxPiece) {
  if (n == 0) return 0;
  if (ended_) throwError(ErrorCode::InvalidInput, "data after the end of the gzip body");
  z_stream& z = state_->z;
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = static_cast<uInt>(n);
  uint8_t buf[65536];
  size_t appended = 0;
  while (z.avail_in > 0 && !ended_ && appended < maxPiece) {
    z.next_out = buf;
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throwError(ErrorCode::InvalidInput, "corrupt gzip request body");
    }
    const size_t got = sizeof buf - z.avail_out;
    produced_ += got;
    if (produced_ > maxOutput_) {
      throwError(ErrorCode::MemoryLimit,
                 "decompressed request body exceeds the limit of " + std::to_string(maxOutput_) + " bytes");
    }
    out.insert(out.end(), buf, buf + got);
    appended += got;
    if (rc == Z_STREAM_END) ended_ = true;
    if (rc == Z_BUF_ERROR && got == 0) break;
  }
  if (ended_ && z.avail_in > 0) throwError(ErrorCode::InvalidInput, "data after the end of the gzip body");
  return n - z.avail_in;
}

void GzipDecoder::finish() const {
  if (!ended_) throwError(ErrorCode::InvalidInput, "truncated gzip request body");
}

}  // namespace oa::git
