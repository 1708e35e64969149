#include "git/protocol/receive_pack.h"

#include <map>
#include <unordered_set>

#include "base/storage_conflict_retry.h"
#include "base/text.h"
#include "git/format/sideband.h"
#include "git/protocol/capabilities.h"
#include "git/protocol/ref_advertisement.h"
#include "git/store/object_walk.h"
#include "git/store/pushed_clone_list.h"
#include "git/store/walk_cache.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
// Everything before the pack (shallow lines, commands, push options) is held
// until the push ends, so it is bounded as a whole: 4 MiB is room for about
// 40,000 ref updates of ordinary length.
constexpr size_t kMaxCommandBytes = 4u << 20;
constexpr size_t kMaxCommands = 10000;
constexpr size_t kMaxPushOptions = 1000;

[[noreturn]] void bad(const std::string& msg) { throwError(ErrorCode::InvalidInput, msg); }
}  // namespace

ReceivePack::ReceivePack(RepoContext& repo, IngestLimits limits)
    : repo_(repo), limits_(limits), removalEpochAtStart_(PackIngest::removalEpoch(repo.store())) {}
ReceivePack::~ReceivePack() = default;  // a pack never finished is taken back by ~PackIngest

void ReceivePack::giveUpPack() {
  if (!ingest_) return;
  try {
    ingest_->abandon();
  } catch (...) {
    // Storage failed too: the objects stay as unreachable, counted records.
  }
}

Bytes ReceivePack::advertise(int /*version: receive-pack only speaks v0*/) {
  RefAdvertisement ad;
  ad.service = "git-receive-pack";
  ad.capabilities = receivePackCapabilities();
  // Like git's write_head_info(): the refs without HEAD or peeled tags, and
  // a shallow repo's shallow commits.
  for (const auto& ref : repo_.refs().list()) ad.refs.push_back(AdvertisedRef{ref.name, ref.id, {}, {}});
  ad.shallow = repo_.shallows().list();
  return encodeRefAdvertisement(ad);
}

void ReceivePack::parseCommandPacket(const std::string& payload) {
  commandBytes_ += payload.size();
  if (commandBytes_ > kMaxCommandBytes) bad("protocol error: command list larger than 4 MiB");
  std::string_view line = chompNewline(payload);
  if (startsWith(line, "shallow ")) {
    // A shallow client lists its shallow commits before the commands.
    auto id = line.size() == 48 ? ObjectId::fromHex(line.substr(8)) : std::nullopt;
    if (!id) bad("protocol error: expected shallow sha, got '" + std::string(line.substr(0, 64)) + "'");
    clientShallows_.push_back(*id);
    return;
  }
  std::string_view caps;
  const size_t nul = line.find('\0');
  if (nul != std::string_view::npos) {
    if (!commands_.empty()) bad("protocol error: capabilities after the first command");
    caps = line.substr(nul + 1);
    line = line.substr(0, nul);
  }
  if (line.size() < 83 || line[40] != ' ' || line[81] != ' ') bad("protocol error: expected '<old> <new> <ref>'");
  auto oldId = ObjectId::fromHex(line.substr(0, 40));
  auto newId = ObjectId::fromHex(line.substr(41, 40));
  if (!oldId || !newId) bad("protocol error: bad object id in command");
  if (commands_.size() >= kMaxCommands) bad("protocol error: too many commands");
  commands_.push_back({*oldId, *newId, std::string(line.substr(82)), ""});
  size_t start = 0;
  while (start < caps.size()) {
    size_t end = caps.find(' ', start);
    if (end == std::string_view::npos) end = caps.size();
    const std::string_view cap = caps.substr(start, end - start);
    if (cap == "side-band-64k") sideband_ = true;
    else if (cap == "report-status-v2") reportV2_ = true;
    else if (cap == "atomic") atomic_ = true;
    else if (cap == "quiet") quiet_ = true;
    else if (cap == "push-options") pushOptions_ = true;
    start = end + 1;
  }
}

void ReceivePack::write(const uint8_t* data, size_t n) {
  if (phase_ == Phase::Pack) {
    if (!unpackError_.empty()) return;  // keep draining after a bad pack
    try {
      ingest_->write(data, n);
    } catch (const ArtifactsError& e) {
      giveUpPack();
      if (e.code() == ErrorCode::MemoryLimit) throw;  // a limit refuses the request (413)
      unpackError_ = e.what();
    }
    return;
  }
  if (phase_ == Phase::Done) return;
  reader_.feed(data, n);
  Packet p;
  while (phase_ != Phase::Pack && reader_.next(p)) {
    sawAnyPacket_ = true;
    if (phase_ == Phase::Commands) {
      if (p.kind == Packet::Kind::Flush) {
        phase_ = pushOptions_ ? Phase::Options : Phase::Pack;
      } else if (p.kind == Packet::Kind::Data) {
        parseCommandPacket(p.payload);
      } else {
        bad("protocol error: unexpected special packet in command list");
      }
    } else if (phase_ == Phase::Options) {
      if (p.kind == Packet::Kind::Flush) {
        phase_ = Phase::Pack;
      } else if (p.kind == Packet::Kind::Data && options_.size() < kMaxPushOptions) {
        commandBytes_ += p.payload.size();
        if (commandBytes_ > kMaxCommandBytes) bad("protocol error: push options larger than 4 MiB");
        options_.emplace_back(chompNewline(p.payload));
      } else {
        bad("protocol error: bad push option");
      }
    }
  }
  if (phase_ != Phase::Pack && reader_.buffered() > kMaxCommandBytes) bad("protocol error: command list too large");
  if (phase_ == Phase::Pack) {
    if (repo_.objects().borrowsObjects()) {
      // A thin pack's bases are usually in the trees of the refs it updates.
      fork_.emplace(repo_);
      std::vector<ObjectId> updated;
      for (const auto& c : commands_) updated.push_back(c.oldId);
      fork_->preferTreesOf(updated);
    }
    bool needPack = false;
    for (const auto& c : commands_) needPack |= !c.newId.isZero();
    const std::string rest = reader_.takeRemaining();
    if (!needPack) {
      phase_ = Phase::Done;  // a deletes-only push carries no pack
      return;
    }
    ingest_ = std::make_unique<PackIngest>(repo_.store(), repo_.objects(), limits_);
    if (fork_) ingest_->setExternalBaseGuard([this](const ObjectId& id) { return fork_->visible(id); });
    if (!rest.empty()) write(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  }
}

bool ReceivePack::resume() {
  if (!ingest_ || !unpackError_.empty()) return true;
  try {
    return ingest_->resume();
  } catch (const ArtifactsError& e) {
    giveUpPack();
    if (e.code() == ErrorCode::MemoryLimit) throw;
    unpackError_ = e.what();
    return true;
  }
}

// git receive-pack with receive.shallowUpdate off. The pushing client's
// shallow commits that are this repo's own shallow commits change nothing
// (git's prepare_shallow_info() skips its grafts), nor do those absent after
// the unpack (remove_nonexistent_theirs_shallow()). A ref whose new history
// (what existing refs do not reach) reaches any other would leave the repo
// with a commit lacking its parents unmarked: refused.
void ReceivePack::checkShallowUpdates() {
  if (clientShallows_.empty()) return;
  const auto& repoShallows = repo_.shallows().set();
  std::unordered_set<ObjectId> foreign;
  for (const auto& s : clientShallows_) {
    if (repoShallows.count(s)) continue;
    // Hidden: as if absent. Asked before storage is (fork_visibility.h: no oracle for its existence).
    if (fork_ && !fork_->visible(s)) continue;
    if (repo_.git().typeOf(s) != ObjectType::Commit) continue;
    foreign.insert(s);
  }
  if (foreign.empty()) return;
  std::vector<ObjectId> existingTips;
  for (const auto& ref : repo_.refs().list()) existingTips.push_back(ref.id);
  for (auto& c : commands_) {
    if (!c.error.empty() || c.newId.isZero() || (fork_ && !fork_->visible(c.newId)) || !repo_.git().typeOf(c.newId)) {
      continue;
    }
    WalkRequest walk = repo_.walkRequest();
    walk.repoShallows.insert(foreign.begin(), foreign.end());  // the client has no parents for them
    walk.commitsOnly = true;
    walk.wants = {c.newId};
    walk.haves = existingTips;
    try {
      const WalkResult result = walkObjects(repo_.git(), walk);
      for (size_t i = 0; i < result.commitCount; ++i) {
        if (foreign.count(result.objects[i])) {
          c.error = "shallow update not allowed";
          break;
        }
      }
    } catch (const MissingObjectError&) {
      // Left to the connectivity check.
    } catch (const ArtifactsError& e) {
      if (e.code() == ErrorCode::MemoryLimit) throw;
    }
  }
}

void ReceivePack::checkConnectivity() {
  std::vector<ObjectId> existingTips;
  for (const auto& ref : repo_.refs().list()) existingTips.push_back(ref.id);
  std::vector<RefCommand*> toCheck;
  for (auto& c : commands_) {
    if (!c.error.empty() || c.newId.isZero()) continue;
    // Hidden from the fork: missing (asked first, fork_visibility.h), unless
    // this push carried it (its content came from the client).
    std::optional<ObjectType> type;
    if (!fork_ || (ingest_ && ingest_->carried(c.newId)) || fork_->visible(c.newId)) type = repo_.git().typeOf(c.newId);
    if (!type) c.error = "missing necessary objects";
    else if (startsWith(c.ref, "refs/heads/") && *type != ObjectType::Commit) c.error = "branches must point at commits";
    else toCheck.push_back(&c);
  }
  // Everything reachable from the new tips must be present. The pack's own
  // objects link only to each other and to its outside links (PackIngest),
  // so when every outside link and every tip outside the pack is stored and
  // connected (one walk over them, stopping at what existing refs reach),
  // so is everything. When that does not hold (an unparseable object, a
  // dangling link, a shallow commit's missing parent) the walk from the
  // tips over storage decides, as git's own check does.
  // History stops at the repo's shallow commits (git checks connectivity
  // with its shallow grafts in place).
  WalkRequest base = repo_.walkRequest();
  base.haves = existingTips;
  base.verifyBlobs = true;
  auto walkConnects = [&](WalkRequest walk) {
    if (walk.wants.empty()) return true;
    try {
      walkObjects(repo_.git(), walk);
      return true;
    } catch (const MissingObjectError&) {
      return false;
    } catch (const ArtifactsError& e) {
      if (e.code() == ErrorCode::MemoryLimit) throw;
      return false;  // unparseable objects count as missing
    }
  };
  // What the push refers to outside its pack, all present and (for a fork) visible.
  auto outsideConnects = [&](const std::vector<ObjectId>& outside) {
    if (fork_) {
      // What the push refers to outside its pack must be the fork's: a
      // borrowed object its refs do not reach is hidden, i.e. missing.
      std::vector<ObjectId> parents;
      for (const auto& id : outside) {
        if (repo_.git().typeOf(id) == ObjectType::Commit) parents.push_back(id);
      }
      fork_->preferTreesOf(parents);
      for (const auto& id : outside) {
        if (!fork_->visible(id)) return false;
      }
    }
    WalkRequest walk = base;
    for (const auto& id : outside) {
      auto type = repo_.git().typeOf(id);
      if (!type) return false;
      if (*type != ObjectType::Blob) walk.wants.push_back(id);
    }
    return walkConnects(walk);
  };
  auto connected = [&](const std::vector<ObjectId>& tips) {
    if (ingest_ && ingest_->linksKnown()) {
      std::vector<ObjectId> outside;
      outside.reserve(ingest_->outsideLinks().size());
      for (const auto& link : ingest_->outsideLinks()) outside.push_back(link.first);
      for (const auto& tip : tips) {
        if (!ingest_->carried(tip)) outside.push_back(tip);
      }
      if (outsideConnects(outside)) return true;
    }
    if (fork_) return outsideConnects(tips);  // visibility, then the walk from the tips
    WalkRequest walk = base;
    walk.wants = tips;
    return walkConnects(walk);
  };
  std::vector<ObjectId> tips;
  for (auto* c : toCheck) tips.push_back(c->newId);
  if (tips.empty() || connected(tips)) return;
  // Only when the whole push fails: find which refs are to blame.
  for (auto* c : toCheck) {
    if (!connected({c->newId})) c->error = "missing necessary objects";
  }
}

void ReceivePack::applyUpdates() {
  std::unordered_set<std::string> seen;
  for (auto& c : commands_) {
    if (!c.error.empty()) continue;
    if (!isValidRefName(c.ref)) c.error = "funny refname";
    else if (!seen.insert(c.ref).second) c.error = "duplicate ref update";
  }
  if (unpackError_.empty()) {
    checkShallowUpdates();
    checkConnectivity();
  }
  // Compare-and-swap against the refs as they are now (RefStore::holds). The
  // batch also expects every ref it moves to be unchanged when it commits
  // (another process sharing the store may push meanwhile); a lost race
  // compares again.
  std::vector<std::string> checked;
  for (const auto& c : commands_) checked.push_back(c.error);
  retryOnConflict([&] {
    for (size_t i = 0; i < commands_.size(); ++i) commands_[i].error = checked[i];
    // A failed push took objects back since this one began: what its checks
    // found stored may be gone (the pack's own objects too, if both wrote them).
    const bool objectsRemoved = PackIngest::removalEpoch(repo_.store()) != removalEpochAtStart_;
    for (auto& c : commands_) {
      if (c.error.empty() && !repo_.refs().holds(c.ref, c.oldId)) c.error = "stale ref";
      if (c.error.empty() && objectsRemoved && !c.newId.isZero() && c.oldId != c.newId) {
        c.error = "objects were removed by a concurrent push that failed; push again";
      }
    }
    bool anyFailed = false;
    for (const auto& c : commands_) anyFailed |= !c.error.empty();
    if (atomic_ && anyFailed) {
      for (auto& c : commands_) {
        if (c.error.empty()) c.error = "atomic push failed";
      }
    }
    WriteBatch batch;
    std::vector<RefUpdate> updated;
    for (const auto& c : commands_) {
      if (!c.error.empty() || c.oldId == c.newId) continue;
      repo_.refs().stageExpected(batch, c.ref, c.oldId.isZero() ? std::nullopt : std::optional<ObjectId>(c.oldId));
      repo_.refs().stage(batch, c.ref, c.newId.isZero() ? std::nullopt : std::optional<ObjectId>(c.newId));
      updated.push_back(RefUpdate{c.ref, c.oldId, c.newId});
    }
    // Only a ref moved to an object relies on objects (a deletion does not).
    bool movesToObjects = false;
    for (const auto& u : updated) movesToObjects |= !u.after.isZero();
    if (movesToObjects) PackIngest::expectNoRemovalSince(batch, removalEpochAtStart_);
    if (!batch.empty()) repo_.store().commit(batch);
    outcome_.updated = std::move(updated);
  });
}

std::optional<Bytes> ReceivePack::cloneListEntry() {
  const PackObjectIndex* pack = ingest_ ? ingest_->indexForCloneList() : nullptr;
  if (!pack) return std::nullopt;
  // The list is 21 bytes an object: room made from the resolved objects
  // cached by the push (wasm memory never shrinks, so its peak is what counts).
  repo_.objects().clearCache();
  try {
    WalkRequest clone = repo_.walkRequest();
    if (!clone.repoShallows.empty()) return std::nullopt;
    // What a clone wants, now and before the push: every branch and tag.
    std::map<std::string, ObjectId> refs;
    for (const auto& ref : repo_.refs().list()) refs[ref.name] = ref.id;
    auto refsBefore = refs;
    for (const auto& u : outcome_.updated) {
      if (u.before.isZero()) refsBefore.erase(u.ref);
      else refsBefore[u.ref] = u.before;
    }
    const auto wants = [](const std::map<std::string, ObjectId>& all) {
      std::vector<ObjectId> out;
      for (const auto& [name, id] : all) {
        if (startsWith(name, "refs/heads/") || startsWith(name, "refs/tags/")) out.push_back(id);
      }
      return out;
    };
    clone.wants = wants(refs);
    WalkRequest previous = clone;
    previous.wants = wants(refsBefore);
    // The same tips reach the same objects: any list stored for them stands.
    if (std::unordered_set<ObjectId>(clone.wants.begin(), clone.wants.end()) ==
        std::unordered_set<ObjectId>(previous.wants.begin(), previous.wants.end())) {
      return std::nullopt;
    }
    const ListBeforePush before{previous.wants, [&] { return WalkCache(repo_.store()).find(previous, true); }};
    if (auto list = cloneListAfterPush(*pack, ingest_->outsideLinks(), clone.wants, before, repo_.git())) {
      return WalkCache::entryFor(clone, *list, /*typesChecked=*/true);
    }
  } catch (const std::exception&) {
    // The next clone walks.
  }
  return std::nullopt;
}

Bytes ReceivePack::report() {
  Bytes status;
  appendPkt(status, unpackError_.empty() ? std::string("unpack ok\n") : "unpack " + unpackError_ + "\n");
  for (const auto& c : commands_) {
    if (c.error.empty()) appendPkt(status, "ok " + c.ref + "\n");
    else appendPkt(status, "ng " + c.ref + " " + c.error + "\n");
  }
  appendFlush(status);
  if (!sideband_) return status;
  Bytes out;
  appendSideband(out, Band::Data, status.data(), status.size());
  appendFlush(out);
  return out;
}

std::unique_ptr<ResponseBody> ReceivePack::finish() {
  if (!sawAnyPacket_ || commands_.empty()) {
    // git's probe ("0000") or an empty push: nothing to do, nothing to say.
    if (phase_ == Phase::Commands && reader_.buffered() > 0) bad("protocol error: truncated command list");
    return bufferBody(Bytes{});
  }
  if (phase_ == Phase::Commands || phase_ == Phase::Options) bad("protocol error: command list not terminated");
  if (ingest_ && unpackError_.empty()) {
    try {
      ingest_->finish();
    } catch (const ArtifactsError& e) {
      giveUpPack();
      if (e.code() == ErrorCode::MemoryLimit) throw;
      unpackError_ = e.what();
    }
  }
  if (!unpackError_.empty()) {
    for (auto& c : commands_) c.error = "unpacker error";
  }
  applyUpdates();
  // As git discards its quarantine: a push that moved no ref keeps no objects.
  std::optional<Bytes> cloneList;
  if (!outcome_.anyRefChanged()) giveUpPack();
  else cloneList = cloneListEntry();
  ingest_.reset();  // done: what it spilled to storage goes now (pack_object_index.h)
  if (cloneList) WalkCache(repo_.store()).store(std::move(*cloneList));  // after the index is freed
  phase_ = Phase::Done;
  return bufferBody(report());
}

}  // namespace oa::git
