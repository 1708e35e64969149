// import({source: {url, branch, depth}, target: {name, opts}}) (spec §7.1): a
// new repo filled from a remote git server over smart HTTP. The core is
// sans-IO: the job hands the host each HTTP request (git/fetch_client.h) and
// takes the responses; the pack goes through the same ingest as a push. The
// target is "importing" (IMPORT_IN_PROGRESS) until the refs are written; any
// error, or a job destroyed before the end, removes it: no half repo remains.
// A completed import queues `imported` and the initial token's token.created.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "artifacts/artifacts_service.h"
#include "artifacts/repo_fetch.h"

namespace oa {

struct ImportParams {
  FetchSource source;                 // https://host/path(.git) (http:// only with allowHttp), branch, depth
  std::string targetName;
  CreateRepoOptions target;           // description, readOnly (the default branch comes from the remote)
  bool allowHttp = false;             // the host's explicit opt-in (local tests)
  bool allowPrivate = false;          // opt-in: loopback/private/metadata hosts (address_guard.h)
};

// "git:<url>" with ".git" appended (spec §4.8).
std::string importSource(const std::string& url);

class ImportJob {
 public:
  // Validates (INVALID_INPUT for the URL, branch or depth; INVALID_URL for a
  // non-public host without allowPrivate; INVALID_REPO_NAME, ALREADY_EXISTS
  // for the target) and registers the target as importing.
  ImportJob(ArtifactsService& service, const ImportParams& params);
  ~ImportJob();
  ImportJob(const ImportJob&) = delete;
  ImportJob& operator=(const ImportJob&) = delete;

  // The next request for the host, or nullopt once the repo is ready.
  std::optional<git::HttpRequest> nextRequest();
  void beginResponse(int status, const std::string& contentType);
  void write(const uint8_t* data, size_t n);
  // Pending unpacking work (FetchClient::pump): true once none is left.
  bool pump();
  void endResponse();
  // The host could not reach the remote (DNS, refused, TLS, timeout).
  [[noreturn]] void failUnreachable(const std::string& reason);
  // The host's resolver found a non-public address for the URL's host
  // (address_guard.h): INVALID_URL, as for a literal one.
  [[noreturn]] void refuseAddress();

  const git::FetchProgress& progress() const;
  // Valid once nextRequest() returned nullopt.
  const CreatedRepo& result() const { return result_; }

 private:
  template <typename F>
  auto guard(F&& f) -> decltype(f());
  void complete();
  void abandon() noexcept;

  ArtifactsService& service_;
  std::string host_;  // the URL's host, for refuseAddress()
  std::string sourceUrl_;               // as given: the imported event's sourceUrl
  std::optional<std::string> branch_;  // the branch asked for, if any
  PendingRepo pending_;
  std::unique_ptr<RepoFetch> fetch_;
  git::FetchProgress finalProgress_;  // once fetch_ is gone
  CreatedRepo result_;
  enum class State { Running, Done, Failed } state_ = State::Running;
};

}  // namespace oa
