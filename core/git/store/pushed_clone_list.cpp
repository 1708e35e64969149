#include "git/store/pushed_clone_list.h"

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
  if (pack.spilled() || tips.empty()) return std::nullopt;
  const std::unordered_set<ObjectId> tipSet(tips.begin(), tips.end());
  const std::unordered_set<ObjectId> oldTips(before.tips.begin(), before.tips.end());

  // The pack's own checks first: they need no list.
  // Still reachable: every old tip.
  std::vector<ObjectId> goneTips;
  for (const auto& tip : oldTips) {
    if (tipSet.count(tip)) continue;
    const auto held = pack.heldInMemory(tip);
    if (!outsideLinks.count(tip) && !(held && held->linked)) return std::nullopt;
    goneTips.push_back(tip);
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
  // What must be in L, as the type L must list it (nullopt: any): the
  // outside links, and the new tips not in the pack.
  PackIngest::OutsideLinks inList = outsideLinks;
  for (const auto& tip : tipSet) {
    if (!pack.heldInMemory(tip) && !oldTips.count(tip)) inList.emplace(tip, std::nullopt);
  }
  if (!inList.empty() && oldTips.empty()) return std::nullopt;

  std::optional<WalkResult> stored;
  if (!oldTips.empty()) {
    stored = before.load();
    if (!stored) return std::nullopt;
  }
  const WalkResult empty;
  const WalkResult& old = stored ? *stored : empty;

  // Wanted blobs: L's stay wanted unless a tip that went away named one; a new tip adds its own.
  WalkResult out;
  std::unordered_set<ObjectId> wanted(old.wantedBlobs.begin(), old.wantedBlobs.end());
  out.wantedBlobs = old.wantedBlobs;
  if (!wanted.empty()) {
    for (const auto& tip : goneTips) {
      const auto target = named(pack, repo, tip);
      if (!target || target->second == ObjectType::Blob) return std::nullopt;
    }
  }
  for (const auto& tip : tipSet) {
    if (oldTips.count(tip)) continue;
    const auto target = named(pack, repo, tip);
    if (!target) return std::nullopt;
    if (target->second == ObjectType::Blob && wanted.insert(target->first).second) out.wantedBlobs.push_back(target->first);
  }

  // L, without what P lists again (two pushes may both have written an
  // object), checking off what must be in it, as the type it must be.
  std::vector<uint8_t> keep(old.objects.size(), 1);
  for (size_t i = 0; i < old.objects.size(); ++i) {
    const ObjectId& id = old.objects[i];
    if (pack.heldInMemory(id)) keep[i] = 0;
    const auto needed = inList.find(id);
    if (needed == inList.end()) continue;
    if (needed->second && *needed->second != old.types[i]) return std::nullopt;
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
