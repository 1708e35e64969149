// A client's fetch request, one codec for both ends: upload-pack parses it
// from either protocol v0/v1 (want lines with capabilities, flush, have
// lines, "done") or the arguments of a v2 "command=fetch" into one shape; the
// fetch client encodes the same shape. The parsers are bounded and strict:
// anything malformed throws ArtifactsError(InvalidInput) whose message is
// sent back as "ERR ...".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "open_artifacts/bytes.h"

#include "git/format/object_filter.h"
#include "git/format/object_id.h"

namespace oa::git {

// Per-request bounds on what the server must look up, one storage read or more
// per line (the request body itself is capped at 8 MiB, git_http_session.h).
constexpr size_t kMaxWants = 100'000;      // ref tips of even a mirror with many pull refs
constexpr size_t kMaxHaves = 100'000;      // git sends a few hundred per round
constexpr size_t kMaxShallowLines = 10'000;
constexpr size_t kMaxDeepenNot = 100;

struct FetchRequest {
  std::vector<ObjectId> wants;
  std::vector<std::string> wantRefs;  // v2 want-ref
  std::vector<ObjectId> haves;
  bool done = false;
  // v0/v1: the body went on past the want section (haves, a flush or done).
  // A shallow clone's first request stops after the wants: it only asks for
  // the shallow list.
  bool negotiating = false;
  std::vector<ObjectId> shallows;
  int depth = 0;
  bool deepenRelative = false;
  int64_t deepenSince = 0;
  std::vector<std::string> deepenNot;
  std::optional<ObjectFilter> filter;

  bool sideband = false, sideband64k = false, ofsDelta = false, thinPack = false, noProgress = false,
       includeTag = false, multiAck = false, multiAckDetailed = false, noDone = false;
  bool waitForDone = false, sidebandAll = false;  // v2
};

// v0/v1 body: want/shallow/deepen/filter lines, flush, have lines, flush or done.
FetchRequest parseFetchRequestV0(const std::string& body);
// The same body. Capabilities go on the first want line: those the flags name
// (v0/v1 ones: side-band, multi_ack, deepen-relative, ...), then `extra`
// ("agent=..."). The haves section follows when `negotiating` or `done`.
Bytes encodeFetchRequestV0(const FetchRequest& request, const std::vector<std::string>& extra = {});

// v2: the arguments of "command=fetch" (everything after the delim).
FetchRequest parseFetchArgumentsV2(const std::vector<std::string>& lines);
// The same arguments (v2 ones: v0/v1-only flags are not sent, and side-band
// is implied).
std::vector<std::string> encodeFetchArgumentsV2(const FetchRequest& request);
// The whole v2 request: "command=fetch", `capabilities` ("agent=...",
// "object-format=sha1"), delim, the arguments, flush (command_request.h).
Bytes encodeFetchRequestV2(const FetchRequest& request, const std::vector<std::string>& capabilities);

}  // namespace oa::git
