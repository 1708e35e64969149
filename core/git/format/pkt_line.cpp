#include "git/format/pkt_line.h"

#include <cstdio>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

// Consumed bytes are dropped once they are at least this many and at least
// half the buffer: each byte is then moved O(1) times on average.
constexpr size_t kCompactAfter = 64 * 1024;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;  // git's hexval accepts both cases
  return -1;
}

// The 4 header bytes as printable text for error messages ("00z\x01").
std::string describeHeader(const char* h) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    unsigned char c = static_cast<unsigned char>(h[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      s += static_cast<char>(c);
    } else {
      char esc[5];
      std::snprintf(esc, sizeof esc, "\\x%02x", c);
      s += esc;
    }
  }
  return s;
}

void writeHeader(char* dst, size_t length) {
  static const char kHex[] = "0123456789abcdef";
  for (int i = 3; i >= 0; --i, length >>= 4) dst[i] = kHex[length & 0xf];
}

template <typename Out>
void appendRaw(Out& out, std::string_view bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

template <typename Out>
void appendPktTo(Out& out, std::string_view payload) {
  if (payload.size() > kMaxPktPayload) {
    throwError(ErrorCode::InvalidInput, "pkt-line payload of " + std::to_string(payload.size()) +
                                            " bytes exceeds the maximum of " +
                                            std::to_string(kMaxPktPayload));
  }
  char header[4];
  writeHeader(header, payload.size() + 4);
  appendRaw(out, std::string_view(header, 4));
  appendRaw(out, payload);
}

}  // namespace

bool operator==(const Packet& a, const Packet& b) { return a.kind == b.kind && a.payload == b.payload; }

PktLineReader::PktLineReader(size_t maxBuffered) : maxBuffered_(maxBuffered) {}

void PktLineReader::feed(const uint8_t* data, size_t n) {
  if (n > maxBuffered_ - buffered()) {
    throwError(ErrorCode::InvalidInput, "pkt-line stream buffers more than " +
                                            std::to_string(maxBuffered_) + " unconsumed bytes");
  }
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ >= kCompactAfter && pos_ * 2 >= buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(reinterpret_cast<const char*>(data), n);
}

bool PktLineReader::next(Packet& out) {
  if (buffered() < 4) return false;
  const char* h = buf_.data() + pos_;
  size_t length = 0;
  for (int i = 0; i < 4; ++i) {
    int v = hexValue(h[i]);
    if (v < 0) {
      throwError(ErrorCode::InvalidInput,
                 "pkt-line: bad length header \"" + describeHeader(h) + "\" (expected 4 hex digits)");
    }
    length = length * 16 + static_cast<size_t>(v);
  }
  if (length < 4) {
    if (length == 3) {
      throwError(ErrorCode::InvalidInput, "pkt-line: invalid length 0003 (0000-0002 are special, data lines start at 0004)");
    }
    static const Packet::Kind kSpecial[] = {Packet::Kind::Flush, Packet::Kind::Delim, Packet::Kind::ResponseEnd};
    out.kind = kSpecial[length];
    out.payload.clear();
    pos_ += 4;
    return true;
  }
  if (length > kMaxPktLength) {
    throwError(ErrorCode::InvalidInput, "pkt-line: length " + std::to_string(length) +
                                            " exceeds the maximum of " + std::to_string(kMaxPktLength));
  }
  if (buffered() < length) return false;
  out.kind = Packet::Kind::Data;
  out.payload.assign(h + 4, length - 4);  // "0004" is an empty data line, as in git
  pos_ += length;
  return true;
}

std::string PktLineReader::takeRemaining() {
  std::string rest = pos_ == 0 ? std::move(buf_) : buf_.substr(pos_);
  std::string().swap(buf_);  // release the capacity too: the reader is usually done
  pos_ = 0;
  return rest;
}

std::string_view chompNewline(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  return line;
}

void appendPkt(std::string& out, std::string_view payload) { appendPktTo(out, payload); }
void appendPkt(Bytes& out, std::string_view payload) { appendPktTo(out, payload); }
void appendFlush(std::string& out) { appendRaw(out, "0000"); }
void appendFlush(Bytes& out) { appendRaw(out, "0000"); }
void appendDelim(std::string& out) { appendRaw(out, "0001"); }
void appendDelim(Bytes& out) { appendRaw(out, "0001"); }
void appendResponseEnd(std::string& out) { appendRaw(out, "0002"); }
void appendResponseEnd(Bytes& out) { appendRaw(out, "0002"); }

}  // namespace oa::git
