// Partial-clone object filters accepted by upload-pack ("filter <spec>"):
// blob:none, blob:limit=<n>[kmg], tree:<depth>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oa::git {

struct ObjectFilter {
  enum class Kind { None, BlobNone, BlobLimit, TreeDepth };
  Kind kind = Kind::None;
  uint64_t value = 0;  // BlobLimit: max blob size in bytes; TreeDepth: depth

  // nullopt for a spec we do not support (the server answers with an error).
  static std::optional<ObjectFilter> parse(std::string_view spec);
  // The spec that parse() reads back as this filter (units spelled out:
  // "blob:limit=1k" comes back as "blob:limit=1024").
  std::string spec() const;
};

inline bool operator==(const ObjectFilter& a, const ObjectFilter& b) { return a.kind == b.kind && a.value == b.value; }
inline bool operator!=(const ObjectFilter& a, const ObjectFilter& b) { return !(a == b); }

}  // namespace oa::git
