#include "git/protocol/fetch_client.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
#include <unordered_set>

#include "base/text.h"
#include "git/format/pkt_line.h"
#include "git/protocol/capabilities.h"
#include "git/protocol/command_request.h"
#include "git/protocol/fetch_request.h"
#include "git/protocol/fetch_response.h"
#include "git/protocol/ref_advertisement.h"
#include "git/protocol/remote_url.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

constexpr const char* kAdvertisementType = "application/x-git-upload-pack-advertisement";
constexpr const char* kRequestType = "application/x-git-upload-pack-request";
constexpr const char* kResultType = "application/x-git-upload-pack-result";

// Ref listings and negotiation lines are held in memory, so they get their own
// cap; the pack itself streams into storage and is capped by maxResponseBytes.
constexpr uint64_t kMaxMetadataBytes = 64ull << 20;
constexpr uint64_t kProgressStep = 64 * 1024;
// Host chunks are fed to the pkt-line reader one maximal packet at a time, so
// it never holds more than two packets however large the chunks are.
constexpr size_t kFeedSlice = kMaxPktLength;
constexpr size_t kReaderLimit = 2 * kMaxPktLength;

struct RemoteRef {
  std::string name;
  ObjectId id;
  std::optional<ObjectId> peeled;  // the object an annotated tag points at
};

// What an import can take (a v0/v1 remote lists every ref: GitHub all of refs/pull/*).
bool isBranchOrTag(std::string_view name) { return startsWith(name, "refs/heads/") || startsWith(name, "refs/tags/"); }

// "Application/X-Foo; charset=x" -> "application/x-foo".
std::string mediaType(const std::string& contentType) {
  std::string t = contentType.substr(0, contentType.find(';'));
  t.erase(0, std::min(t.size(), t.find_first_not_of(" \t")));
  t.erase(t.find_last_not_of(" \t") + 1);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

// spec §7.1: the remote's "not found" wording maps to NOT_FOUND, the rest is
// the remote failing.
[[noreturn]] void throwRemoteError(std::string_view message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool notFound = lower.find("not our ref") != std::string::npos || lower.find("not found") != std::string::npos;
  throwError(notFound ? ErrorCode::NotFound : ErrorCode::UpstreamUnavailable,
             "remote error: " + std::string(message));
}

// The pack goes into storage through PackIngest, the same path as a push,
// and its progress to the caller. A pack that does not unpack is the remote's
// fault: UPSTREAM_UNAVAILABLE.
class PackReceiver : public FetchResponseDecoder::PackSink {
 public:
  PackReceiver(RepoContext& repo, const IngestLimits& limits, const FetchClient::ProgressCallback& progress)
      : repo_(repo), limits_(limits), progress_(progress) {}

  void packBegins() override {
    ingest_ = std::make_unique<PackIngest>(repo_.store(), repo_.objects(), limits_, /*recordLinks=*/false);
    receiving_ = true;
  }

  void packData(const uint8_t* data, size_t n) override {
    corruptPackIsUpstream([&] { ingest_->write(data, n); });
    bytes_ += n;
    if (progress_ && bytes_ - reportedBytes_ >= kProgressStep) {
      reportedBytes_ = bytes_;
      progress_(status(FetchProgress::Phase::Receiving));
    }
  }

  void packEnds() override {
    corruptPackIsUpstream([&] { ingest_->finish(); });
    receiving_ = false;
    received_ = true;
  }

  // FetchClient::pump(): unpacking may stop after a step's work (pack_ingest.h).
  bool resume() {
    bool idle = true;
    corruptPackIsUpstream([&] { idle = !ingest_ || ingest_->resume(); });
    return idle;
  }

  bool receiving() const { return receiving_; }  // between the pack's first and last byte
  bool received() const { return received_; }

  FetchProgress status(FetchProgress::Phase phase) const {
    return FetchProgress{phase, bytes_, ingest_ ? uint64_t{ingest_->entriesRead()} : 0,
                         ingest_ ? uint64_t{ingest_->entriesAnnounced()} : 0};
  }

 private:
  template <typename F>
  static void corruptPackIsUpstream(F&& f) {
    try {
      f();
    } catch (const ArtifactsError& e) {
      if (e.code() != ErrorCode::InvalidInput) throw;
      throwError(ErrorCode::UpstreamUnavailable, "remote sent a corrupt pack: " + std::string(e.what()));
    }
  }

  RepoContext& repo_;
  IngestLimits limits_;
  const FetchClient::ProgressCallback& progress_;
  std::unique_ptr<PackIngest> ingest_;
  bool receiving_ = false, received_ = false;
  uint64_t bytes_ = 0, reportedBytes_ = 0;
};

}  // namespace

// Sequences the steps: discover (GET info/refs), ls-refs (v2 only), fetch.
// Each response is read by its own decoder (ref_advertisement.h,
// fetch_response.h); this class maps what goes wrong to spec §7.1's codes.
struct FetchClient::State {
  enum class Step { Discover, LsRefs, Fetch, Done };

  State(RepoContext& r, FetchClientOptions o, ProgressCallback p)
      : repo(r),
        options(std::move(o)),
        progress(std::move(p)),
        url(remoteBaseUrl(options.url)),
        label(remoteUrlWithDotGit(options.url)),
        pack(repo, options.ingest, progress) {}

  RepoContext& repo;
  FetchClientOptions options;
  ProgressCallback progress;
  const std::string url;    // without trailing '/'
  const std::string label;  // url with ".git", as the repo's `source` names it

  Step step = Step::Discover;
  bool requestPending = false;  // nextRequest() handed out a request, no response yet
  bool inResponse = false;
  bool failed = false;

  // What the remote advertised.
  bool v2 = false;
  std::vector<std::string> capabilities;  // v0/v1 words, or v2 lines
  std::vector<RemoteRef> remoteRefs;
  std::optional<std::string> headTarget;  // "refs/heads/main"
  std::set<ObjectId> advertisedShallow;   // v0/v1: the remote's own boundary

  // What we fetch: required refs must arrive; followed tags are kept if they did.
  std::vector<RemoteRef> required, followed;
  std::vector<ObjectId> wants;
  bool sideband = false;  // v0/v1: side-band(-64k) asked for

  // The current response, read by the decoder of its step.
  PktLineReader reader{kReaderLimit};
  std::unique_ptr<RefAdvertisementDecoder> advertisement;
  std::unique_ptr<LsRefsDecoder> lsRefs;
  std::unique_ptr<FetchResponseDecoder> fetchResponse;
  bool responseComplete = false;
  uint64_t metadataBytes = 0;

  uint64_t responseBytes = 0;  // every response body so far
  PackReceiver pack;
  FetchedRefs result;

  // ---- requests

  std::vector<std::pair<std::string, std::string>> headers(bool post) const {
    // libgit2 also announces itself as "git/...": some hosts serve smart HTTP
    // only to user agents that look like git.
    std::vector<std::pair<std::string, std::string>> h{{"User-Agent", "git/2.0 (" + agent() + ")"}};
    if (post) {
      h.emplace_back("Content-Type", kRequestType);
      h.emplace_back("Accept", kResultType);
    }
    if (!post || v2) h.emplace_back("Git-Protocol", "version=2");
    return h;
  }

  HttpRequest post(Bytes body) const { return HttpRequest{"POST", url + "/git-upload-pack", headers(true), std::move(body)}; }

  HttpRequest discoveryRequest() const {
    return HttpRequest{"GET", url + "/info/refs?service=git-upload-pack", headers(false), {}};
  }

  // A v2 command's capability lines: agent and object-format, each only if advertised.
  std::vector<std::string> commandCapabilities() const {
    std::vector<std::string> caps;
    if (hasCapability(capabilities, "agent")) caps.push_back("agent=" + agent());
    if (hasCapability(capabilities, "object-format")) caps.emplace_back("object-format=sha1");
    return caps;
  }

  HttpRequest lsRefsRequest() const {
    std::vector<std::string> args{"peel", "symrefs"};
    if (offersFeature(capabilities, "ls-refs", "unborn")) args.emplace_back("unborn");
    args.emplace_back("ref-prefix HEAD");
    args.push_back(options.branch ? "ref-prefix refs/heads/" + *options.branch : "ref-prefix refs/heads/");
    args.emplace_back("ref-prefix refs/tags/");
    return post(encodeCommandRequest(CommandRequest{"ls-refs", commandCapabilities(), args}));
  }

  HttpRequest fetchRequest() {
    const bool shallowOffered =
        v2 ? offersFeature(capabilities, "fetch", "shallow") : hasCapability(capabilities, "shallow");
    if (options.depth > 0 && !shallowOffered) {
      throwError(ErrorCode::UpstreamUnavailable, "the remote does not support shallow fetches");
    }
    FetchRequest request;
    request.wants = wants;
    request.depth = options.depth;
    request.done = true;
    if (v2) {
      request.noProgress = request.ofsDelta = request.includeTag = true;  // not thin-pack: our store is empty
      return post(encodeFetchRequestV2(request, commandCapabilities()));
    }
    // v0/v1: only what the remote advertised.
    request.sideband64k = hasCapability(capabilities, "side-band-64k");
    request.sideband = !request.sideband64k && hasCapability(capabilities, "side-band");
    request.ofsDelta = hasCapability(capabilities, "ofs-delta");
    request.includeTag = hasCapability(capabilities, "include-tag");
    request.noProgress = hasCapability(capabilities, "no-progress");
    sideband = request.sideband || request.sideband64k;
    std::vector<std::string> agentCapability;
    if (hasCapability(capabilities, "agent")) agentCapability.push_back("agent=" + agent());
    return post(encodeFetchRequestV0(request, agentCapability));
  }

  // ---- responses

  void begin(int status, const std::string& contentType) {
    if (status == 401 || status == 403) {
      throwError(ErrorCode::RemoteAuthRequired, "Repository \"" + label + "\" requires authentication (HTTP " +
                                                    std::to_string(status) +
                                                    "). Only public repositories can be imported.");
    }
    if (status == 404 || status == 410) {
      throwError(ErrorCode::NotFound, "Repository \"" + label + "\" not found (HTTP " + std::to_string(status) + ")");
    }
    if (status >= 300 && status < 400) {
      throwError(ErrorCode::InvalidUrl, "\"" + label + "\" answered with a redirect (HTTP " +
                                            std::to_string(status) + "); redirects are not followed");
    }
    if (status < 200 || status >= 300) {
      throwError(ErrorCode::UpstreamUnavailable, "\"" + label + "\" answered HTTP " + std::to_string(status));
    }
    const std::string type = mediaType(contentType);
    if (step == Step::Discover) {
      // A dumb-HTTP repo or a web page: nothing we can import from.
      if (type != kAdvertisementType) notARepository();
    } else if (type != kResultType) {
      throwError(ErrorCode::UpstreamUnavailable, "\"" + label + "\" answered with Content-Type \"" + contentType +
                                                     "\" instead of " + kResultType);
    }
    reader = PktLineReader(kReaderLimit);
    metadataBytes = 0;
    responseComplete = false;
    switch (step) {
      case Step::Discover:
        advertisement = std::make_unique<RefAdvertisementDecoder>("git-upload-pack", isBranchOrTag);
        break;
      case Step::LsRefs:
        lsRefs = std::make_unique<LsRefsDecoder>();
        break;
      case Step::Fetch:
        fetchResponse = std::make_unique<FetchResponseDecoder>(v2, sideband, pack);
        break;
      case Step::Done:
        break;
    }
  }

  bool rawPack() const { return fetchResponse && fetchResponse->packIsRaw(); }

  void body(const uint8_t* data, size_t n) {
    responseBytes += n;
    if (responseBytes > options.maxResponseBytes) {
      throwError(ErrorCode::MemoryLimit, "the remote's response exceeds the import limit of " +
                                             std::to_string(options.maxResponseBytes) + " bytes");
    }
    for (size_t off = 0; off < n;) {
      if (rawPack()) return fetchResponse->rawPackData(data + off, n - off);
      const size_t k = std::min(n - off, kFeedSlice);
      reader.feed(data + off, k);
      off += k;
      Packet p;
      while (!responseComplete && !rawPack() && reader.next(p)) onPacket(p);
      if (rawPack()) {
        const std::string rest = reader.takeRemaining();
        fetchResponse->rawPackData(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
      }
      if (responseComplete && reader.buffered() > 0) malformed("data after the end of the response");
    }
  }

  void onPacket(const Packet& p) {
    if (p.kind == Packet::Kind::Data && !pack.receiving()) {
      metadataBytes += p.payload.size();
      if (metadataBytes > kMaxMetadataBytes) {
        throwError(ErrorCode::MemoryLimit, "the remote's ref and negotiation lines exceed " +
                                               std::to_string(kMaxMetadataBytes) + " bytes");
      }
    }
    // Any response may be a refusal.
    const std::string_view line = chompNewline(p.payload);
    if (p.kind == Packet::Kind::Data && startsWith(line, "ERR ")) throwRemoteError(line.substr(4));
    switch (step) {
      case Step::Discover:
        switch (advertisement->onPacket(p)) {
          case RefAdvertisementDecoder::Status::NeedMore: break;
          case RefAdvertisementDecoder::Status::Complete: responseComplete = true; break;
          case RefAdvertisementDecoder::Status::NotAnAdvertisement: notARepository();
        }
        break;
      case Step::LsRefs:
        responseComplete = lsRefs->onPacket(p);
        break;
      case Step::Fetch:
        responseComplete = fetchResponse->onPacket(p);
        break;
      case Step::Done:
        break;
    }
  }

  void end() {
    if (step == Step::Fetch && fetchResponse->endOfBody()) responseComplete = true;
    if (!responseComplete || reader.buffered() > 0) {
      if (!recognisedAsGit()) notARepository();
      malformed("the response ended early");
    }
    switch (step) {
      case Step::Discover:
        takeAdvertisement(advertisement->result());
        break;
      case Step::LsRefs:
        takeLsRefs(lsRefs->refs());
        selectRefs();
        break;
      case Step::Fetch:
        if (!pack.received()) malformed("no pack in the response");
        finishFetch();
        break;
      case Step::Done:
        break;
    }
  }

  // Until info/refs shows a line only git sends, anything wrong with it means
  // the URL is not a git repository rather than a git server failing.
  bool recognisedAsGit() const { return step != Step::Discover || (advertisement && advertisement->recognised()); }

  // ---- refs

  // info/refs: v2 capabilities (ls-refs lists the refs next), or v0/v1 refs.
  void takeAdvertisement(RefAdvertisement& ad) {
    capabilities = std::move(ad.capabilities);
    const auto format = capabilityValue(capabilities, "object-format");
    if (format && *format != "sha1") unsupportedFormat(*format);
    if (ad.version == 2) {
      v2 = true;
      if (!hasCapability(capabilities, "ls-refs") || !hasCapability(capabilities, "fetch")) {
        malformed("protocol v2 without ls-refs and fetch");
      }
      step = Step::LsRefs;
      return;
    }
    for (const auto& cap : capabilities) {
      if (startsWith(cap, "symref=HEAD:")) headTarget = cap.substr(12);
    }
    for (const auto& ref : ad.refs) remoteRefs.push_back(RemoteRef{ref.name, *ref.id, ref.peeled});
    // The remote is itself shallow. A v0/v1 remote repeats its boundary with
    // the pack only when deepening, so keep it from here.
    advertisedShallow.insert(ad.shallow.begin(), ad.shallow.end());
    selectRefs();
  }

  void takeLsRefs(const std::vector<AdvertisedRef>& refs) {
    for (const auto& ref : refs) {
      if (ref.name == "HEAD") headTarget = ref.symrefTarget;
      else if (ref.id) remoteRefs.push_back(RemoteRef{ref.name, *ref.id, ref.peeled});
    }
  }

  // Branches and tags (not refs/pull/* and the like), or one branch plus the
  // tags that come along with it (include-tag).
  void selectRefs() {
    auto valid = [](const RemoteRef& r) { return isValidRefName(r.name); };
    if (options.branch) {
      const std::string name = "refs/heads/" + *options.branch;
      auto it = std::find_if(remoteRefs.begin(), remoteRefs.end(), [&](const RemoteRef& r) { return r.name == name; });
      if (it == remoteRefs.end()) {
        throwError(ErrorCode::NotFound, "remote branch " + *options.branch + " not found");
      }
      required.push_back(*it);
      for (const auto& r : remoteRefs) {
        if (startsWith(r.name, "refs/tags/") && valid(r)) followed.push_back(r);
      }
      result.defaultBranch = *options.branch;
    } else {
      for (const auto& r : remoteRefs) {
        if (isBranchOrTag(r.name) && valid(r)) required.push_back(r);
      }
      const bool headIsBranch = headTarget && startsWith(*headTarget, "refs/heads/") && headTarget->size() > 11;
      result.defaultBranch = headIsBranch ? headTarget->substr(11) : "main";
    }
    std::unordered_set<ObjectId> seen;
    for (const auto& r : required) {
      if (seen.insert(r.id).second) wants.push_back(r.id);
    }
    if (progress) progress(FetchProgress{FetchProgress::Phase::Refs, 0, 0});
    if (wants.empty()) return done();  // an empty remote: nothing to fetch
    step = Step::Fetch;
  }

  void finishFetch() {
    ObjectStore& objects = repo.objects();
    for (const auto& r : required) {
      if (!objects.exists(r.id)) {
        throwError(ErrorCode::UpstreamUnavailable,
                   "remote sent an incomplete pack (" + r.name + " " + r.id.hex() + " is missing)");
      }
      result.refs.push_back(Ref{r.name, r.id});
    }
    for (const auto& r : followed) {
      if (objects.exists(r.id) && (!r.peeled || objects.exists(*r.peeled))) result.refs.push_back(Ref{r.name, r.id});
    }
    std::sort(result.refs.begin(), result.refs.end(), [](const Ref& a, const Ref& b) { return a.name < b.name; });
    // The commits the remote sent without parents, and its own boundary
    // commits that arrived (git's client keeps them as shallow the same way).
    std::set<ObjectId> shallow = fetchResponse->shallow();
    for (const auto& id : advertisedShallow) {
      if (objects.exists(id)) shallow.insert(id);
    }
    result.shallow.assign(shallow.begin(), shallow.end());
    done();
  }

  void done() {
    step = Step::Done;
    if (progress) progress(pack.status(FetchProgress::Phase::Done));
  }

  // ---- errors

  [[noreturn]] void notARepository() const {
    throwError(ErrorCode::InvalidUrl, "\"" + label + "\" does not appear to be a git repository");
  }

  // A git server that misbehaves (or a connection cut short) is the remote
  // failing, not a wrong URL: UPSTREAM_UNAVAILABLE.
  [[noreturn]] void malformed(const std::string& what) const {
    throwError(ErrorCode::UpstreamUnavailable, "invalid response from \"" + label + "\": " + what);
  }

  [[noreturn]] void unsupportedFormat(std::string_view format) const {
    throwError(ErrorCode::UpstreamUnavailable,
               "\"" + label + "\" uses the " + std::string(format) + " object format; only sha1 is supported");
  }

  // Runs one step of the public API: a failure is final, and InvalidInput
  // from below (bad pkt-lines, a decoder's complaint) is the remote's fault
  // here. (PackReceiver reports a corrupt pack itself.)
  template <typename F>
  void guarded(F&& f) {
    if (failed) throwError(ErrorCode::InternalError, "the fetch has already failed");
    try {
      f();
    } catch (const ArtifactsError& e) {
      failed = true;
      if (e.code() != ErrorCode::InvalidInput) throw;
      if (!recognisedAsGit()) notARepository();
      malformed(e.what());
    } catch (...) {
      failed = true;
      throw;
    }
  }
};

FetchClient::FetchClient(RepoContext& repo, FetchClientOptions options, ProgressCallback progress)
    : state_(std::make_unique<State>(repo, std::move(options), std::move(progress))) {}

FetchClient::~FetchClient() = default;

std::optional<HttpRequest> FetchClient::nextRequest() {
  State& s = *state_;
  std::optional<HttpRequest> request;
  s.guarded([&] {
    if (s.requestPending || s.inResponse) {
      throwError(ErrorCode::InternalError, "nextRequest() before the previous response ended");
    }
    switch (s.step) {
      case State::Step::Discover:
        request = s.discoveryRequest();
        break;
      case State::Step::LsRefs:
        request = s.lsRefsRequest();
        break;
      case State::Step::Fetch:
        request = s.fetchRequest();
        break;
      case State::Step::Done:
        return;
    }
    s.requestPending = true;
  });
  return request;
}

void FetchClient::beginResponse(int status, const std::string& contentType) {
  State& s = *state_;
  s.guarded([&] {
    if (!s.requestPending) throwError(ErrorCode::InternalError, "beginResponse() without a request");
    s.requestPending = false;
    s.inResponse = true;
    s.begin(status, contentType);
  });
}

void FetchClient::write(const uint8_t* data, size_t n) {
  State& s = *state_;
  s.guarded([&] {
    if (!s.inResponse) throwError(ErrorCode::InternalError, "write() outside a response");
    s.body(data, n);
  });
}

bool FetchClient::pump() {
  State& s = *state_;
  bool idle = true;
  s.guarded([&] { idle = s.pack.resume(); });
  return idle;
}

void FetchClient::endResponse() {
  State& s = *state_;
  s.guarded([&] {
    if (!s.inResponse) throwError(ErrorCode::InternalError, "endResponse() outside a response");
    s.inResponse = false;
    s.end();
  });
}

const FetchedRefs& FetchClient::result() const {
  if (state_->step != State::Step::Done) throwError(ErrorCode::InternalError, "the fetch is not complete");
  return state_->result;
}

}  // namespace oa::git
