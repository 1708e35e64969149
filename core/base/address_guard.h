// Which hosts import() may reach without the host's explicit opt-in (the
// import "stays outside" rule): never loopback, private, link-local, CGNAT,
// unique-local or cloud-metadata addresses, nor `localhost` names. The core
// judges the URL's text (literal addresses, in every form a WHATWG URL parser
// reads as an address); hosts that resolve names (Node) also judge every
// resolved address with isPublicAddress() before connecting.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oa {

// 16 bytes; IPv4 addresses as IPv4-mapped IPv6 (::ffff:a.b.c.d).
using IpAddress = std::array<uint8_t, 16>;

// An IP literal as a WHATWG URL host parser reads it: IPv4 in 1-4 dot-separated
// parts, each decimal, octal (leading 0) or hex (0x), the last filling the
// remaining bytes ("127.1", "0x7f.0.0.1", "2130706433"), one trailing dot
// allowed; IPv6 with or without brackets, "::" and a dotted IPv4 tail allowed.
// nullopt when `text` is not an address.
std::optional<IpAddress> parseIpAddress(std::string_view text);

// False for every address in a special-purpose range that is not globally
// reachable (IANA special-purpose registries): 0/8, 10/8, 100.64/10, 127/8,
// 169.254/16 (cloud metadata 169.254.169.254), 172.16/12, 192.0.0/24,
// 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4,
// 240/4; ::/96 (::, ::1, IPv4-compatible), 100::/64, 2001:db8::/32,
// fc00::/7 (AWS metadata fd00:ec2::254), fe80::/10, fec0::/10, ff00::/8,
// 64:ff9b:1::/48; and IPv6 forms that embed an IPv4 address (::ffff:0:0/96,
// 64:ff9b::/96 NAT64, 2002::/16 6to4) whose IPv4 address is not public.
bool isPublicAddress(const IpAddress& address);
// The same for an address as text ("127.0.0.1", "::1"); false when `text` is
// not an address.
bool isPublicAddress(std::string_view text);

// The host of an http(s) URL as written (lower-cased; brackets kept for IPv6,
// the port removed), or "" when there is none.
std::string urlHost(const std::string& url);

// True when the URL's host may be contacted without the opt-in: a DNS name
// (other than localhost / *.localhost) or a public address literal. Hosts
// that cannot be judged as text are refused: percent-encoded or non-ASCII
// names (a URL parser decodes and maps them first) and names that end in a
// number but are no valid IPv4 address.
bool isPublicUrlHost(const std::string& url);

}  // namespace oa
