// The embedding API: what a host includes to run one namespace of Artifacts
// over its own storage (the wasm bindings do; so can a native program). Every
// header outside core/include/open_artifacts is internal to the core.
//
// Calls take and give JSON in the binding's shapes (spec §2, camelCase); bytes
// stay binary. Every failure is an ArtifactsError (errors.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "open_artifacts/bytes.h"
#include "open_artifacts/host.h"
#include "open_artifacts/storage.h"

namespace oa {

struct ArtifactsOptions {
  std::string namespaceName;  // 2-63 characters
  std::string baseUrl;        // remotes are <baseUrl>/git/<namespace>/<repo>.git
  std::string limitsJson;     // {"maxRepoBytes"?, "maxPackBytes"?} (positive integers), or "" for the defaults
};

// One git smart-HTTP request: write() the body in chunks (and pump() until
// it returns true before the next write), finish() for the response head
// ({"status", "headers"} JSON), then read() the body until it returns false.
class GitExchange {
 public:
  virtual ~GitExchange() = default;
  virtual bool write(const uint8_t* data, size_t n) = 0;
  virtual bool pump() = 0;
  virtual std::string finish() = 0;
  virtual bool read(Bytes& out) = 0;
};

// fork(): step() until true (the host yields in between), then resultJson()
// (ArtifactsCreateRepoResult). Destroying it unfinished removes the half fork.
class ForkRun {
 public:
  virtual ~ForkRun() = default;
  virtual bool step(size_t maxObjects) = 0;
  virtual uint64_t objectsCopied() const = 0;
  virtual std::string resultJson() = 0;
};

// An HTTP request an import asks the host to perform.
struct OutgoingRequest {
  std::string method;  // "GET" or "POST"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;
};

struct ImportStatus {
  std::string phase;  // "refs", "receiving", "done"
  uint64_t bytesReceived = 0;
  uint64_t objectsReceived = 0;
  uint64_t objectsTotal = 0;
};

// import(): the core is sans-IO. The host performs nextRequest() (nullopt:
// done, then resultJson()) and feeds the response: beginResponse(), write()
// (pump() until true), endResponse(). failUnreachable() when the request
// itself failed; refuseAddress() when the host's resolver found a
// non-public address. Destroying it unfinished removes the half repo.
class ImportRun {
 public:
  virtual ~ImportRun() = default;
  virtual std::optional<OutgoingRequest> nextRequest() = 0;
  virtual void beginResponse(int status, const std::string& contentType) = 0;
  virtual void write(const uint8_t* data, size_t n) = 0;
  virtual bool pump() = 0;
  virtual void endResponse() = 0;
  virtual void failUnreachable(const std::string& reason) = 0;
  virtual void refuseAddress() = 0;
  virtual ImportStatus progress() const = 0;
  virtual std::string resultJson() = 0;
};

// A content read that answers a Blob.
struct BlobAnswer {
  std::string type;  // MIME type ("" for readBlob)
  std::shared_ptr<const Bytes> bytes;
};

// One namespace: the `Artifacts` binding's methods, its repo handles' methods,
// and the git server, composed in one process over the host's storage.
class Artifacts {
 public:
  // INVALID_INPUT for a bad namespace name, base URL or limits.
  Artifacts(const ArtifactsOptions& options, KvStore& registry, RepoStorageProvider& repos, Host& host);
  ~Artifacts();
  Artifacts(const Artifacts&) = delete;
  Artifacts& operator=(const Artifacts&) = delete;

  // Namespace methods ("create", "get", "list", "delete") and repo-handle
  // methods ([name, repoId, ...]: "info", "createToken", "listTokens",
  // "revokeToken", "readTree", "readCommit", "log", "commit"): JSON args in,
  // JSON out.
  std::string call(const std::string& method, const std::string& argsJson);
  // "commit" [name, repoId, {branch?, expectedHead?, message, author?,
  // committer?, allowEmpty?, files}] (our extension: files written without a
  // git client, the branch moved as a push moves it), with file contents as
  // bytes: contents[i] is files[i]'s content, which then has no `content`
  // field. Answers {commit, tree, parents, ref, branch, previous}.
  std::string commit(const std::string& argsJson, std::vector<std::optional<Bytes>> contents);
  // "readBlob" and "readFile": nullopt is the JS null.
  std::optional<BlobAnswer> readBytes(const std::string& method, const std::string& argsJson);
  // {"method","path","query","headers":{...}} of a request under /git/.
  std::unique_ptr<GitExchange> openGit(const std::string& requestJson);
  // [name, repoId, targetName, options]
  std::unique_ptr<ForkRun> fork(const std::string& argsJson);
  // [{source, target}]; `allowHttp`/`allowPrivate`: the host's opt-ins.
  std::unique_ptr<ImportRun> import(const std::string& argsJson, bool allowHttp, bool allowPrivate);
  // The remote URL of repo `name` (INVALID_REPO_NAME for a bad name).
  std::string remoteUrl(const std::string& name);
  // Removes repo stores no registry names, where the host can list them; how many.
  size_t sweep();
  // The repo events (spec §9.1) queued since the last call, oldest first, as
  // a JSON array of {type, source: {type, namespace, repoName}, payload,
  // eventTimestamp}: the Queues envelope without its metadata, which the
  // host adds. The queue is bounded (the oldest go first): drain it after
  // every call, job and git request.
  std::string takeEvents();
  // A host with no one to hand events to says so (false): none are built
  // from then on, which saves a push of many refs most of its memory peak
  // (an event per ref, up to 16 MB queued). On by default.
  void setEventsWanted(bool wanted);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// {"INVALID_INPUT": {"numericCode": 10100, "httpStatus": 400}, ...}
std::string errorCodesJson();
// False for loopback, private, link-local, metadata and other non-public
// addresses, and for text that is not an IP address (import's guard).
bool isPublicAddress(const std::string& address);

}  // namespace oa
