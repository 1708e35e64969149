#include "git/format/object_id.h"

namespace oa::git {

namespace {
int lowerHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

std::optional<ObjectId> ObjectId::fromHex(std::string_view hex) {
  if (hex.size() != 40) return std::nullopt;
  ObjectId id;
  for (size_t i = 0; i < 20; ++i) {
    const int hi = lowerHexValue(hex[2 * i]);
    const int lo = lowerHexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

ObjectId ObjectId::fromRaw(const uint8_t* raw) {
  ObjectId id;
  std::memcpy(id.bytes.data(), raw, id.bytes.size());
  return id;
}

std::string ObjectId::hex() const {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(40, '0');
  for (size_t i = 0; i < 20; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

bool ObjectId::isZero() const {
  for (uint8_t b : bytes) {
    if (b) return false;
  }
  return true;
}

const char* objectTypeName(ObjectType type) {
  switch (type) {
    case ObjectType::Commit: return "commit";
    case ObjectType::Tree: return "tree";
    case ObjectType::Blob: return "blob";
    case ObjectType::Tag: return "tag";
    case ObjectType::OfsDelta: return "ofs-delta";
    case ObjectType::RefDelta: return "ref-delta";
  }
  return "unknown";
}

std::optional<ObjectType> objectTypeFromName(std::string_view name) {
  if (name == "commit") return ObjectType::Commit;
  if (name == "tree") return ObjectType::Tree;
  if (name == "blob") return ObjectType::Blob;
  if (name == "tag") return ObjectType::Tag;
  return std::nullopt;
}

}  // namespace oa::git
