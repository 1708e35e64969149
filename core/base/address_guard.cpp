#include "base/address_guard.h"

#include <utility>
#include <vector>

namespace oa {

namespace {

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> splitDots(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

// WHATWG "IPv4 number parser": 0x hex, leading-zero octal, else decimal; ""
// after the prefix is 0. Values past 2^40 are clamped (they fail the range
// checks either way).
std::optional<uint64_t> ipv4Number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : s) {
    const int d = digitValue(c);
    if (d < 0 || d >= radix) return std::nullopt;
    value = value * radix + static_cast<uint64_t>(d);
    if (value > (uint64_t{1} << 40)) value = uint64_t{1} << 40;
  }
  return value;
}

// WHATWG "ends in a number checker": such a host must parse as IPv4 (or the
// URL is invalid).
bool endsInNumber(std::string_view host) {
  auto parts = splitDots(host);
  if (parts.back().empty()) {
    if (parts.size() == 1) return false;
    parts.pop_back();
  }
  const std::string_view last = parts.back();
  if (!last.empty() && last.find_first_not_of("0123456789") == std::string_view::npos) return true;
  return ipv4Number(last).has_value();
}

IpAddress fromIpv4(uint32_t v) {
  IpAddress a{};
  a[10] = a[11] = 0xff;
  for (int i = 0; i < 4; ++i) a[12 + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  return a;
}

std::optional<IpAddress> parseIpv4(std::string_view host) {
  auto parts = splitDots(host);
  if (parts.back().empty() && parts.size() > 1) parts.pop_back();
  if (parts.size() > 4) return std::nullopt;
  std::vector<uint64_t> numbers;
  for (auto part : parts) {
    const auto n = ipv4Number(part);
    if (!n) return std::nullopt;
    numbers.push_back(*n);
  }
  for (size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) return std::nullopt;
  }
  const uint64_t last = numbers.back();
  if (last >= (uint64_t{1} << (8 * (5 - numbers.size())))) return std::nullopt;
  uint64_t v = last;
  for (size_t i = 0; i + 1 < numbers.size(); ++i) v += numbers[i] << (8 * (3 - i));
  return fromIpv4(static_cast<uint32_t>(v));
}

// WHATWG "IPv6 parser" (no brackets), including a dotted IPv4 tail.
std::optional<IpAddress> parseIpv6(std::string_view s) {
  std::array<uint16_t, 8> pieces{};
  int pieceIndex = 0;
  int compress = -1;
  size_t i = 0;
  const auto at = [&](size_t k) { return k < s.size() ? s[k] : '\0'; };
  if (at(0) == ':') {
    if (at(1) != ':') return std::nullopt;
    i = 2;
    compress = pieceIndex = 1;
  }
  while (i < s.size()) {
    if (pieceIndex == 8) return std::nullopt;
    if (s[i] == ':') {
      if (compress != -1) return std::nullopt;
      ++i;
      compress = ++pieceIndex;
      continue;
    }
    uint32_t value = 0;
    size_t length = 0;
    while (length < 4 && digitValue(at(i)) >= 0) {
      value = value * 16 + static_cast<uint32_t>(digitValue(s[i]));
      ++i;
      ++length;
    }
    if (at(i) == '.') {
      if (length == 0 || pieceIndex > 6) return std::nullopt;
      i -= length;
      int numbersSeen = 0;
      while (i < s.size()) {
        if (numbersSeen > 0) {
          if (s[i] != '.' || numbersSeen >= 4) return std::nullopt;
          ++i;
        }
        if (at(i) < '0' || at(i) > '9') return std::nullopt;
        int piece = -1;
        while (at(i) >= '0' && at(i) <= '9') {
          const int n = s[i] - '0';
          if (piece == 0) return std::nullopt;  // no leading zeros
          piece = piece == -1 ? n : piece * 10 + n;
          if (piece > 255) return std::nullopt;
          ++i;
        }
        pieces[pieceIndex] = static_cast<uint16_t>(pieces[pieceIndex] * 0x100 + piece);
        ++numbersSeen;
        if (numbersSeen == 2 || numbersSeen == 4) ++pieceIndex;
      }
      if (numbersSeen != 4) return std::nullopt;
      break;
    }
    if (at(i) == ':') {
      ++i;
      if (i >= s.size()) return std::nullopt;
    } else if (i < s.size()) {
      return std::nullopt;
    }
    pieces[pieceIndex++] = static_cast<uint16_t>(value);
  }
  if (compress != -1) {
    int swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex != 0 && swaps > 0) {
      std::swap(pieces[pieceIndex], pieces[compress + swaps - 1]);
      --pieceIndex;
      --swaps;
    }
  } else if (pieceIndex != 8) {
    return std::nullopt;
  }
  IpAddress a{};
  for (int k = 0; k < 8; ++k) {
    a[2 * k] = static_cast<uint8_t>(pieces[k] >> 8);
    a[2 * k + 1] = static_cast<uint8_t>(pieces[k]);
  }
  return a;
}

bool isPublicIpv4(uint8_t b0, uint8_t b1, uint8_t b2) {
  if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224) return false;  // this network, private, loopback, multicast, reserved
  if (b0 == 100 && (b1 & 0xc0) == 64) return false;                   // 100.64/10 CGNAT (Alibaba metadata 100.100.100.200)
  if (b0 == 169 && b1 == 254) return false;                           // link-local (metadata 169.254.169.254)
  if (b0 == 172 && (b1 & 0xf0) == 16) return false;                   // 172.16/12
  if (b0 == 192 && b1 == 168) return false;                           // 192.168/16
  if (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) return false;     // protocol assignments, TEST-NET-1
  if (b0 == 198 && (b1 & 0xfe) == 18) return false;                   // 198.18/15 benchmarking
  if (b0 == 198 && b1 == 51 && b2 == 100) return false;               // TEST-NET-2
  if (b0 == 203 && b1 == 0 && b2 == 113) return false;                // TEST-NET-3
  return true;
}

bool allZero(const IpAddress& a, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (a[i] != 0) return false;
  }
  return true;
}

}  // namespace

std::optional<IpAddress> parseIpAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') return parseIpv6(text.substr(1, text.size() - 2));
  if (text.find(':') != std::string_view::npos) return parseIpv6(text);
  if (text.empty() || !endsInNumber(text)) return std::nullopt;
  return parseIpv4(text);
}

bool isPublicAddress(const IpAddress& a) {
  if (allZero(a, 0, 10) && a[10] == 0xff && a[11] == 0xff) return isPublicIpv4(a[12], a[13], a[14]);  // IPv4(-mapped)
  if (allZero(a, 0, 8) && a[8] == 0xff && a[9] == 0xff && allZero(a, 10, 12)) {
    return isPublicIpv4(a[12], a[13], a[14]);  // IPv4-translated (::ffff:0:a.b.c.d)
  }
  if (allZero(a, 0, 12)) return false;                                                                // ::, ::1, ::a.b.c.d
  const auto prefix = [&](std::initializer_list<uint8_t> bytes) {
    size_t i = 0;
    for (uint8_t b : bytes) {
      if (a[i++] != b) return false;
    }
    return true;
  };
  if (prefix({0x00, 0x64, 0xff, 0x9b}) && allZero(a, 4, 12)) return isPublicIpv4(a[12], a[13], a[14]);  // NAT64
  if (prefix({0x00, 0x64, 0xff, 0x9b, 0x00, 0x01})) return false;                                          // local NAT64
  if (prefix({0x01, 0x00}) && allZero(a, 2, 8)) return false;                                              // 100::/64 discard
  if (prefix({0x20, 0x01, 0x0d, 0xb8})) return false;                                                      // documentation
  if (prefix({0x20, 0x01, 0x00, 0x00})) return false;  // Teredo: the IPv4 inside is hidden, so no telling where it goes
  if (prefix({0x20, 0x02})) return isPublicIpv4(a[2], a[3], a[4]);                                          // 6to4
  if ((a[0] & 0xfe) == 0xfc) return false;  // fc00::/7 unique local (AWS metadata fd00:ec2::254)
  if (a[0] == 0xfe && (a[1] & 0x80)) return false;  // fe80::/10 link-local, fec0::/10 site-local
  if (a[0] == 0xff) return false;                   // multicast
  return true;
}

bool isPublicAddress(std::string_view text) {
  const auto a = parseIpAddress(text);
  return a && isPublicAddress(*a);
}

std::string urlHost(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const size_t start = scheme + 3;
  const size_t end = url.find('/', start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  std::string host;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    host = authority.substr(0, close == std::string::npos ? std::string::npos : close + 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  for (char& c : host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return host;
}

bool isPublicUrlHost(const std::string& url) {
  const std::string host = urlHost(url);
  if (host.empty()) return false;
  for (char c : host) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '%') return false;
  }
  if (host[0] == '[') {
    if (host.back() != ']') return false;
    const auto a = parseIpv6(std::string_view(host).substr(1, host.size() - 2));
    return a && isPublicAddress(*a);
  }
  std::string_view name = host;
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);  // "localhost." is localhost
  constexpr std::string_view kLocal = ".localhost";
  if (name == "localhost" ||
      (name.size() > kLocal.size() && name.compare(name.size() - kLocal.size(), kLocal.size(), kLocal) == 0)) {
    return false;
  }
  if (endsInNumber(host)) {
    const auto a = parseIpv4(host);
    return a && isPublicAddress(*a);
  }
  return true;
}

}  // namespace oa
