#include "git/format/object_header.h"

namespace oa::git {

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// git's isspace() (sane_ctype): space, tab, LF, CR.
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::optional<ObjectId> idFromHeaderHex(std::string_view hex) {
  if (hex.size() != 40) return std::nullopt;
  ObjectId id;
  for (size_t i = 0; i < 20; ++i) {
    const int hi = hexValue(hex[2 * i]);
    const int lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::optional<ObjectId> readIdLine(std::string_view text, size_t& pos, std::string_view key) {
  const size_t end = pos + key.size() + 40;  // index of the "\n"
  if (end >= text.size() || text.compare(pos, key.size(), key) != 0 || text[end] != '\n') return std::nullopt;
  auto id = idFromHeaderHex(text.substr(pos + key.size(), 40));
  if (id) pos = end + 1;
  return id;
}

std::optional<Signature> parseSignature(std::string_view value) {
  const size_t lt = value.find('<');
  if (lt == std::string_view::npos) return std::nullopt;
  const size_t gt = value.find('>', lt + 1);
  if (gt == std::string_view::npos) return std::nullopt;
  Signature sig;
  size_t nameEnd = lt;
  while (nameEnd > 0 && isSpace(value[nameEnd - 1])) --nameEnd;
  sig.name = value.substr(0, nameEnd);
  sig.email = value.substr(lt + 1, gt - lt - 1);

  // "<secs> <+|-><hhmm>" after the last '>' (git reads the date from there so
  // that a stray '>' in the email does not hide it); anything else: no date.
  size_t p = value.rfind('>') + 1;
  const size_t n = value.size();
  while (p < n && isSpace(value[p])) ++p;
  const size_t dateBegin = p;
  uint64_t secs = 0;
  bool fits = true;
  for (; p < n && isDigit(value[p]); ++p) {
    const uint64_t digit = static_cast<uint64_t>(value[p] - '0');
    if (secs > (static_cast<uint64_t>(INT64_MAX) - digit) / 10) fits = false;
    if (fits) secs = secs * 10 + digit;
  }
  if (p == dateBegin) return sig;
  while (p < n && isSpace(value[p])) ++p;
  if (p >= n || (value[p] != '+' && value[p] != '-')) return sig;
  const bool west = value[p] == '-';
  const size_t zoneBegin = ++p;
  int64_t hhmm = 0;
  for (; p < n && isDigit(value[p]); ++p) {
    if (hhmm < 100000000) hhmm = hhmm * 10 + (value[p] - '0');
  }
  if (p == zoneBegin) return sig;
  if (!fits) return sig;
  sig.time = static_cast<int64_t>(secs);
  const int64_t minutes = hhmm / 100 * 60 + hhmm % 100;
  sig.offsetMinutes = static_cast<int32_t>(west ? -minutes : minutes);
  return sig;
}

std::string formatSignature(const Signature& signature) {
  const int32_t offset = signature.offsetMinutes;
  const uint32_t minutes = static_cast<uint32_t>(offset < 0 ? -static_cast<int64_t>(offset) : offset);
  std::string zone = offset < 0 ? "-" : "+";
  const uint32_t hhmm = minutes / 60 * 100 + minutes % 60;
  for (uint32_t unit = 1000; unit; unit /= 10) zone.push_back(static_cast<char>('0' + hhmm / unit % 10));
  std::string out;
  out.reserve(signature.name.size() + signature.email.size() + 32);
  out.append(signature.name).append(" <").append(signature.email).append("> ");
  out.append(std::to_string(signature.time)).append(" ").append(zone);
  return out;
}

}  // namespace oa::git
