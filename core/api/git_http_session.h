// One git smart-HTTP request (DESIGN.md "Streaming"): routed and
// authenticated when opened, fed the request body in chunks, then read out
// in chunks. Routes: GET <repo>.git/info/refs?service=git-(upload|receive)-pack,
// POST <repo>.git/git-upload-pack, POST <repo>.git/git-receive-pack, under
// /git/<namespace>/. Everything else is 404.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "artifacts/repo_service.h"
#include "git/format/gzip_decoder.h"
#include "git/protocol/receive_pack.h"
#include "git/store/repo_context.h"
#include "git/protocol/response_body.h"

namespace oa {

struct GitHttpRequest {
  std::string method;
  std::string path;   // URL path, e.g. "/git/default/repo.git/info/refs"
  std::string query;  // URL query including "?", may be empty
  std::map<std::string, std::string> headers;  // lower-case names

  // {"method","path","query","headers":{...}}; InvalidInput if malformed.
  static GitHttpRequest fromJson(const std::string& json);
};

struct GitHttpResponseHead {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string toJson() const;
};

// Upload-pack request bodies are parsed whole; this bounds them. 8 MiB holds
// about 170,000 "have" lines, more than git sends in a whole negotiation.
constexpr uint64_t kMaxUploadRequestBytes = 8ull << 20;
// Decoded body bytes handled per pump() (gzip can inflate a small body a
// thousandfold; this keeps each step short).
constexpr size_t kPumpPieceBytes = 1u << 20;
constexpr size_t kMaxPiecesPerPump = 8;

class GitHttpSession {
 public:
  // `repos` finds the repo the URL names (ArtifactsService locally).
  GitHttpSession(RepoDirectory& repos, const GitHttpRequest& request);
  ~GitHttpSession();

  // The request body, in chunks. Work a chunk causes may be left pending
  // (so a host can serve other requests meanwhile): returns true when it is
  // all done; otherwise call pump() until it returns true before writing
  // more or finishing.
  bool write(const uint8_t* data, size_t n);
  bool pump();
  GitHttpResponseHead finish();
  // Next piece of the response body; false when complete.
  bool read(Bytes& out);

 private:
  enum class Route { None, InfoRefs, UploadPack, ReceivePack };
  void open(const GitHttpRequest& request);  // routing and auth
  void fail(int status, const std::string& message, bool authenticate = false);
  void consume(const uint8_t* data, size_t n);
  // Runs f; a bad or over-limit body fails the request (400 / 413).
  template <typename F>
  bool guardBody(F&& f);

  RepoDirectory& repos_;
  RepoService* repo_ = nullptr;  // the repo the request is for, once routed
  Route route_ = Route::None;
  bool receiveService_ = false;  // info/refs for receive-pack
  int version_ = 0;              // Git-Protocol version
  GitHttpResponseHead head_;
  bool failed_ = false;
  std::unique_ptr<git::RepoContext> context_;
  std::unique_ptr<git::GzipDecoder> gzip_;
  std::unique_ptr<git::ReceivePack> receive_;
  std::string uploadBody_;
  Bytes input_;  // body bytes written but not handled yet
  std::unique_ptr<git::ResponseBody> body_;
};

}  // namespace oa
