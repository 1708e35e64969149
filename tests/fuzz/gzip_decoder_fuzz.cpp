// libFuzzer target: arbitrary bytes as a gzip request body. The decoder must
// reject bad input with ArtifactsError, produce output in bounded pieces, stop
// at its total cap, and never crash, hang or over-allocate.
#include <cstddef>
#include <cstdint>

#include "git/format/gzip_decoder.h"
#include "open_artifacts/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first two bytes pick the write size and the piece size.
  const size_t chunk = 1 + data[0] % 97;
  const size_t piece = 1 + size_t(data[1]) * 257;
  data += 2;
  size -= 2;
  oa::git::GzipDecoder decoder(4u << 20);
  try {
    for (size_t pos = 0; pos < size;) {
      const size_t n = size - pos < chunk ? size - pos : chunk;
      size_t used = 0;
      while (used < n) {
        oa::Bytes out;
        const size_t step = decoder.feed(data + pos + used, n - used, out, piece);
        if (out.size() > piece + 65536) __builtin_trap();  // pieces stay bounded
        if (step == 0 && out.empty()) return 0;            // no progress: the session calls it corrupt
        used += step;
      }
      pos += n;
    }
    decoder.finish();
  } catch (const oa::ArtifactsError&) {
  }
  return 0;
}
