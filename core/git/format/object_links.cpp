#include "git/format/object_links.h"

#include "git/format/commit.h"
#include "git/format/tag.h"
#include "git/format/tree.h"

namespace oa::git {

std::optional<std::vector<ObjectLink>> objectLinks(ObjectType type, const Bytes& data) {
  std::vector<ObjectLink> out;
  switch (type) {
    case ObjectType::Blob:
      return out;
    case ObjectType::Commit: {
      auto commit = parseCommit(data);
      if (!commit) return std::nullopt;
      out.reserve(commit->parents.size() + 1);
      out.push_back({commit->tree, ObjectType::Tree});
      for (const auto& parent : commit->parents) out.push_back({parent, ObjectType::Commit});
      return out;
    }
    case ObjectType::Tag: {
      auto tag = parseTag(data);
      if (!tag) return std::nullopt;
      out.push_back({tag->target, std::nullopt});
      return out;
    }
    case ObjectType::Tree: {
      out.reserve(data.size() / 28 + 1);
      TreeParser parser(data);
      TreeEntryView entry;
      while (parser.next(entry)) {
        if (!entry.isGitlink()) out.push_back({entry.id, entry.isTree() ? ObjectType::Tree : ObjectType::Blob});
      }
      if (parser.malformed()) return std::nullopt;
      return out;
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::vector<TreeLink>> treeLinks(const Bytes& data) {
  std::vector<TreeLink> out;
  out.reserve(data.size() / 28 + 1);  // entries are 28+ bytes: one allocation, not a growth series
  TreeParser parser(data);
  TreeEntryView entry;
  while (parser.next(entry)) {
    const uint32_t mode = canonicalMode(entry.mode);
    TreeLink link;
    link.id = entry.id;
    link.isTree = mode == 0040000;
    link.isGitlink = mode == 0160000;
    out.push_back(link);
  }
  if (parser.malformed()) return std::nullopt;
  return out;
}

}  // namespace oa::git
