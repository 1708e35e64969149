// Git object ids (SHA-1, 20 bytes) and the object types of the pack format.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace oa::git {

struct ObjectId {
  std::array<uint8_t, 20> bytes{};

  // Exactly 40 lowercase hex digits; anything else is nullopt (git prints ids
  // lowercase, and accepting one spelling keeps keys canonical).
  static std::optional<ObjectId> fromHex(std::string_view hex);
  // The 20 raw bytes at `raw` (as in a pack's REF_DELTA header or a tree entry).
  static ObjectId fromRaw(const uint8_t* raw);
  std::string hex() const;
  bool isZero() const;

  friend bool operator==(const ObjectId& a, const ObjectId& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const ObjectId& a, const ObjectId& b) { return a.bytes != b.bytes; }
  friend bool operator<(const ObjectId& a, const ObjectId& b) { return a.bytes < b.bytes; }
};

// Numbering of the pack entry header (gitformat-pack); 5 is reserved.
enum class ObjectType : uint8_t { Commit = 1, Tree = 2, Blob = 3, Tag = 4, OfsDelta = 6, RefDelta = 7 };

// "commit", "tree", "blob", "tag", and "ofs-delta"/"ref-delta" for the two
// pack-only encodings.
const char* objectTypeName(ObjectType type);
// Only the four real object types parse: delta kinds are pack encodings and
// never appear where git spells a type (object headers, tag "type" lines).
std::optional<ObjectType> objectTypeFromName(std::string_view name);

inline bool isDeltaType(ObjectType type) { return type == ObjectType::OfsDelta || type == ObjectType::RefDelta; }

}  // namespace oa::git

template <>
struct std::hash<oa::git::ObjectId> {
  // The id is already a uniform hash: its first 8 bytes are a good bucket key.
  size_t operator()(const oa::git::ObjectId& id) const noexcept {
    uint64_t v;
    std::memcpy(&v, id.bytes.data(), sizeof v);
    return static_cast<size_t>(v);
  }
};
