#include "git/format/tag.h"

#include "base/text.h"

namespace oa::git {

namespace {

// The value of the "<key>...\n" line at `pos`; advances past it.
std::optional<std::string_view> readLine(std::string_view text, size_t& pos, std::string_view key) {
  if (!startsWith(text.substr(pos), key)) return std::nullopt;
  const size_t eol = text.find('\n', pos);
  if (eol == std::string_view::npos) return std::nullopt;
  const std::string_view value = text.substr(pos + key.size(), eol - pos - key.size());
  pos = eol + 1;
  return value;
}
}  // namespace

std::optional<TagView> parseTag(std::string_view data) {
  TagView out;
  size_t pos = 0;
  auto target = readIdLine(data, pos, "object ");
  if (!target) return std::nullopt;
  out.target = *target;
  auto type = readLine(data, pos, "type ");
  if (!type) return std::nullopt;
  auto targetType = objectTypeFromName(*type);
  if (!targetType) return std::nullopt;
  out.targetType = *targetType;
  auto name = readLine(data, pos, "tag ");
  if (!name) return std::nullopt;
  out.name = *name;
  if (auto tagger = readLine(data, pos, "tagger ")) out.tagger = parseSignature(*tagger);

  while (pos < data.size()) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    const bool empty = eol == pos;
    pos = eol + 1;
    if (empty) {
      out.message = data.substr(pos);
      break;
    }
  }
  return out;
}

}  // namespace oa::git
