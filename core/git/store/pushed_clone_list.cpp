#include "git/store/pushed_clone_list.h"

#include <unordered_set>

namespace oa::git {

std::optional<WalkResult> cloneListOfPack(const PackObjectIndex& pack, const std::vector<ObjectId>& tips, GitRepo& repo) {
  using Origin = PackObjectIndex::Origin;
  if (pack.spilled() || tips.empty()) return std::nullopt;
  const std::unordered_set<ObjectId> tipSet(tips.begin(), tips.end());
  WalkResult out;
  for (const auto& tip : tipSet) {
    const auto held = pack.heldInMemory(tip);
    if (!held) return std::nullopt;
    // What a want names through tags, if a blob, is sent whatever the filter (object_walk.h).
    std::optional<ObjectId> named = tip;
    if (held->type == ObjectType::Tag) named = repo.peel(tip);
    if (!named) return std::nullopt;
    const auto target = pack.heldInMemory(*named);
    if (!target) return std::nullopt;
    if (target->type == ObjectType::Blob) out.wantedBlobs.push_back(*named);
  }
  bool reachable = true;
  size_t listed = 0;
  pack.forEachInMemory([&](const PackObjectIndex::Held& e) {
    if (e.origin == Origin::Repeated) return;
    if (!e.linked && !tipSet.count(e.id)) reachable = false;
    ++listed;
  });
  if (!reachable) return std::nullopt;
  out.objects.reserve(listed);
  out.types.reserve(listed);
  // Commits, then tags, then trees and blobs, as the walk lists them.
  for (const auto pass : {0, 1, 2}) {
    pack.forEachInMemory([&](const PackObjectIndex::Held& e) {
      if (e.origin == Origin::Repeated) return;
      const int of = e.type == ObjectType::Commit ? 0 : e.type == ObjectType::Tag ? 1 : 2;
      if (of != pass) return;
      out.objects.push_back(e.id);
      out.types.push_back(e.type);
    });
    if (pass == 0) out.commitCount = out.objects.size();
  }
  return out;
}

}  // namespace oa::git
