#include "git/format/zlib_stream.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
[[noreturn]] void fail(const std::string& message) { throwError(ErrorCode::InvalidInput, message); }

// zlib counts in uInt (32-bit): feed it at most this much per call.
constexpr size_t kMaxZlibChunk = std::numeric_limits<uInt>::max();
// Smallest growth step of the output buffer.
constexpr size_t kInitialOutput = 64 * 1024;
}  // namespace

Bytes deflateBytes(const uint8_t* data, size_t n, int level) {
  z_stream zs{};
  if (deflateInit(&zs, level) != Z_OK) throwError(ErrorCode::InternalError, "deflateInit failed");
  Bytes out(deflateBound(&zs, static_cast<uLong>(n)));
  zs.next_in = const_cast<Bytef*>(data);
  zs.next_out = out.data();
  size_t inLeft = n, outLeft = out.size();
  int rc = Z_OK;
  while (rc == Z_OK) {
    const size_t inChunk = std::min(inLeft, kMaxZlibChunk);
    const size_t outChunk = std::min(outLeft, kMaxZlibChunk);
    zs.avail_in = static_cast<uInt>(inChunk);
    zs.avail_out = static_cast<uInt>(outChunk);
    rc = deflate(&zs, inChunk == inLeft ? Z_FINISH : Z_NO_FLUSH);
    inLeft -= inChunk - zs.avail_in;
    outLeft -= outChunk - zs.avail_out;
  }
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throwError(ErrorCode::InternalError, "deflate failed");
  out.resize(out.size() - outLeft);
  return out;
}

Bytes inflateBytes(const uint8_t* data, size_t n, size_t expectedSize) {
  // One inflater reused (inflateReset): a clone's walk inflates tens of
  // thousands of small trees, and a fresh zlib state each time (init, a 32 KiB
  // window, our scratch buffer) cost more than the inflating.
  static thread_local Inflater inflater;
  inflater.reset(expectedSize);
  Bytes out;
  out.reserve(expectedSize);
  const size_t used = inflater.feed(data, n, out);
  if (!inflater.done()) fail("zlib stream is truncated");
  if (used != n) fail("unexpected bytes after the end of the zlib stream");
  if (out.size() != expectedSize) {
    fail("zlib stream inflates to " + std::to_string(out.size()) + " bytes, expected " + std::to_string(expectedSize));
  }
  return out;
}

struct Inflater::State {
  z_stream zs{};
  bool initialised = false;
  // zlib writes here first: cost per call stays proportional to the bytes
  // produced, however small the input pieces are.
  uint8_t scratch[64 * 1024];
  ~State() {
    if (initialised) inflateEnd(&zs);
  }
};

// `new State` rather than make_unique: the 64 KiB scratch needs no zeroing.
Inflater::Inflater() : state_(new State) {}
Inflater::~Inflater() = default;

void Inflater::reset(uint64_t maxOutput) {
  if (!state_->initialised) {
    if (inflateInit(&state_->zs) != Z_OK) throwError(ErrorCode::InternalError, "inflateInit failed");
    state_->initialised = true;
  } else if (inflateReset(&state_->zs) != Z_OK) {
    throwError(ErrorCode::InternalError, "inflateReset failed");
  }
  maxOutput_ = maxOutput;
  totalIn_ = totalOut_ = 0;
  done_ = false;
}

size_t Inflater::feed(const uint8_t* in, size_t n, Bytes& out) {
  if (!state_->initialised) reset(maxOutput_);
  z_stream& zs = state_->zs;
  size_t consumed = 0;
  // A full output buffer may hide pending output even when all input is in,
  // so keep going until zlib has room to spare.
  bool outputFull = false;
  while (!done_ && (consumed < n || outputFull)) {
    // Once the cap is reached, a 1-byte window tells "stream ends here" from
    // "stream has more data than allowed".
    const uint64_t room = maxOutput_ - totalOut_;
    const size_t window = room == 0 ? 1 : static_cast<size_t>(std::min<uint64_t>(room, sizeof state_->scratch));
    const size_t inChunk = std::min(n - consumed, kMaxZlibChunk);
    zs.next_in = const_cast<Bytef*>(in + consumed);
    zs.avail_in = static_cast<uInt>(inChunk);
    zs.next_out = state_->scratch;
    zs.avail_out = static_cast<uInt>(window);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t usedIn = inChunk - zs.avail_in;
    const size_t produced = window - zs.avail_out;
    consumed += usedIn;
    totalIn_ += usedIn;
    outputFull = zs.avail_out == 0;
    if (produced) {
      if (room == 0) fail("zlib stream inflates to more than " + std::to_string(maxOutput_) + " bytes");
      // Grow geometrically but never past what the cap allows; reserve()
      // allocates exactly, unlike insert()'s own doubling.
      if (out.size() + produced > out.capacity()) {
        const size_t limit = room >= SIZE_MAX - out.size() ? SIZE_MAX : out.size() + static_cast<size_t>(room);
        out.reserve(std::min(limit, std::max({out.capacity() * 2, out.size() + produced, kInitialOutput})));
      }
      out.insert(out.end(), state_->scratch, state_->scratch + produced);
      totalOut_ += produced;
    }
    switch (rc) {
      case Z_STREAM_END:
        done_ = true;
        break;
      case Z_OK:
        break;
      case Z_BUF_ERROR:
        // No progress possible: with input left and room to write, zlib
        // would have progressed, so this only means "needs more input".
        if (usedIn == 0 && produced == 0) return consumed;
        break;
      case Z_NEED_DICT:
        fail("zlib stream needs a preset dictionary");
      case Z_MEM_ERROR:
        throwError(ErrorCode::MemoryLimit, "out of memory while inflating");
      default:
        fail(std::string("invalid zlib stream: ") + (zs.msg ? zs.msg : "data error"));
    }
  }
  return consumed;
}

}  // namespace oa::git
