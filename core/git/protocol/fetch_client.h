// The client side of git smart HTTP, sans-IO (DESIGN.md "Sans-IO core"): it
// says which HTTP request to make next, the host performs it with its own
// fetch(), and feeds the response back. Used by import(): protocol v2
// (ls-refs, then fetch) with a v0/v1 fallback when the remote does not speak
// v2. The pack goes through PackIngest, the same path as a push; refs are not
// written here (the caller checks connectivity and writes them atomically).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/pack_ingest.h"
#include "git/store/ref_store.h"
#include "git/store/repo_context.h"

namespace oa::git {

struct HttpRequest {
  std::string method;  // "GET" or "POST"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;
};

struct FetchClientOptions {
  std::string url;                    // remote repo URL as given (validated by the caller)
  std::optional<std::string> branch;  // import only this branch (short name)
  int depth = 0;                      // shallow fetch; 0 = full history
  uint64_t maxResponseBytes = 2ull << 30;  // all response bodies together (mostly the pack); beyond -> MEMORY_LIMIT
  IngestLimits ingest;
};

struct FetchProgress {
  enum class Phase { Refs, Receiving, Done };
  Phase phase = Phase::Refs;
  uint64_t bytesReceived = 0;  // pack bytes so far
  uint64_t objectsReceived = 0;
  uint64_t objectsTotal = 0;   // announced by the pack header (0 until it arrived)
};

// What the fetch brought: the refs to create and the repo's shallow boundary.
struct FetchedRefs {
  std::vector<Ref> refs;          // full ref names -> ids, all of whose objects were fetched
  std::string defaultBranch;      // short name: `branch`, else the remote HEAD's target, else "main"
  std::vector<ObjectId> shallow;  // commits stored without their parents (depth > 0)
};

class FetchClient {
 public:
  using ProgressCallback = std::function<void(const FetchProgress&)>;

  FetchClient(RepoContext& repo, FetchClientOptions options, ProgressCallback progress = {});
  ~FetchClient();

  // The next request to perform, or nullopt when the fetch is complete. Call
  // it again only after endResponse(). It can throw too (e.g. `depth` against
  // a remote without shallow support: UPSTREAM_UNAVAILABLE).
  std::optional<HttpRequest> nextRequest();
  // The response to the last request: status and Content-Type first, then the
  // body in chunks of any size, then endResponse(). Errors are thrown as
  // ArtifactsError with spec §7.1's codes (REMOTE_AUTH_REQUIRED, NOT_FOUND,
  // INVALID_URL, UPSTREAM_UNAVAILABLE, MEMORY_LIMIT). After an error the
  // client is finished: every further call throws INTERNAL_ERROR.
  void beginResponse(int status, const std::string& contentType);
  void write(const uint8_t* data, size_t n);
  // A pack's unpacking may stop after a step's work (pack_ingest.h): call
  // pump() until it returns true before the next write() or endResponse().
  bool pump();
  void endResponse();

  // Valid once nextRequest() returned nullopt.
  const FetchedRefs& result() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace oa::git
