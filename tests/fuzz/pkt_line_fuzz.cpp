// libFuzzer target for PktLineReader and the pkt-line/sideband writers.
// Input: byte 0 seeds the chunk sizes, picks a buffer cap (bit 0 clear) and
// takeRemaining() after flushes (bit 1); the rest is the stream. Every packet
// is checked against the raw bytes it came from, and every ArtifactsError
// against an independent reading of the header, so a wrong accept or a wrong
// reject aborts just like a crash would.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "open_artifacts/errors.h"
#include "git/format/pkt_line.h"
#include "git/format/sideband.h"

using namespace oa::git;

namespace {

#define CHECK(cond) \
  do {              \
    if (!(cond)) __builtin_trap(); \
  } while (0)

struct Rng {
  uint32_t s;
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
};

// Reference reading of a header: the length, or -1 when git rejects it.
long referenceLength(const uint8_t* h) {
  long len = 0;
  for (int i = 0; i < 4; ++i) {
    char c = static_cast<char>(h[i]);
    const char* digits = "0123456789abcdef";
    const char* d = std::strchr(digits, c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    if (c == '\0' || d == nullptr) return -1;
    len = len * 16 + (d - digits);
  }
  return len == 3 || len > static_cast<long>(kMaxPktLength) ? -1 : len;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Rng rng{0x9e3779b9u ^ (data[0] * 0x01000193u)};
  const uint8_t* stream = data + 1;
  const size_t total = size - 1;
  const size_t cap = data[0] & 1 ? std::numeric_limits<size_t>::max() : 4 + rng.next() % 200000;

  PktLineReader reader(cap);
  Packet p;
  size_t fed = 0, consumed = 0;  // stream offsets: bytes fed, bytes turned into packets
  try {
    while (fed < total) {
      size_t chunk = std::min<size_t>(total - fed, rng.next() % 8 == 0 ? 1 + rng.next() % 70000 : 1 + rng.next() % 16);
      try {
        reader.feed(stream + fed, chunk);
      } catch (const oa::ArtifactsError& e) {
        CHECK(e.code() == oa::ErrorCode::InvalidInput);
        CHECK(reader.buffered() + chunk > cap);  // only the cap may refuse bytes
        return 0;
      }
      fed += chunk;
      CHECK(reader.buffered() == fed - consumed);
      while (reader.next(p)) {
        long len = referenceLength(stream + consumed);
        CHECK(len >= 0);
        if (len < 4) {
          CHECK(p.payload.empty());
          CHECK(static_cast<long>(p.kind) == len + 1);  // Flush, Delim, ResponseEnd
          consumed += 4;
        } else {
          CHECK(p.kind == Packet::Kind::Data);
          CHECK(p.payload.size() + 4 == static_cast<size_t>(len));
          CHECK(std::memcmp(p.payload.data(), stream + consumed + 4, p.payload.size()) == 0);
          std::string again;
          appendPkt(again, p.payload);  // the writer accepts whatever the reader produced
          CHECK(again.size() == static_cast<size_t>(len));
          consumed += len;
        }
        // Like receive-pack: after a flush, switch to raw bytes (bit 1 of byte 0).
        if (p.kind == Packet::Kind::Flush && (data[0] & 2)) {
          std::string rest = reader.takeRemaining();
          CHECK(rest.size() == fed - consumed);
          CHECK(rest.empty() || std::memcmp(rest.data(), stream + consumed, rest.size()) == 0);
          consumed = fed;
          break;  // the following bytes are parsed as a new pkt-line stream
        }
      }
      CHECK(reader.buffered() == fed - consumed);
    }
  } catch (const oa::ArtifactsError& e) {
    // next() may only reject a complete header that git would reject too.
    CHECK(e.code() == oa::ErrorCode::InvalidInput);
    CHECK(fed - consumed >= 4);
    CHECK(referenceLength(stream + consumed) < 0);
  }

  // Sideband writer: any bytes, any legal packet size, reassemble exactly.
  std::string_view raw(reinterpret_cast<const char*>(stream), std::min<size_t>(total, 4096));
  size_t maxData = 1 + rng.next() % kSideband64kMaxData;
  std::string muxed;
  appendSideband(muxed, Band::Progress, raw, maxData);
  PktLineReader demux;
  demux.feed(muxed);
  std::string joined;
  while (demux.next(p)) {
    CHECK(p.kind == Packet::Kind::Data && p.payload.size() >= 2 && p.payload.size() - 1 <= maxData);
    CHECK(p.payload[0] == static_cast<char>(Band::Progress));
    joined.append(p.payload, 1);
  }
  CHECK(joined == raw && demux.buffered() == 0);
  return 0;
}
