#include "git/store/object_walk.h"

#include <queue>

#include <unordered_map>

#include "git/format/object_links.h"
#include "git/format/tree.h"
#include "git/store/object_id_set.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

enum Flag : uint8_t {
  kUninteresting = 1,  // the client has this commit
  kQueued = 2,
  kAdded = 4,      // selected to send
  kBoundary = 8,   // shallow boundary: traversed without its parents
  kEdge = 16,      // uninteresting commit adjacent to a sent one: its tree is on the client
  kInQueue = 32,
};

class Walker {
 public:
  Walker(GitRepo& repo, const WalkRequest& req, const WalkProgress& progress)
      : repo_(repo), req_(req), progress_(progress) {}

  WalkResult run() {
    for (const auto& s : req_.clientShallows) clientShallow_.insert(s);
    computeDepthBoundary();
    if (!req_.deepenNot.empty()) markExcluded();
    walkCommits();
    // Commits and tags first, then trees and blobs appended in place: a
    // reordering copy of a large clone's list would need room for two.
    result_.objects = commits_;
    result_.objects.insert(result_.objects.end(), tags_.begin(), tags_.end());
    result_.types.assign(commits_.size(), ObjectType::Commit);
    result_.types.resize(commits_.size() + tags_.size(), ObjectType::Tag);
    // A wanted blob is sent even when the client has it.
    for (const auto& b : wantedBlobs_) {
      if (seen_.insert(b)) {
        result_.objects.push_back(b);
        result_.types.push_back(ObjectType::Blob);
      }
    }
    if (!req_.commitsOnly) {
      markClientTrees();
      // The tree walk needs each commit's tree and nothing else of the
      // commit walk: its state is freed first (3 MB in the large benchmark).
      std::vector<ObjectId> roots;
      roots.reserve(commits_.size() + explicitTrees_.size());
      for (const auto& c : commits_) roots.push_back(commitInfo(c).tree);
      roots.insert(roots.end(), explicitTrees_.begin(), explicitTrees_.end());
      decltype(commitCache_)().swap(commitCache_);
      decltype(flags_)().swap(flags_);
      decltype(queue_)().swap(queue_);
      for (const auto& t : roots) walkTree(t, 0);
    }
    result_.commitCount = commits_.size();
    result_.wantedBlobs = std::move(wantedBlobs_);
    return std::move(result_);
  }

 private:
  CommitInfo& commitInfo(const ObjectId& id) {
    auto it = commitCache_.find(id);
    if (it != commitCache_.end()) return it->second;
    auto c = repo_.commit(id);
    if (!c) throw MissingObjectError(id);
    return commitCache_.emplace(id, std::move(*c)).first->second;
  }

  // The parents the walk follows: none for the repo's own shallow commits
  // (git's shallow grafts), whose parents the repo does not have.
  const std::vector<ObjectId>& parentsOf(const ObjectId& id) {
    static const std::vector<ObjectId> kNone;
    const auto& info = commitInfo(id);
    return req_.repoShallows.count(id) ? kNone : info.parents;
  }

  // deepen <n>: commits n generations from the wants (or from the client's
  // shallow commits with deepen-relative) become parentless boundaries. The
  // count stops early at the repo's own shallow commits (reported as shallow
  // when sent, like git's get_shallow_commits()).
  void computeDepthBoundary() {
    if (req_.depth <= 0) return;
    std::vector<ObjectId> frontier;
    std::unordered_set<ObjectId> seen;
    for (const auto& w : req_.deepenRelative ? req_.clientShallows : wantCommits()) {
      if (seen.insert(w).second) frontier.push_back(w);
    }
    const int limit = req_.deepenRelative ? req_.depth + 1 : req_.depth;
    for (int d = 1; d <= limit && !frontier.empty(); ++d) {
      std::vector<ObjectId> next;
      for (const auto& c : frontier) {
        const auto& parents = parentsOf(c);
        if (d == limit) {
          if (!parents.empty()) {
            flags_[c] |= kBoundary;
            if (!clientShallow_.count(c)) result_.shallow.push_back(c);
          }
          continue;
        }
        for (const auto& p : parents) {
          if (seen.insert(p).second) next.push_back(p);
        }
      }
      frontier = std::move(next);
    }
    // Client shallows now inside the requested depth get their parents.
    for (const auto& x : req_.clientShallows) {
      const bool inside = req_.deepenRelative || (seen.count(x) && !(flags_[x] & kBoundary));
      if (inside && !parentsOf(x).empty()) result_.unshallow.push_back(x);
    }
  }

  // deepen-not: everything reachable from those commits is not sent.
  void markExcluded() {
    std::vector<ObjectId> stack;
    for (const auto& id : req_.deepenNot) {
      if (auto peeled = repo_.peel(id)) stack.push_back(*peeled);
    }
    while (!stack.empty()) {
      const ObjectId c = stack.back();
      stack.pop_back();
      if (!excluded_.insert(c).second) continue;
      for (const auto& p : parentsOf(c)) stack.push_back(p);
    }
  }

  std::vector<ObjectId> wantCommits() {
    std::vector<ObjectId> out;
    for (const auto& w : req_.wants) {
      auto peeled = repo_.peel(w);
      if (!peeled) throw MissingObjectError(w);
      if (repo_.typeOf(*peeled) == ObjectType::Commit) out.push_back(*peeled);
    }
    return out;
  }

  // Queues a commit (newest first); counts queued commits the client lacks.
  void enqueue(const ObjectId& id, uint8_t extra) {
    uint8_t& f = flags_[id];
    const bool wasUninteresting = f & kUninteresting;
    f |= extra;
    if ((f & kInQueue) && !wasUninteresting && (f & kUninteresting)) --interestingQueued_;
    if (!(f & kQueued)) {
      f |= kQueued | kInQueue;
      queue_.push({commitInfo(id).commitTime, id});
      if (!(f & kUninteresting)) ++interestingQueued_;
    }
  }

  void walkCommits() {
    for (const auto& w : req_.wants) addWant(w);
    for (const auto& x : result_.unshallow) {
      for (const auto& p : parentsOf(x)) enqueue(p, 0);
    }
    for (const auto& h : req_.haves) {
      auto peeled = repo_.peel(h);
      if (peeled && repo_.typeOf(*peeled) == ObjectType::Commit) enqueue(*peeled, kUninteresting);
      else if (peeled && repo_.typeOf(*peeled) == ObjectType::Tree) clientTreeRoots_.push_back(*peeled);
    }
    // Newest first; stop once only commits the client has remain queued.
    while (!queue_.empty() && interestingQueued_ > 0) {
      const ObjectId c = queue_.top().second;
      queue_.pop();
      uint8_t& f = flags_[c];
      f &= static_cast<uint8_t>(~kInQueue);
      const auto& parents = parentsOf(c);
      if (f & kUninteresting) {
        if (clientShallow_.count(c)) continue;  // the client lacks its parents
        for (const auto& p : parents) {
          // A commit the client has may be stored without its parents (the
          // objects of a refused push stay as unreachable records): nothing
          // is sent from there, so its missing history does not matter.
          if (repo_.typeOf(p) == ObjectType::Commit) enqueue(p, kUninteresting);
        }
        continue;
      }
      --interestingQueued_;
      if (excluded_.count(c)) continue;
      f |= kAdded;
      commits_.push_back(c);
      if (progress_) progress_(commits_.size());
      // The client gets this commit without parents: it must know.
      if (req_.repoShallows.count(c) && !clientShallow_.count(c)) result_.shallow.push_back(c);
      if (f & kBoundary) continue;
      bool cut = false;
      for (const auto& p : parents) {
        if (excluded_.count(p) || (req_.deepenSince && commitInfo(p).commitTime < req_.deepenSince)) {
          cut = true;
          continue;
        }
        enqueue(p, 0);
        if (flags_[p] & kUninteresting) flags_[p] |= kEdge;
      }
      if (cut && !clientShallow_.count(c)) result_.shallow.push_back(c);
    }
    // Any commit still queued and uninteresting that a sent commit points at is an edge.
    for (const auto& c : commits_) {
      if (flags_[c] & kBoundary) continue;
      for (const auto& p : parentsOf(c)) {
        auto it = flags_.find(p);
        if (it != flags_.end() && (it->second & kUninteresting)) it->second |= kEdge;
      }
    }
  }

  void addWant(const ObjectId& want) {
    ObjectId current = want;
    for (int i = 0; i < 16; ++i) {
      auto type = repo_.typeOf(current);
      if (!type) throw MissingObjectError(current);
      switch (*type) {
        case ObjectType::Tag: {
          if (sentTags_.insert(current).second) tags_.push_back(current);
          auto t = repo_.tag(current);
          if (!t) throw MissingObjectError(current);
          current = t->target;
          continue;
        }
        case ObjectType::Commit:
          enqueue(current, 0);
          return;
        case ObjectType::Tree:
          explicitTrees_.push_back(current);
          return;
        default:
          if (wantedBlobSet_.insert(current).second) wantedBlobs_.push_back(current);
          return;
      }
    }
    result_.tagChainCut = true;  // what the 16th tag names is not sent
  }

  // Trees of edge commits (and have'd trees) are on the client: never resend them.
  void markClientTrees() {
    std::vector<ObjectId> stack = clientTreeRoots_;
    for (const auto& [id, f] : flags_) {
      if (f & kEdge) stack.push_back(commitInfo(id).tree);
    }
    while (!stack.empty()) {
      const ObjectId t = stack.back();
      stack.pop_back();
      if (!result_.clientHas.insert(t).second) continue;
      auto entries = treeEntries(t);
      if (!entries) continue;  // the client's trees need not all be here (shallow/partial history)
      for (const auto& e : *entries) {
        if (e.isGitlink) continue;
        if (e.isTree) stack.push_back(e.id);
        else result_.clientHas.insert(e.id);
      }
    }
  }

  // On the client (trees of edge commits, have'd trees): a clone has none.
  bool clientHas(const ObjectId& id) const { return !result_.clientHas.empty() && result_.clientHas.count(id); }

  void addObject(const ObjectId& id, ObjectType type) {
    if (clientHas(id) || !seen_.insert(id)) return;
    result_.objects.push_back(id);
    result_.types.push_back(type);
    if (progress_) progress_(result_.objects.size());
  }

  bool blobWanted(const ObjectId& id) {
    switch (req_.filter.kind) {
      case ObjectFilter::Kind::None: return true;
      case ObjectFilter::Kind::BlobNone: return false;
      case ObjectFilter::Kind::TreeDepth: return true;  // decided by depth below
      case ObjectFilter::Kind::BlobLimit: {
        auto rec = repo_.objects().record(id);
        if (!rec) throw MissingObjectError(id);
        return rec->size <= req_.filter.value;
      }
    }
    return true;
  }

  // A tree's entries, parsed straight from the stored object (the walk needs
  // ids and kinds, not names: GitRepo::tree() would copy every name).
  std::optional<std::vector<TreeLink>> treeEntries(const ObjectId& id) {
    auto object = repo_.objects().read(id);
    if (!object || object->type != ObjectType::Tree) return std::nullopt;
    auto links = treeLinks(*object->data);
    if (!links) throwError(ErrorCode::InternalError, "A stored git object is corrupt: " + id.hex());
    return links;
  }

  void walkTree(const ObjectId& root, uint64_t rootDepth) {
    const bool treeFilter = req_.filter.kind == ObjectFilter::Kind::TreeDepth;
    auto& stack = treeStack_;
    stack.assign(1, {root, rootDepth});
    while (!stack.empty()) {
      auto [t, depth] = stack.back();
      stack.pop_back();
      if (treeFilter && depth >= req_.filter.value) continue;
      if (clientHas(t) || seen_.contains(t)) continue;
      auto object = repo_.objects().read(t);
      if (!object || object->type != ObjectType::Tree) throw MissingObjectError(t);
      addObject(t, ObjectType::Tree);
      // Entries straight from the tree's bytes: no list of them per tree.
      TreeParser parser(*object->data);
      TreeEntryView e;
      while (parser.next(e)) {
        if (e.isGitlink()) continue;  // submodule commits live in another repo
        if (e.isTree()) {
          stack.push_back({e.id, depth + 1});
        } else if (!clientHas(e.id) && !seen_.contains(e.id)) {
          if (treeFilter && depth + 1 >= req_.filter.value) continue;
          if (!blobWanted(e.id)) continue;
          if (req_.verifyBlobs && !repo_.objects().exists(e.id)) throw MissingObjectError(e.id);
          addObject(e.id, ObjectType::Blob);
        }
      }
      if (parser.malformed()) throwError(ErrorCode::InternalError, "A stored git object is corrupt: " + t.hex());
    }
  }

  GitRepo& repo_;
  const WalkRequest& req_;
  const WalkProgress& progress_;
  WalkResult result_;
  std::unordered_map<ObjectId, uint8_t> flags_;
  std::unordered_map<ObjectId, CommitInfo> commitCache_;
  std::priority_queue<std::pair<int64_t, ObjectId>> queue_;
  size_t interestingQueued_ = 0;
  ObjectIdSet seen_;  // trees and blobs listed
  std::vector<std::pair<ObjectId, uint64_t>> treeStack_;  // walkTree()'s, reused
  std::unordered_set<ObjectId> clientShallow_, excluded_, sentTags_, wantedBlobSet_;
  std::vector<ObjectId> commits_, tags_, explicitTrees_, clientTreeRoots_, wantedBlobs_;
};

}  // namespace

WalkResult walkObjects(GitRepo& repo, const WalkRequest& request, const WalkProgress& progress) {
  return Walker(repo, request, progress).run();
}

}  // namespace oa::git
