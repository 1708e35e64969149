// Git pkt-line framing (gitprotocol-common, gitprotocol-v2): a 4-hex-digit
// length that counts itself, then the payload; "0000" flush, "0001" delim,
// "0002" response-end. The reader is push-based so the HTTP layer can feed
// request bodies in whatever chunks the host delivers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "open_artifacts/bytes.h"

namespace oa::git {

constexpr size_t kMaxPktLength = 65520;              // LARGE_PACKET_MAX, header included
constexpr size_t kMaxPktPayload = kMaxPktLength - 4;  // 65516

struct Packet {
  enum class Kind { Data, Flush, Delim, ResponseEnd };
  Kind kind = Kind::Data;
  std::string payload;  // empty unless kind == Data
};

bool operator==(const Packet& a, const Packet& b);
inline bool operator!=(const Packet& a, const Packet& b) { return !(a == b); }

// Splits a byte stream into packets. Bytes are buffered until a whole packet
// is available; consumed bytes are dropped lazily (offset + occasional
// compaction), so a long stream costs linear time in total.
class PktLineReader {
 public:
  // `maxBuffered` caps unconsumed bytes held at once (feed throws beyond it).
  explicit PktLineReader(size_t maxBuffered = std::numeric_limits<size_t>::max());

  void feed(const uint8_t* data, size_t n);
  void feed(std::string_view data) { feed(reinterpret_cast<const uint8_t*>(data.data()), data.size()); }

  // Next complete packet into `out`; false when more bytes are needed. A
  // malformed header throws ArtifactsError(InvalidInput) and stays in the
  // buffer, so calling again throws again.
  bool next(Packet& out);

  // Unconsumed bytes (a partial packet, or raw data after the last packet).
  size_t buffered() const { return buf_.size() - pos_; }
  // Hands over the unconsumed bytes and empties the reader: receive-pack
  // switches from pkt-lines to the raw pack after the command list's flush.
  std::string takeRemaining();

 private:
  std::string buf_;
  size_t pos_ = 0;
  size_t maxBuffered_;
};

// "foo\n" -> "foo"; strips at most one newline (git's packet_chomp_newline).
std::string_view chompNewline(std::string_view line);

// Writers append one pkt-line; appendPkt throws ArtifactsError(InvalidInput)
// when the payload exceeds kMaxPktPayload. Lengths are written in lowercase hex.
void appendPkt(std::string& out, std::string_view payload);
void appendPkt(Bytes& out, std::string_view payload);
void appendFlush(std::string& out);
void appendFlush(Bytes& out);
void appendDelim(std::string& out);
void appendDelim(Bytes& out);
void appendResponseEnd(std::string& out);
void appendResponseEnd(Bytes& out);

}  // namespace oa::git
