#include "git/protocol/fetch_client.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>
#include <unordered_set>

#include "open_artifacts/errors.h"
#include "git/protocol/capabilities.h"
#include "git/format/pkt_line.h"
#include "git/format/sideband.h"

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

bool startsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "Application/X-Foo; charset=x" -> "application/x-foo".
std::string mediaType(const std::string& contentType) {
  std::string t = contentType.substr(0, contentType.find(';'));
  t.erase(0, std::min(t.size(), t.find_first_not_of(" \t")));
  t.erase(t.find_last_not_of(" \t") + 1);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

std::vector<std::string_view> splitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t pos = 0; pos <= s.size();) {
    size_t end = std::min(s.find(' ', pos), s.size());
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// "<40 hex> <name>" (a v0 ref line without its capabilities).
std::optional<RemoteRef> parseRefLine(std::string_view line) {
  if (line.size() < 42 || line[40] != ' ') return std::nullopt;
  auto id = ObjectId::fromHex(line.substr(0, 40));
  if (!id) return std::nullopt;
  return RemoteRef{std::string(line.substr(41)), *id, std::nullopt};
}

// spec §7.1: the remote's "not found" wording maps to NOT_FOUND, the rest is
// the remote failing.
[[noreturn]] void throwRemoteError(std::string_view message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool notFound = lower.find("not our ref") != std::string::npos || lower.find("not found") != std::string::npos;
  throw ArtifactsError(notFound ? ErrorCode::NotFound : ErrorCode::UpstreamUnavailable,
                       "remote error: " + std::string(message));
}

}  // namespace

struct FetchClient::State {
  enum class Step { Discover, LsRefs, Fetch, Done };
  // Position of the parser inside the current response body.
  enum class Parse {
    ServiceLine, ServiceFlush, FirstLine, V2Caps, V0Refs,  // info/refs
    LsRefs,                                                 // v2 ls-refs
    Section, SectionLines, Packfile,                        // v2 fetch
    V0Preamble, V0Sideband, RawPack,                        // v0 fetch
    Complete,
  };

  State(RepoContext& r, FetchClientOptions o, ProgressCallback p)
      : repo(r), options(std::move(o)), progress(std::move(p)) {
    url = options.url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    label = url;
    if (label.size() < 4 || label.compare(label.size() - 4, 4, ".git") != 0) label += ".git";
  }

  RepoContext& repo;
  FetchClientOptions options;
  ProgressCallback progress;
  std::string url;    // without trailing '/'
  std::string label;  // url with ".git", as the repo's `source` names it

  Step step = Step::Discover;
  bool requestPending = false;  // nextRequest() handed out a request, no response yet
  bool inResponse = false;
  bool failed = false;

  // What the remote advertised.
  int version = 0;
  std::map<std::string, std::string> v2caps;  // "fetch" -> "shallow filter ..."
  std::set<std::string> v0caps;               // words after the NUL of the first ref line
  std::vector<RemoteRef> remoteRefs;
  std::optional<std::string> headTarget;  // "refs/heads/main"

  // What we fetch: required refs must arrive; followed tags are kept if they did.
  std::vector<RemoteRef> required, followed;
  std::vector<ObjectId> wants;

  // The current response.
  PktLineReader reader{kReaderLimit};
  Parse parse = Parse::Complete;
  std::string section;
  bool sawSmart = false;  // info/refs: a smart-HTTP line was recognised
  uint64_t metadataBytes = 0;
  bool sideband = false;  // v0: side-band(-64k) negotiated

  uint64_t responseBytes = 0;  // every response body so far
  std::unique_ptr<PackIngest> ingest;
  bool inPack = false, packFinished = false;
  uint64_t packBytes = 0, reportedBytes = 0;
  std::set<ObjectId> shallow;
  std::set<ObjectId> advertisedShallow;  // v0: the remote's own boundary
  static constexpr size_t kMaxAdvertisedShallow = 1u << 16;  // a few MB at most
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
    if (!post || version == 2) h.emplace_back("Git-Protocol", "version=2");
    return h;
  }

  HttpRequest post(Bytes body) const { return HttpRequest{"POST", url + "/git-upload-pack", headers(true), std::move(body)}; }

  // "command=<name>", agent and object-format (only if advertised), delim.
  Bytes v2Command(const char* name) const {
    Bytes b;
    appendPkt(b, std::string("command=") + name + "\n");
    if (v2caps.count("agent")) appendPkt(b, "agent=" + agent() + "\n");
    if (v2caps.count("object-format")) appendPkt(b, "object-format=sha1\n");
    appendDelim(b);
    return b;
  }

  HttpRequest lsRefsRequest() const {
    Bytes b = v2Command("ls-refs");
    appendPkt(b, "peel\n");
    appendPkt(b, "symrefs\n");
    if (hasWord(v2caps, "ls-refs", "unborn")) appendPkt(b, "unborn\n");
    appendPkt(b, "ref-prefix HEAD\n");
    appendPkt(b, options.branch ? "ref-prefix refs/heads/" + *options.branch + "\n" : "ref-prefix refs/heads/\n");
    appendPkt(b, "ref-prefix refs/tags/\n");
    appendFlush(b);
    return post(std::move(b));
  }

  HttpRequest fetchRequestV2() const {
    if (options.depth > 0 && !hasWord(v2caps, "fetch", "shallow")) {
      throw ArtifactsError(ErrorCode::UpstreamUnavailable, "the remote does not support shallow fetches");
    }
    Bytes b = v2Command("fetch");
    appendPkt(b, "no-progress\n");
    appendPkt(b, "ofs-delta\n");
    appendPkt(b, "include-tag\n");  // thin-pack is not asked for: our store is empty
    if (options.depth > 0) appendPkt(b, "deepen " + std::to_string(options.depth) + "\n");
    for (const auto& id : wants) appendPkt(b, "want " + id.hex() + "\n");
    appendPkt(b, "done\n");
    appendFlush(b);
    return post(std::move(b));
  }

  HttpRequest fetchRequestV0() {
    if (options.depth > 0 && !v0caps.count("shallow")) {
      throw ArtifactsError(ErrorCode::UpstreamUnavailable, "the remote does not support shallow fetches");
    }
    std::string caps;
    sideband = true;
    if (v0caps.count("side-band-64k")) caps += " side-band-64k";
    else if (v0caps.count("side-band")) caps += " side-band";
    else sideband = false;
    for (const char* c : {"ofs-delta", "include-tag", "no-progress"}) {
      if (v0caps.count(c)) caps += std::string(" ") + c;
    }
    if (std::any_of(v0caps.begin(), v0caps.end(), [](const std::string& c) { return startsWith(c, "agent="); })) {
      caps += " agent=" + agent();
    }
    Bytes b;
    for (size_t i = 0; i < wants.size(); ++i) appendPkt(b, "want " + wants[i].hex() + (i == 0 ? caps : "") + "\n");
    if (options.depth > 0) appendPkt(b, "deepen " + std::to_string(options.depth) + "\n");
    appendFlush(b);
    appendPkt(b, "done\n");
    return post(std::move(b));
  }

  static bool hasWord(const std::map<std::string, std::string>& caps, const std::string& key, std::string_view word) {
    auto it = caps.find(key);
    if (it == caps.end()) return false;
    auto words = splitSpaces(it->second);
    return std::find(words.begin(), words.end(), word) != words.end();
  }

  // ---- responses

  void begin(int status, const std::string& contentType) {
    if (status == 401 || status == 403) {
      throw ArtifactsError(ErrorCode::RemoteAuthRequired, "Repository \"" + label + "\" requires authentication (HTTP " +
                                                              std::to_string(status) +
                                                              "). Only public repositories can be imported.");
    }
    if (status == 404 || status == 410) {
      throw ArtifactsError(ErrorCode::NotFound, "Repository \"" + label + "\" not found (HTTP " + std::to_string(status) + ")");
    }
    if (status >= 300 && status < 400) {
      throw ArtifactsError(ErrorCode::InvalidUrl, "\"" + label + "\" answered with a redirect (HTTP " +
                                                      std::to_string(status) + "); redirects are not followed");
    }
    if (status < 200 || status >= 300) {
      throw ArtifactsError(ErrorCode::UpstreamUnavailable, "\"" + label + "\" answered HTTP " + std::to_string(status));
    }
    const std::string type = mediaType(contentType);
    if (step == Step::Discover) {
      // A dumb-HTTP repo or a web page: nothing we can import from.
      if (type != kAdvertisementType) notARepository();
    } else if (type != kResultType) {
      throw ArtifactsError(ErrorCode::UpstreamUnavailable, "\"" + label + "\" answered with Content-Type \"" + contentType +
                                                               "\" instead of " + kResultType);
    }
    reader = PktLineReader(kReaderLimit);
    metadataBytes = 0;
    switch (step) {
      case Step::Discover: parse = Parse::ServiceLine; break;
      case Step::LsRefs: parse = Parse::LsRefs; break;
      case Step::Fetch: parse = version == 2 ? Parse::Section : Parse::V0Preamble; break;
      case Step::Done: break;
    }
  }

  void body(const uint8_t* data, size_t n) {
    responseBytes += n;
    if (responseBytes > options.maxResponseBytes) {
      throw ArtifactsError(ErrorCode::MemoryLimit, "the remote's response exceeds the import limit of " +
                                                       std::to_string(options.maxResponseBytes) + " bytes");
    }
    for (size_t off = 0; off < n;) {
      if (parse == Parse::RawPack) return feedPack(data + off, n - off);
      const size_t k = std::min(n - off, kFeedSlice);
      reader.feed(data + off, k);
      off += k;
      Packet p;
      while (parse != Parse::Complete && parse != Parse::RawPack && reader.next(p)) onPacket(p);
      if (parse == Parse::RawPack) {
        const std::string rest = reader.takeRemaining();
        feedPack(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
      }
      if (parse == Parse::Complete && reader.buffered() > 0) malformed("data after the end of the response");
    }
  }

  void end() {
    if (parse == Parse::RawPack) {
      finishPack();
      parse = Parse::Complete;
    }
    if (parse != Parse::Complete || reader.buffered() > 0) {
      if (step == Step::Discover && !sawSmart) notARepository();
      malformed("the response ended early");
    }
    switch (step) {
      case Step::Discover:
        if (version == 2) {
          auto format = v2caps.find("object-format");
          if (format != v2caps.end() && format->second != "sha1") unsupportedFormat(format->second);
          if (!v2caps.count("ls-refs") || !v2caps.count("fetch")) malformed("protocol v2 without ls-refs and fetch");
          step = Step::LsRefs;
        } else {
          selectRefs();
        }
        break;
      case Step::LsRefs:
        selectRefs();
        break;
      case Step::Fetch:
        if (!packFinished) malformed("no pack in the response");
        finishFetch();
        break;
      case Step::Done:
        break;
    }
  }

  void onPacket(const Packet& p) {
    if (p.kind == Packet::Kind::Data && !inPack) {
      metadataBytes += p.payload.size();
      if (metadataBytes > kMaxMetadataBytes) {
        throw ArtifactsError(ErrorCode::MemoryLimit, "the remote's ref and negotiation lines exceed " +
                                                         std::to_string(kMaxMetadataBytes) + " bytes");
      }
    }
    const std::string_view line = chompNewline(p.payload);
    const bool data = p.kind == Packet::Kind::Data;
    if (data && startsWith(line, "ERR ")) {
      if (step == Step::Discover && !sawSmart) sawSmart = true;  // a git server, refusing
      throwRemoteError(line.substr(4));
    }
    switch (parse) {
      case Parse::ServiceLine:
        if (data && line == "# service=git-upload-pack") {
          sawSmart = true;
          parse = Parse::ServiceFlush;
          return;
        }
        parse = Parse::FirstLine;  // git http-backend omits the service line for v2
        return onPacket(p);
      case Parse::ServiceFlush:
        if (p.kind != Packet::Kind::Flush) notARepository();
        parse = Parse::FirstLine;
        return;
      case Parse::FirstLine:
        if (p.kind == Packet::Kind::Flush && sawSmart) {  // v0, no refs and no capabilities
          parse = Parse::Complete;
          return;
        }
        if (!data) notARepository();
        if (line == "version 2") {
          sawSmart = true;
          version = 2;
          parse = Parse::V2Caps;
          return;
        }
        if (line == "version 1") {  // v1 = v0 preceded by this line
          sawSmart = true;
          return;
        }
        return firstRefLine(p.payload);
      case Parse::V2Caps:
        if (p.kind == Packet::Kind::Flush) {
          parse = Parse::Complete;
        } else if (data) {
          const size_t eq = line.find('=');
          v2caps[std::string(line.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1));
        } else {
          malformed("unexpected packet in the capability advertisement");
        }
        return;
      case Parse::V0Refs:
        if (p.kind == Packet::Kind::Flush) {
          parse = Parse::Complete;
        } else if (data && startsWith(line, "shallow ")) {
          // The remote is itself shallow. A v0 remote repeats its boundary
          // with the pack only when deepening, so keep it from here.
          auto id = ObjectId::fromHex(line.substr(8));
          if (!id) malformed("bad shallow line");
          if (advertisedShallow.size() >= kMaxAdvertisedShallow) malformed("too many shallow lines");
          advertisedShallow.insert(*id);
        } else if (data) {
          auto ref = parseRefLine(line);
          if (!ref) malformed("bad ref line");
          addV0Ref(std::move(*ref));
        } else {
          malformed("unexpected packet in the ref advertisement");
        }
        return;
      case Parse::LsRefs:
        if (p.kind == Packet::Kind::Flush) parse = Parse::Complete;
        else if (data) lsRefsLine(line);
        else malformed("unexpected packet in the ls-refs response");
        return;
      case Parse::Section:
        if (p.kind == Packet::Kind::Flush) {
          parse = Parse::Complete;
        } else if (data && line == "packfile") {
          startPack();
          parse = Parse::Packfile;
        } else if (data && (line == "acknowledgments" || line == "shallow-info" || line == "wanted-refs" ||
                            line == "packfile-uris")) {
          section = std::string(line);
          parse = Parse::SectionLines;
        } else if (p.kind != Packet::Kind::ResponseEnd) {
          malformed("unexpected section \"" + std::string(line) + "\"");
        }
        return;
      case Parse::SectionLines:
        if (p.kind == Packet::Kind::Delim) parse = Parse::Section;
        else if (p.kind == Packet::Kind::Flush) parse = Parse::Complete;
        else if (data && section == "shallow-info") shallowLine(line);
        return;  // acknowledgments (none: we send "done"), wanted-refs, packfile-uris: nothing to keep
      case Parse::Packfile:
      case Parse::V0Sideband:
        if (p.kind == Packet::Kind::Flush) {
          finishPack();
          parse = Parse::Complete;
        } else if (data) {
          sidebandPacket(p.payload);
        } else {
          malformed("unexpected packet in the pack stream");
        }
        return;
      case Parse::V0Preamble:
        if (p.kind == Packet::Kind::Flush) return;  // ends the shallow list
        if (data && (startsWith(line, "shallow ") || startsWith(line, "unshallow "))) return shallowLine(line);
        if (data && (line == "NAK" || startsWith(line, "ACK "))) {
          startPack();
          parse = sideband ? Parse::V0Sideband : Parse::RawPack;
          return;
        }
        malformed("unexpected line \"" + std::string(line) + "\" before the pack");
      case Parse::RawPack:
      case Parse::Complete:
        return;
    }
  }

  // "<id> <name>\0<capabilities>", or "<zero id> capabilities^{}\0<caps>" for an empty repo.
  void firstRefLine(const std::string& payload) {
    const size_t nul = payload.find('\0');
    const std::string_view refPart = chompNewline(std::string_view(payload).substr(0, nul));
    auto ref = parseRefLine(refPart);
    if (!ref) {
      if (sawSmart) malformed("bad first ref line");
      notARepository();
    }
    sawSmart = true;
    version = 0;
    parse = Parse::V0Refs;
    if (nul != std::string::npos) {
      for (auto word : splitSpaces(chompNewline(std::string_view(payload).substr(nul + 1)))) {
        v0caps.emplace(word);
        if (startsWith(word, "symref=HEAD:")) headTarget = std::string(word.substr(12));
        if (startsWith(word, "object-format=") && word != "object-format=sha1") unsupportedFormat(word.substr(14));
      }
    }
    if (ref->name != "capabilities^{}") addV0Ref(std::move(*ref));
  }

  void addV0Ref(RemoteRef ref) {
    const std::string_view name = ref.name;
    if (name.size() > 3 && name.substr(name.size() - 3) == "^{}") {
      // "<id> refs/tags/v1^{}" follows "refs/tags/v1": what the tag peels to.
      if (!remoteRefs.empty() && remoteRefs.back().name == name.substr(0, name.size() - 3)) {
        remoteRefs.back().peeled = ref.id;
      }
      return;
    }
    // v0 lists every ref (GitHub: all of refs/pull/*); keep only what an import can take.
    if (startsWith(name, "refs/heads/") || startsWith(name, "refs/tags/")) remoteRefs.push_back(std::move(ref));
  }

  // "<id> <name>[ symref-target:<t>][ peeled:<id>]" or "unborn HEAD symref-target:<t>".
  void lsRefsLine(std::string_view line) {
    const auto words = splitSpaces(line);
    if (words.size() < 2) malformed("bad ls-refs line");
    std::optional<std::string> target;
    std::optional<ObjectId> peeled;
    for (size_t i = 2; i < words.size(); ++i) {
      if (startsWith(words[i], "symref-target:")) target = std::string(words[i].substr(14));
      if (startsWith(words[i], "peeled:")) {
        peeled = ObjectId::fromHex(words[i].substr(7));
        if (!peeled) malformed("bad peeled id");
      }
    }
    if (words[1] == "HEAD") {
      headTarget = target;
      if (words[0] == "unborn" || ObjectId::fromHex(words[0])) return;
      malformed("bad ls-refs line");
    }
    if (words[0] == "unborn") return;
    auto id = ObjectId::fromHex(words[0]);
    if (!id) malformed("bad ls-refs line");
    remoteRefs.push_back(RemoteRef{std::string(words[1]), *id, peeled});
  }

  void shallowLine(std::string_view line) {
    const bool unshallow = startsWith(line, "unshallow ");
    if (!unshallow && !startsWith(line, "shallow ")) malformed("bad shallow-info line");
    auto id = ObjectId::fromHex(line.substr(unshallow ? 10 : 8));
    if (!id) malformed("bad shallow-info line");
    if (unshallow) shallow.erase(*id);
    else shallow.insert(*id);
  }

  void sidebandPacket(const std::string& payload) {
    const uint8_t band = payload.empty() ? 0 : static_cast<uint8_t>(payload[0]);
    if (band == static_cast<uint8_t>(Band::Data)) {
      feedPack(reinterpret_cast<const uint8_t*>(payload.data()) + 1, payload.size() - 1);
    } else if (band == static_cast<uint8_t>(Band::Error)) {
      throw ArtifactsError(ErrorCode::UpstreamUnavailable,
                           "remote error: " + std::string(chompNewline(std::string_view(payload).substr(1))));
    } else if (band != static_cast<uint8_t>(Band::Progress)) {
      malformed("bad side-band packet");
    }
  }

  // ---- pack

  void startPack() {
    if (ingest) malformed("a second pack in the response");
    ingest = std::make_unique<PackIngest>(repo.store(), repo.objects(), options.ingest, /*recordLinks=*/false);
    inPack = true;
  }

  void feedPack(const uint8_t* data, size_t n) {
    ingest->write(data, n);
    packBytes += n;
    if (progress && packBytes - reportedBytes >= kProgressStep) {
      reportedBytes = packBytes;
      progress(FetchProgress{FetchProgress::Phase::Receiving, packBytes, ingest->entriesRead(), ingest->entriesAnnounced()});
    }
  }

  void finishPack() {
    ingest->finish();
    inPack = false;
    packFinished = true;
  }

  // ---- refs

  // Branches and tags (not refs/pull/* and the like), or one branch plus the
  // tags that come along with it (include-tag).
  void selectRefs() {
    auto valid = [](const RemoteRef& r) { return isValidRefName(r.name); };
    if (options.branch) {
      const std::string name = "refs/heads/" + *options.branch;
      auto it = std::find_if(remoteRefs.begin(), remoteRefs.end(), [&](const RemoteRef& r) { return r.name == name; });
      if (it == remoteRefs.end()) {
        throw ArtifactsError(ErrorCode::NotFound, "remote branch " + *options.branch + " not found");
      }
      required.push_back(*it);
      for (const auto& r : remoteRefs) {
        if (startsWith(r.name, "refs/tags/") && valid(r)) followed.push_back(r);
      }
      result.defaultBranch = *options.branch;
    } else {
      for (const auto& r : remoteRefs) {
        if ((startsWith(r.name, "refs/heads/") || startsWith(r.name, "refs/tags/")) && valid(r)) required.push_back(r);
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
        throw ArtifactsError(ErrorCode::UpstreamUnavailable,
                             "remote sent an incomplete pack (" + r.name + " " + r.id.hex() + " is missing)");
      }
      result.refs.push_back(Ref{r.name, r.id});
    }
    for (const auto& r : followed) {
      if (objects.exists(r.id) && (!r.peeled || objects.exists(*r.peeled))) result.refs.push_back(Ref{r.name, r.id});
    }
    std::sort(result.refs.begin(), result.refs.end(), [](const Ref& a, const Ref& b) { return a.name < b.name; });
    // The remote's boundary commits that arrived came without their parents
    // (git's client keeps them as shallow the same way).
    for (const auto& id : advertisedShallow) {
      if (objects.exists(id)) shallow.insert(id);
    }
    result.shallow.assign(shallow.begin(), shallow.end());
    done();
  }

  void done() {
    step = Step::Done;
    if (progress) {
      progress(FetchProgress{FetchProgress::Phase::Done, packBytes, ingest ? uint64_t{ingest->entriesRead()} : 0,
                            ingest ? uint64_t{ingest->entriesAnnounced()} : 0});
    }
  }

  // ---- errors

  [[noreturn]] void notARepository() const {
    throw ArtifactsError(ErrorCode::InvalidUrl, "\"" + label + "\" does not appear to be a git repository");
  }

  // A git server that misbehaves (or a connection cut short) is the remote
  // failing, not a wrong URL: UPSTREAM_UNAVAILABLE.
  [[noreturn]] void malformed(const std::string& what) const {
    throw ArtifactsError(ErrorCode::UpstreamUnavailable, "invalid response from \"" + label + "\": " + what);
  }

  [[noreturn]] void unsupportedFormat(std::string_view format) const {
    throw ArtifactsError(ErrorCode::UpstreamUnavailable,
                         "\"" + label + "\" uses the " + std::string(format) + " object format; only sha1 is supported");
  }

  // Runs one step of the public API: a failure is final, and the lower layers'
  // InvalidInput (bad pkt-line, bad pack) is the remote's fault here.
  template <typename F>
  void guarded(F&& f) {
    if (failed) throw ArtifactsError(ErrorCode::InternalError, "the fetch has already failed");
    try {
      f();
    } catch (const ArtifactsError& e) {
      failed = true;
      if (e.code() != ErrorCode::InvalidInput) throw;
      if (step == Step::Discover && !sawSmart) notARepository();
      if (inPack) throw ArtifactsError(ErrorCode::UpstreamUnavailable, "remote sent a corrupt pack: " + std::string(e.what()));
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
      throw ArtifactsError(ErrorCode::InternalError, "nextRequest() before the previous response ended");
    }
    switch (s.step) {
      case State::Step::Discover:
        request = HttpRequest{"GET", s.url + "/info/refs?service=git-upload-pack", s.headers(false), {}};
        break;
      case State::Step::LsRefs:
        request = s.lsRefsRequest();
        break;
      case State::Step::Fetch:
        request = s.version == 2 ? s.fetchRequestV2() : s.fetchRequestV0();
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
    if (!s.requestPending) throw ArtifactsError(ErrorCode::InternalError, "beginResponse() without a request");
    s.requestPending = false;
    s.inResponse = true;
    s.begin(status, contentType);
  });
}

void FetchClient::write(const uint8_t* data, size_t n) {
  State& s = *state_;
  s.guarded([&] {
    if (!s.inResponse) throw ArtifactsError(ErrorCode::InternalError, "write() outside a response");
    s.body(data, n);
  });
}

bool FetchClient::pump() {
  State& s = *state_;
  bool idle = true;
  s.guarded([&] { idle = !s.ingest || s.ingest->resume(); });
  return idle;
}

void FetchClient::endResponse() {
  State& s = *state_;
  s.guarded([&] {
    if (!s.inResponse) throw ArtifactsError(ErrorCode::InternalError, "endResponse() outside a response");
    s.inResponse = false;
    s.end();
  });
}

const FetchedRefs& FetchClient::result() const {
  if (state_->step != State::Step::Done) throw ArtifactsError(ErrorCode::InternalError, "the fetch is not complete");
  return state_->result;
}

}  // namespace oa::git
