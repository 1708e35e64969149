#include "git/format/object_links.h"

#include <string_view>

namespace oa::git {

namespace {
// "<key> <40 hex>\n" at `pos`; advances past it.
std::optional<ObjectId> headerId(std::string_view text, size_t& pos, std::string_view key) {
  if (text.substr(pos, key.size()) != key || pos + key.size() + 41 > text.size()) return std::nullopt;
  auto id = ObjectId::fromHex(text.substr(pos + key.size(), 40));
  if (!id || text[pos + key.size() + 40] != '\n') return std::nullopt;
  pos += key.size() + 41;
  return id;
}
}  // namespace

std::optional<std::vector<ObjectId>> objectLinks(ObjectType type, const Bytes& data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  std::vector<ObjectId> out;
  size_t pos = 0;
  switch (type) {
    case ObjectType::Blob:
      return out;
    case ObjectType::Commit: {
      auto tree = headerId(text, pos, "tree ");
      if (!tree) return std::nullopt;
      out.push_back(*tree);
      while (auto parent = headerId(text, pos, "parent ")) out.push_back(*parent);
      return out;
    }
    case ObjectType::Tag: {
      auto target = headerId(text, pos, "object ");
      if (!target) return std::nullopt;
      out.push_back(*target);
      return out;
    }
    case ObjectType::Tree: {
      auto entries = treeLinks(data);
      if (!entries) return std::nullopt;
      for (const auto& e : *entries) {
        if (!e.isGitlink) out.push_back(e.id);
      }
      return out;
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::vector<TreeLink>> treeLinks(const Bytes& data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  std::vector<TreeLink> out;
  out.reserve(data.size() / 28 + 1);  // entries are 28+ bytes: one allocation, not a growth series
  size_t pos = 0;
  while (pos < data.size()) {
    // "<octal mode> <name>\0<20-byte id>"
    const size_t space = text.find(' ', pos);
    if (space == std::string_view::npos || space == pos || space - pos > 6) return std::nullopt;
    const std::string_view mode = text.substr(pos, space - pos);
    const size_t nul = text.find('\0', space + 1);
    if (nul == std::string_view::npos || nul == space + 1 || nul + 21 > data.size()) return std::nullopt;
    TreeLink link;
    link.id = ObjectId::fromRaw(data.data() + nul + 1);
    link.isTree = mode == "40000" || mode == "040000";
    link.isGitlink = mode == "160000";
    out.push_back(link);
    pos = nul + 21;
  }
  return out;
}

}  // namespace oa::git
