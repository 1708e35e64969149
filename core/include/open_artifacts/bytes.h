// Byte strings, as the core passes them around (objects, packs, request bodies).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace oa {

using Bytes = std::vector<uint8_t>;

inline std::string bytesToString(const Bytes& b) { return std::string(b.begin(), b.end()); }
inline Bytes stringToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace oa
