#include "git/format/object_filter.h"

#include "base/text.h"

namespace oa::git {

namespace {
std::optional<uint64_t> parseNumber(std::string_view s, bool allowUnit) {
  if (s.empty()) return std::nullopt;
  uint64_t multiplier = 1;
  if (allowUnit) {
    const char unit = s.back();
    if (unit == 'k' || unit == 'K') multiplier = 1024;
    if (unit == 'm' || unit == 'M') multiplier = 1024 * 1024;
    if (unit == 'g' || unit == 'G') multiplier = 1024ull * 1024 * 1024;
    if (multiplier != 1) s.remove_suffix(1);
  }
  if (s.empty() || s.size() > 15) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v * multiplier;
}
}  // namespace

std::optional<ObjectFilter> ObjectFilter::parse(std::string_view spec) {
  if (spec == "blob:none") return ObjectFilter{Kind::BlobNone, 0};
  if (startsWith(spec, "blob:limit=")) {
    auto n = parseNumber(spec.substr(11), true);
    if (!n) return std::nullopt;
    return ObjectFilter{Kind::BlobLimit, *n};
  }
  if (startsWith(spec, "tree:")) {
    auto n = parseNumber(spec.substr(5), false);
    if (!n) return std::nullopt;
    return ObjectFilter{Kind::TreeDepth, *n};
  }
  return std::nullopt;
}

std::string ObjectFilter::spec() const {
  switch (kind) {
    case Kind::None: return "";
    case Kind::BlobNone: return "blob:none";
    case Kind::BlobLimit: return "blob:limit=" + std::to_string(value);
    case Kind::TreeDepth: return "tree:" + std::to_string(value);
  }
  return "";
}

}  // namespace oa::git
