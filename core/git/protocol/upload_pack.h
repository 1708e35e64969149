// git-upload-pack over stateless HTTP: ref advertisement (v0/v1), the v2
// capability advertisement and its ls-refs / fetch / object-info commands,
// negotiation (multi_ack_detailed, no-done), shallow/deepen, filters, and a
// streamed side-band pack. Protocol errors become "ERR <message>" packets.
// A shallow repo (ShallowStore) is served as git serves one with a shallow
// file: its shallow commits are advertised (v0/v1) or sent in shallow-info
// (v2), and history stops at them.
#pragma once

#include <memory>
#include <string>

#include "git/store/repo_context.h"
#include "git/protocol/response_body.h"

namespace oa::git {

// What a served request did, for the `cloned` / `fetched` events: only a
// request answered with a pack counts (not ls-refs, object-info, or a
// negotiation round), and one whose client named no `have` is a clone.
struct UploadOutcome {
  bool sentPack = false;
  bool hadHaves = false;
};

class UploadPack {
 public:
  explicit UploadPack(RepoContext& repo) : repo_(repo) {}

  // Body of GET info/refs?service=git-upload-pack. `version` 0/1/2 from the
  // Git-Protocol header.
  Bytes advertise(int version);
  // Body of POST git-upload-pack.
  std::unique_ptr<ResponseBody> serve(const std::string& requestBody, int version);
  const UploadOutcome& outcome() const { return outcome_; }

 private:
  std::unique_ptr<ResponseBody> serveV0(const std::string& body);
  std::unique_ptr<ResponseBody> serveV2(const std::string& body);
  Bytes lsRefs(const std::vector<std::string>& args);
  Bytes objectInfo(const std::vector<std::string>& args);
  std::unique_ptr<ResponseBody> fetchV2(const std::vector<std::string>& args);

  RepoContext& repo_;
  UploadOutcome outcome_;
};

}  // namespace oa::git
