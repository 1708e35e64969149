// The repo side of import() (spec §7.1): a remote's refs and objects fetched
// into one repo's store over smart HTTP, then proven complete and written.
// Sans-IO like FetchClient (git/protocol/fetch_client.h): the host performs
// each request and feeds the response. Knows nothing of the registry: the
// import job (import_job.h) and a repo object (open_artifacts/repo_object.h)
// add the registry steps around it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "artifacts/repo_service.h"
#include "git/protocol/fetch_client.h"

namespace oa {

// What to fetch: the import's source.
struct FetchSource {
  std::string url;                    // checked by checkImportSource()
  std::optional<std::string> branch;  // default: every branch and tag, HEAD as the remote's
  int depth = 0;                      // 0 = full history
};

// INVALID_INPUT for the URL, branch or depth; INVALID_URL for a loopback,
// private or metadata host unless `allowPrivate`; http:// only with `allowHttp`.
void checkImportSource(const FetchSource& source, bool allowHttp, bool allowPrivate);
// The error for a host whose name resolved to a non-public address.
ArtifactsError nonPublicHostError(const std::string& host);

class RepoFetch {
 public:
  RepoFetch(RepoService& repo, const FetchSource& source);
  ~RepoFetch();

  // The next request, or nullopt once the fetch is complete: then finish().
  std::optional<git::HttpRequest> nextRequest() { return client_->nextRequest(); }
  void beginResponse(int status, const std::string& contentType) { client_->beginResponse(status, contentType); }
  void write(const uint8_t* data, size_t n) { client_->write(data, n); }
  bool pump() { return client_->pump(); }
  void endResponse() { client_->endResponse(); }
  const git::FetchProgress& progress() const { return progress_; }

  // The fetched objects are durable: proves every ref's history complete (a
  // remote can send anything: UPSTREAM_UNAVAILABLE otherwise), then writes
  // the shallow boundary, refs and HEAD in one batch. HEAD names the remote's
  // default branch, or `fallbackBranch` where our branch rules refuse it.
  // Returns the default branch HEAD names.
  std::string finish(const std::string& fallbackBranch);

 private:
  std::unique_ptr<git::RepoContext> repo_;
  git::FetchProgress progress_;
  std::unique_ptr<git::FetchClient> client_;
};

}  // namespace oa
