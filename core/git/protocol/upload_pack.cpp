#include "git/protocol/upload_pack.h"

#include <optional>
#include <unordered_set>

#include "base/text.h"
#include "git/format/pkt_line.h"
#include "git/format/sideband.h"
#include "git/protocol/capabilities.h"
#include "git/protocol/command_request.h"
#include "git/protocol/fetch_request.h"
#include "git/protocol/ref_advertisement.h"
#include "git/store/fork_visibility.h"
#include "git/store/object_walk.h"
#include "git/store/pack_stream.h"
#include "git/store/ref_resolver.h"
#include "git/store/walk_cache.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

constexpr size_t kMaxRefPrefixes = 100;
// Resolved objects a fetch's walk keeps (the store's default is 8 MiB): the
// walk is where a first clone's memory peaks, next to every commit, tree and
// tag record it keeps for the pack stream. Large-benchmark first clone with
// 4 MiB: wasm heap high-water 40.7 MiB (was 44.4), no slower.
constexpr size_t kWalkCacheBytes = 4u << 20;

Bytes errPacket(const std::string& message) {
  Bytes out;
  appendPkt(out, "ERR " + message + "\n");
  return out;
}

// How the pack travels: raw, or multiplexed on band 1 with progress on band 2.
struct Framing {
  bool sideband = false;
  size_t maxData = kSideband64kMaxData;
  bool progress = false;
};

// Prefix (acks, shallow info, section headers) + pack + flush, streamed.
class FetchResponseBody : public ResponseBody {
 public:
  FetchResponseBody(Bytes prefix, std::unique_ptr<PackStream> pack, Framing framing, size_t enumerated)
      : prefix_(std::move(prefix)), pack_(std::move(pack)), framing_(framing), enumerated_(enumerated) {}

  bool next(Bytes& out) override {
    switch (state_) {
      case State::Prefix: {
        out.insert(out.end(), prefix_.begin(), prefix_.end());
        if (framing_.progress) {
          progress(out, "Enumerating objects: " + std::to_string(enumerated_) + ", done.\n");
        }
        state_ = State::Pack;
        return true;
      }
      case State::Pack: {
        Bytes chunk;
        if (pack_->next(chunk)) {
          if (framing_.sideband) appendSideband(out, Band::Data, chunk.data(), chunk.size(), framing_.maxData);
          else out.insert(out.end(), chunk.begin(), chunk.end());
          return true;
        }
        state_ = State::Done;
        if (!framing_.sideband) return false;
        if (framing_.progress) {
          const PackStats& s = pack_->stats();
          progress(out, "Total " + std::to_string(s.total) + " (delta " + std::to_string(s.deltas) + "), reused " +
                            std::to_string(s.reused) + " (delta " + std::to_string(s.reusedDeltas) + ")\n");
        }
        appendFlush(out);
        return true;
      }
      case State::Done:
        return false;
    }
    return false;
  }

 private:
  void progress(Bytes& out, const std::string& text) { appendSideband(out, Band::Progress, text, framing_.maxData); }

  enum class State { Prefix, Pack, Done };
  State state_ = State::Prefix;
  Bytes prefix_;
  std::unique_ptr<PackStream> pack_;
  Framing framing_;
  size_t enumerated_;
};

struct PreparedFetch {
  WalkResult walk;
  std::vector<ObjectId> common;  // haves we have, in request order
};

// A walk over what the repo's refs reach: an object missing there is a
// damaged repo (INTERNAL_ERROR), not a bad request.
WalkResult walkStored(RepoContext& repo, const WalkRequest& request) {
  try {
    return walkObjects(repo.git(), request);
  } catch (const MissingObjectError& e) {
    throwError(ErrorCode::InternalError, std::string("repository is missing an object: ") + e.what());
  }
}

PreparedFetch prepare(RepoContext& repo, const FetchRequest& req) {
  std::optional<ForkVisibility> fork;
  if (repo.objects().borrowsObjects()) fork.emplace(repo);
  // The pack stream sends what the checks of the wants and the walk read
  // (retainRecords()); not what a fork's visibility checks read, which may
  // be all its history.
  repo.objects().retainRecords(!fork);
  for (const auto& w : req.wants) {
    // Visibility first, existence second, here and below: fork_visibility.h.
    if ((fork && !fork->visible(w)) || !repo.objects().exists(w)) {
      throwError(ErrorCode::InvalidInput, "upload-pack: not our ref " + w.hex());
    }
  }
  repo.objects().retainRecords(false);  // not what the haves' checks read: those are never sent
  PreparedFetch out;
  WalkRequest walk = repo.walkRequest();
  walk.wants = req.wants;
  for (const auto& ref : req.wantRefs) {
    auto id = repo.refs().resolve(ref);
    if (!id) throwError(ErrorCode::InvalidInput, "unknown ref " + ref);
    walk.wants.push_back(*id);
  }
  for (const auto& h : req.haves) {
    // A fork ACKs only what its own refs reach: an ACK would tell the client a hidden object exists.
    if ((!fork || fork->visible(h)) && repo.objects().exists(h)) {
      out.common.push_back(h);
      walk.haves.push_back(h);
    }
  }
  // Like git's process_shallow(): shallow lines naming commits we lack are
  // ignored; naming anything else than a commit is an error.
  for (const auto& s : req.shallows) {
    if (fork && !fork->visible(s)) continue;  // deepening from it would reveal what it hides
    const auto type = repo.git().typeOf(s);
    if (!type) continue;
    if (*type != ObjectType::Commit) throwError(ErrorCode::InvalidInput, "invalid shallow object " + s.hex());
    walk.clientShallows.push_back(s);
  }
  walk.depth = req.depth;
  walk.deepenRelative = req.deepenRelative;
  walk.deepenSince = req.deepenSince;
  for (const auto& name : req.deepenNot) {
    auto id = resolveRevision(repo.refs(), name);
    if (id && fork && !fork->visible(*id)) id.reset();
    if (!id) throwError(ErrorCode::InvalidInput, "git upload-pack: ambiguous argument '" + name + "'");
    walk.deepenNot.push_back(*id);
  }
  if (req.filter) walk.filter = *req.filter;
  WalkCache cache(repo.store());
  if (auto cached = cache.find(walk)) {
    out.walk = std::move(*cached);
  } else {
    WalkRequest full = walk;
    if (WalkCache::walkUnfiltered(walk)) full.filter = ObjectFilter{};
    repo.objects().retainRecords(true);
    const size_t cacheLimit = repo.objects().cacheLimit();
    repo.objects().setCacheLimit(kWalkCacheBytes);
    out.walk = walkStored(repo, full);
    repo.objects().clearCache();
    repo.objects().setCacheLimit(cacheLimit);
    cache.remember(full, out.walk);
    if (full.filter != walk.filter) out.walk = WalkCache::applyFilter(std::move(out.walk), walk.filter);
  }
  repo.objects().retainRecords(false);
  if ((req.deepenSince || !req.deepenNot.empty()) && out.walk.commitCount == 0 && !req.wants.empty()) {
    throwError(ErrorCode::InvalidInput, "no commits selected for shallow requests");
  }
  if (req.includeTag) {
    std::unordered_set<ObjectId> sent(out.walk.objects.begin(), out.walk.objects.end());
    for (const auto& ref : repo.refs().list("refs/tags/")) {
      if (sent.count(ref.id) || repo.git().typeOf(ref.id) != ObjectType::Tag) continue;
      auto peeled = repo.git().peel(ref.id);
      if (!peeled || !sent.count(*peeled)) continue;
      // The tag object and any tags it points through.
      for (ObjectId t = ref.id; !sent.count(t) && repo.git().typeOf(t) == ObjectType::Tag;) {
        sent.insert(t);
        out.walk.objects.push_back(t);
        out.walk.types.push_back(ObjectType::Tag);
        t = repo.git().tag(t)->target;
      }
    }
  }
  return out;
}

void appendShallowLines(Bytes& out, const WalkResult& walk) {
  for (const auto& s : walk.shallow) appendPkt(out, "shallow " + s.hex() + "\n");
  for (const auto& u : walk.unshallow) appendPkt(out, "unshallow " + u.hex() + "\n");
}

bool deepens(const FetchRequest& req) { return req.depth > 0 || req.deepenSince || !req.deepenNot.empty(); }

bool wantsShallowInfo(const FetchRequest& req) { return deepens(req) || !req.shallows.empty(); }

std::unique_ptr<PackStream> packFor(RepoContext& repo, PreparedFetch& prepared, const FetchRequest& req) {
  std::unordered_set<ObjectId> thinBases;
  if (req.thinPack) thinBases = std::move(prepared.walk.clientHas);
  return std::make_unique<PackStream>(repo.objects(), std::move(prepared.walk.objects), std::move(thinBases),
                                      req.ofsDelta);
}

// What an annotated tag peels to; nullopt for anything else.
std::optional<ObjectId> peeledTag(RepoContext& repo, const ObjectId& id) {
  if (repo.git().typeOf(id) != ObjectType::Tag) return std::nullopt;
  return repo.git().peel(id);
}

}  // namespace

Bytes UploadPack::advertise(int version) {
  RefAdvertisement ad;
  // Like GitHub (and unlike git http-backend) we send the service preamble for
  // v2 too: every client accepts it, some require it.
  ad.service = "git-upload-pack";
  ad.version = version;
  if (version == 2) {
    ad.capabilities = protocolV2Capabilities();
    return encodeRefAdvertisement(ad);
  }
  const std::string head = repo_.refs().headTarget();
  ad.capabilities = uploadPackCapabilities(head);
  if (auto headId = repo_.refs().get(head)) ad.refs.push_back(AdvertisedRef{"HEAD", headId, {}, {}});
  for (const auto& ref : repo_.refs().list()) {
    AdvertisedRef advertised{ref.name, ref.id, {}, {}};
    if (startsWith(ref.name, "refs/tags/")) advertised.peeled = peeledTag(repo_, ref.id);
    ad.refs.push_back(std::move(advertised));
  }
  // git's advertise_shallow_grafts(): a shallow repo lists its shallow
  // commits after the refs; a cloning client records those it receives.
  ad.shallow = repo_.shallows().list();
  return encodeRefAdvertisement(ad);
}

std::unique_ptr<ResponseBody> UploadPack::serve(const std::string& requestBody, int version) {
  try {
    return version == 2 ? serveV2(requestBody) : serveV0(requestBody);
  } catch (const ArtifactsError& e) {
    if (e.code() != ErrorCode::InvalidInput) throw;
    return bufferBody(errPacket(e.what()));
  }
}

std::unique_ptr<ResponseBody> UploadPack::serveV0(const std::string& body) {
  if (body == "0000") return bufferBody(Bytes{});  // git's probe before a large request
  FetchRequest req = parseFetchRequestV0(body);
  if (req.wants.empty()) return bufferBody(Bytes{});
  PreparedFetch prepared = prepare(repo_, req);
  Bytes prefix;
  // The shallow list (git's receive_needs()): without a deepen request it is
  // empty, even from a shallow repo, whose shallow commits the client took
  // from the advertisement.
  if (wantsShallowInfo(req)) {
    if (deepens(req)) appendShallowLines(prefix, prepared.walk);
    appendFlush(prefix);
  }
  if (!req.negotiating) return bufferBody(std::move(prefix));  // only the shallow list was asked for
  const bool multiAck = req.multiAck || req.multiAckDetailed;
  for (size_t i = 0; i < prepared.common.size(); ++i) {
    const std::string hex = prepared.common[i].hex();
    if (req.multiAckDetailed) appendPkt(prefix, "ACK " + hex + " common\n");
    else if (req.multiAck) appendPkt(prefix, "ACK " + hex + " continue\n");
    else if (i == 0) appendPkt(prefix, "ACK " + hex + "\n");
  }
  if (!req.done) {
    // Stateless negotiation round: acknowledge and let the client continue.
    if (multiAck || prepared.common.empty()) appendPkt(prefix, "NAK\n");
    return bufferBody(std::move(prefix));
  }
  if (!prepared.common.empty()) {
    if (multiAck) appendPkt(prefix, "ACK " + prepared.common.back().hex() + "\n");
  } else {
    appendPkt(prefix, "NAK\n");
  }
  Framing framing;
  framing.sideband = req.sideband || req.sideband64k;
  framing.maxData = req.sideband64k ? kSideband64kMaxData : kSidebandMaxData;
  framing.progress = framing.sideband && !req.noProgress;
  const size_t enumerated = prepared.walk.objects.size();
  auto response = std::make_unique<FetchResponseBody>(std::move(prefix), packFor(repo_, prepared, req), framing, enumerated);
  outcome_ = UploadOutcome{true, !req.haves.empty()};
  return response;
}

std::unique_ptr<ResponseBody> UploadPack::serveV2(const std::string& body) {
  if (body == "0000") return bufferBody(Bytes{});
  // Capabilities (agent=, object-format=, session-id=, server-option=) are accepted and ignored.
  CommandRequest req = parseCommandRequest(body);
  if (req.command == "ls-refs") return bufferBody(lsRefs(req.arguments));
  if (req.command == "fetch") return fetchV2(req.arguments);
  if (req.command == "object-info") return bufferBody(objectInfo(req.arguments));
  throwError(ErrorCode::InvalidInput, "invalid command '" + req.command.substr(0, 64) + "'");
}

Bytes UploadPack::lsRefs(const std::vector<std::string>& args) {
  bool peel = false, symrefs = false, unborn = false;
  std::vector<std::string> prefixes;
  bool tooManyPrefixes = false;
  for (const auto& a : args) {
    if (a == "peel") peel = true;
    else if (a == "symrefs") symrefs = true;
    else if (a == "unborn") unborn = true;
    else if (startsWith(a, "ref-prefix ")) {
      if (prefixes.size() < kMaxRefPrefixes) prefixes.push_back(a.substr(11));
      else tooManyPrefixes = true;
    } else {
      throwError(ErrorCode::InvalidInput, "unexpected line: '" + a.substr(0, 64) + "'");
    }
  }
  // Like git: past the cap the prefixes are dropped and every ref is listed
  // (they only narrow the answer), so matching never costs refs x prefixes.
  if (tooManyPrefixes) prefixes.clear();
  auto matches = [&](const std::string& name) {
    if (prefixes.empty()) return true;
    for (const auto& p : prefixes) {
      if (startsWith(name, p)) return true;
    }
    return false;
  };
  std::vector<AdvertisedRef> answer;
  const std::string head = repo_.refs().headTarget();
  if (matches("HEAD")) {
    const auto headId = repo_.refs().get(head);
    if (headId || unborn) {  // an unborn HEAD only when asked for, and always with its target
      AdvertisedRef ref{"HEAD", headId, {}, {}};
      if (symrefs || !headId) ref.symrefTarget = head;
      answer.push_back(std::move(ref));
    }
  }
  for (const auto& ref : repo_.refs().list()) {
    if (!matches(ref.name)) continue;
    answer.push_back(AdvertisedRef{ref.name, ref.id, peel ? peeledTag(repo_, ref.id) : std::nullopt, {}});
  }
  return encodeLsRefsResponse(answer);
}

Bytes UploadPack::objectInfo(const std::vector<std::string>& args) {
  bool size = false;
  std::vector<ObjectId> ids;
  for (const auto& a : args) {
    if (a == "size") size = true;
    else if (startsWith(a, "oid ")) {
      auto id = ObjectId::fromHex(a.substr(4));
      if (!id) throwError(ErrorCode::InvalidInput, "object-info: bad oid");
      ids.push_back(*id);
    } else {
      throwError(ErrorCode::InvalidInput, "object-info: unexpected line '" + a.substr(0, 64) + "'");
    }
  }
  if (ids.size() > kMaxWants) throwError(ErrorCode::InvalidInput, "object-info: too many oids");
  std::optional<ForkVisibility> fork;
  if (repo_.objects().borrowsObjects()) fork.emplace(repo_);
  Bytes out;
  if (size) appendPkt(out, "size\n");
  for (const auto& id : ids) {
    if (fork && !fork->visible(id)) continue;  // before the record read: fork_visibility.h
    auto rec = repo_.objects().record(id);
    if (!rec) continue;
    appendPkt(out, id.hex() + (size ? " " + std::to_string(rec->size) : std::string()) + "\n");
  }
  appendFlush(out);
  return out;
}

std::unique_ptr<ResponseBody> UploadPack::fetchV2(const std::vector<std::string>& args) {
  FetchRequest req = parseFetchArgumentsV2(args);
  PreparedFetch prepared = prepare(repo_, req);
  Bytes prefix;
  // With sideband-all every non-flush, non-delim packet carries a band byte.
  auto line = [&](const std::string& text) {
    appendPkt(prefix, req.sidebandAll ? std::string(1, '\x01') + text : text);
  };
  if (!req.done) {
    // We never declare "ready": the client keeps negotiating until it sends
    // done, which is always correct (and what wait-for-done asks for).
    line("acknowledgments\n");
    if (prepared.common.empty()) line("NAK\n");
    for (const auto& c : prepared.common) line("ACK " + c.hex() + "\n");
    appendFlush(prefix);
    return bufferBody(std::move(prefix));
  }
  // git's send_shallow_info(): a shallow repo always sends the section, with
  // its shallow commits among those sent (v2 has no advertisement for them).
  if (wantsShallowInfo(req) || !repo_.shallows().empty()) {
    line("shallow-info\n");
    for (const auto& s : prepared.walk.shallow) line("shallow " + s.hex() + "\n");
    for (const auto& u : prepared.walk.unshallow) line("unshallow " + u.hex() + "\n");
    appendDelim(prefix);
  }
  if (!req.wantRefs.empty()) {
    line("wanted-refs\n");
    for (const auto& ref : req.wantRefs) line(repo_.refs().resolve(ref)->hex() + " " + ref + "\n");
    appendDelim(prefix);
  }
  line("packfile\n");
  Framing framing;
  framing.sideband = true;
  framing.progress = !req.noProgress;
  const size_t enumerated = prepared.walk.objects.size();
  auto response = std::make_unique<FetchResponseBody>(std::move(prefix), packFor(repo_, prepared, req), framing, enumerated);
  outcome_ = UploadOutcome{true, !req.haves.empty()};
  return response;
}

}  // namespace oa::git
