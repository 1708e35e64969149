#include "git/store/pushed_clone_list.h"

#include <algorithm>
#include <unordered_set>

namespace oa::git {

namespace {
using Origin = PackObjectIndex::Origin;

// The object a tip names through tags, and its type; nullopt if unreadable.
std::optional<std::pair<ObjectId, ObjectType>> named(const PackObjectIndex& pack, GitRepo& repo, const ObjectId& tip) {
  const auto typeOf = [&](const ObjectId& id) -> std::optional<ObjectType> {
    if (const auto held = pack.heldInMemory(id)) return held->type;
    return repo.typeOf(id);
  };
  auto type = typeOf(tip);
  if (!type) return std::nullopt;
  if (*type != ObjectType::Tag) return std::make_pair(tip, *type);
  const auto target = repo.peel(tip);
  if (!target || !(type = typeOf(*target))) return std::nullopt;
  return std::make_pair(*target, *type);
}
}  // namespace

std::optional<WalkResult> cloneListAfterPush(const PackObjectIndex& pack, const PackIngest::OutsideLinks& outsideLinks,
                                             const std::vector<ObjectId>& tips, const ListBeforePush& before,
                                             GitRepo& repo) {
  if (pack.spilled() || tips.empty() || (!before.tips.empty() && !before.list)) return std::nullopt;
  const std::unordered_set<ObjectId> tipSet(tips.begin(), tips.end());
  const std::unordered_set<ObjectId> oldTips(before.tips.begin(), before.tips.end());
  const WalkResult empty;
  const WalkResult& old = before.list ? *before.list : empty;

  // What must be in L, with the type it must have there (nullopt: its own,
  // read): the outside links, and the new tips not in the pack.
  PackIngest::OutsideLinks inList = outsideLinks;
  for (const auto& tip : tipSet) {
    if (!pack.heldInMemory(tip) && !oldTips.count(tip)) inList.emplace(tip, std::nullopt);
  }
  // Still reachable: every old tip. And still wanted: L's wanted blobs,
  // unless a tip that went away named one.
  for (const auto& tip : oldTips) {
    if (tipSet.count(tip)) continue;
    const auto held = pack.heldInMemory(tip);
    if (!outsideLinks.count(tip) && !(held && held->linked)) return std::nullopt;
    if (!old.wantedBlobs.empty()) {
      const auto target = named(pack, repo, tip);
      if (!target || target->second == ObjectType::Blob) return std::nullopt;
    }
  }
  // All of P reachable.
  bool reachable = true;
  size_t listed = 0;
  pack.forEachInMemory([&](const PackObjectIndex::Held& e) {
    if (e.origin == Origin::Repeated) return;
    if (!e.linked && !tipSet.count(e.id)) reachable = false;
    ++listed;
  });
  if (!reachable) return std::nullopt;

  WalkResult out;
  out.wantedBlobs = old.wantedBlobs;
  for (const auto& tip : tipSet) {
    if (oldTips.count(tip)) continue;
    const auto target = named(pack, repo, tip);
    if (!target) return std::nullopt;
    const auto& wanted = out.wantedBlobs;
    if (target->second == ObjectType::Blob && std::find(wanted.begin(), wanted.end(), target->first) == wanted.end()) {
      out.wantedBlobs.push_back(target->first);
    }
  }

  // L, without what P lists again (two pushes may both have written an
  // object), checking off what must be in it, as the type it must be.
  std::vector<uint8_t> keep(old.objects.size(), 1);
  for (size_t i = 0; i < old.objects.size(); ++i) {
    const ObjectId& id = old.objects[i];
    if (pack.heldInMemory(id)) keep[i] = 0;
    const auto needed = inList.find(id);
    if (needed == inList.end()) continue;
    const std::optional<ObjectType> type = needed->second ? needed->second : repo.typeOf(id);
    if (type != old.types[i]) return std::nullopt;
    inList.erase(needed);
  }
  if (!inList.empty()) return std::nullopt;

  // Commits first (P's, then L's), then tags, trees and blobs, as the walk lists them.
  out.objects.reserve(listed + old.objects.size());
  out.types.reserve(listed + old.objects.size());
  const auto addPack = [&](bool commits) {
    pack.forEachInMemory([&](const PackObjectIndex::Held& e) {
      if (e.origin == Origin::Repeated || (e.type == ObjectType::Commit) != commits) return;
      out.objects.push_back(e.id);
      out.types.push_back(e.type);
    });
  };
  const auto addOld = [&](bool commits) {
    for (size_t i = 0; i < old.objects.size(); ++i) {
      if (!keep[i] || (old.types[i] == ObjectType::Commit) != commits) continue;
      out.objects.push_back(old.objects[i]);
      out.types.push_back(old.types[i]);
    }
  };
  addPack(true);
  addOld(true);
  out.commitCount = out.objects.size();
  addOld(false);
  addPack(false);
  return out;
}

}  // namespace oa::git
