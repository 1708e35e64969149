#include "api/git_http_session.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "artifacts/json_io.h"
#include "base/base64.h"
#include "base/text.h"

#include "open_artifacts/errors.h"
#include "git/protocol/upload_pack.h"
#include "artifacts/names.h"

namespace oa {

namespace {
using nlohmann::json;

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Repeated Authorization headers reach us joined with ", " (fetch Headers).
// git sends the same header twice when `-c http.extraHeader=...` is given
// twice, so identical copies count as one credential; differing ones (or an
// empty copy) are refused. No credential form we accept contains a comma.
std::optional<std::string_view> singleCredential(std::string_view value) {
  const size_t comma = value.find(',');
  if (comma == std::string_view::npos) return value;
  const std::string_view first = trimmed(value.substr(0, comma));
  size_t start = 0;
  for (;;) {
    const size_t end = value.find(',', start);
    if (trimmed(value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)) != first) {
      return std::nullopt;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (first.empty()) return std::nullopt;
  return first;
}

// Bearer <token>, or Basic with the token in the password slot (username ignored).
std::optional<std::string> presentedToken(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("authorization");
  if (it == headers.end()) return std::nullopt;
  if (it->second.size() > 8192) return std::string("invalid");
  const auto single = singleCredential(it->second);
  if (!single) return std::string("invalid");
  const std::string_view value = *single;
  auto schemeIs = [&](std::string_view scheme) {
    if (value.size() <= scheme.size()) return false;
    for (size_t i = 0; i < scheme.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return false;
    }
    return value[scheme.size()] == ' ';
  };
  if (schemeIs("bearer")) return std::string(value.substr(7));
  if (schemeIs("basic")) {
    const auto bytes = decodeBase64(value.substr(6));
    if (!bytes) return std::string("invalid");
    const std::string decoded = bytesToString(*bytes);
    const size_t colon = decoded.find(':');
    if (colon == std::string::npos) return std::string("invalid");
    return decoded.substr(colon + 1);
  }
  return std::string("invalid");
}

int protocolVersion(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("git-protocol");
  if (it == headers.end()) return 0;
  // "version=2" possibly among other colon-separated parameters.
  std::string_view v = it->second;
  size_t start = 0;
  int version = 0;
  while (start <= v.size()) {
    size_t end = v.find(':', start);
    if (end == std::string_view::npos) end = v.size();
    const std::string_view param = v.substr(start, end - start);
    if (param == "version=2") version = 2;
    else if (param == "version=1" && version == 0) version = 1;
    start = end + 1;
  }
  return version;
}
}  // namespace

GitHttpRequest GitHttpRequest::fromJson(const std::string& text) {
  json j = parseJson(text, false);
  if (!j.is_object() || !j.value("method", json()).is_string() || !j.value("path", json()).is_string()) {
    throwError(ErrorCode::InvalidInput, "malformed git request");
  }
  GitHttpRequest r;
  r.method = j["method"].get<std::string>();
  r.path = j["path"].get<std::string>();
  if (j.contains("query") && j["query"].is_string()) r.query = j["query"].get<std::string>();
  if (j.contains("headers") && j["headers"].is_object()) {
    for (const auto& [k, v] : j["headers"].items()) {
      if (!v.is_string()) continue;
      std::string key = k;
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[key] = v.get<std::string>();
    }
  }
  return r;
}

std::string GitHttpResponseHead::toJson() const {
  json j;
  j["status"] = status;
  j["headers"] = headers;
  return j.dump();
}

void GitHttpSession::fail(int status, const std::string& message, bool authenticate) {
  failed_ = true;
  head_.status = status;
  head_.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  if (authenticate) head_.headers["WWW-Authenticate"] = "Basic realm=\"artifacts\"";
  body_ = git::bufferBody(message + "\n");
  receive_.reset();
}

GitHttpSession::~GitHttpSession() = default;

GitHttpSession::GitHttpSession(RepoDirectory& repos, const GitHttpRequest& request) : repos_(repos) {
  open(request);
}

void GitHttpSession::open(const GitHttpRequest& request) {
  // /git/<namespace>/<repo>.git/<rest>
  const std::string prefix = "/git/" + repos_.namespaceName() + "/";
  const size_t dotGit = request.path.find(".git/", prefix.size());
  if (!startsWith(request.path, prefix) || dotGit == std::string::npos) return fail(404, "Not found");
  const std::string repoName = request.path.substr(prefix.size(), dotGit - prefix.size());
  const std::string rest = request.path.substr(dotGit + 5);
  if (!isValidRepoName(repoName)) return fail(404, "Not found");
  bool write = false;
  if (rest == "info/refs" && request.method == "GET") {
    route_ = Route::InfoRefs;
    if (request.query.find("service=git-upload-pack") != std::string::npos) receiveService_ = false;
    else if (request.query.find("service=git-receive-pack") != std::string::npos) receiveService_ = write = true;
    else return fail(403, "dumb HTTP is not supported: use a smart git client");
  } else if (rest == "git-upload-pack" && request.method == "POST") {
    route_ = Route::UploadPack;
  } else if (rest == "git-receive-pack" && request.method == "POST") {
    route_ = Route::ReceivePack;
    write = true;
  } else {
    return fail(404, "Not found");
  }
  version_ = protocolVersion(request.headers);
  const auto token = presentedToken(request.headers);
  if (!token || token->empty()) return fail(401, "Authentication required", true);
  // Unknown repos answer like bad tokens: a token never reveals other repos.
  repo_ = repos_.repoNamed(repoName);
  if (!repo_) return fail(403, "Invalid or expired token");
  const GitAccess access = repo_->authorizeGit(token, write);
  if (access.status != 200) return fail(access.status, access.message, access.status == 401);
  if (route_ != Route::InfoRefs) {
    const std::string service = route_ == Route::UploadPack ? "upload-pack" : "receive-pack";
    auto ct = request.headers.find("content-type");
    if (ct == request.headers.end() || ct->second != "application/x-git-" + service + "-request") {
      return fail(415, "expected Content-Type application/x-git-" + service + "-request");
    }
    auto ce = request.headers.find("content-encoding");
    if (ce != request.headers.end() && ce->second == "gzip") {
      gzip_ = std::make_unique<git::GzipDecoder>(route_ == Route::UploadPack ? kMaxUploadRequestBytes
                                                                              : repo_->ingestLimits().maxPackBytes + (4u << 20));
    } else if (ce != request.headers.end() && !ce->second.empty() && ce->second != "identity") {
      return fail(415, "unsupported Content-Encoding " + ce->second);
    }
  }
  context_ = repo_->openContext();
  if (route_ == Route::ReceivePack) receive_ = std::make_unique<git::ReceivePack>(*context_, repo_->ingestLimits());
}

void GitHttpSession::consume(const uint8_t* data, size_t n) {
  if (route_ == Route::ReceivePack) {
    receive_->write(data, n);
  } else if (route_ == Route::UploadPack) {
    if (uploadBody_.size() + n > kMaxUploadRequestBytes) {
      throwError(ErrorCode::MemoryLimit, "upload-pack request larger than 8 MiB");
    }
    uploadBody_.append(reinterpret_cast<const char*>(data), n);
  }
}

template <typename F>
bool GitHttpSession::guardBody(F&& f) {
  if (failed_) return true;
  try {
    return f();
  } catch (const ArtifactsError& e) {
    if (e.code() != ErrorCode::InvalidInput && e.code() != ErrorCode::MemoryLimit) throw;
    fail(errorHttpStatus(e.code()), e.what());
    input_ = Bytes();
    return true;
  }
}

bool GitHttpSession::write(const uint8_t* data, size_t n) {
  if (failed_ || n == 0) return pump();
  input_.insert(input_.end(), data, data + n);
  return pump();
}

bool GitHttpSession::pump() {
  return guardBody([&] {
    for (size_t pieces = 0; pieces < kMaxPiecesPerPump; ++pieces) {
      if (receive_ && !receive_->resume()) return false;
      if (input_.empty()) return true;
      size_t used = std::min(input_.size(), kPumpPieceBytes);
      if (gzip_) {
        Bytes decoded;
        used = gzip_->feed(input_.data(), input_.size(), decoded, kPumpPieceBytes);
        if (used == 0 && decoded.empty()) throwError(ErrorCode::InvalidInput, "corrupt gzip request body");
        consume(decoded.data(), decoded.size());
      } else {
        consume(input_.data(), used);
      }
      input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(used));
    }
    return input_.empty() && (!receive_ || receive_->resume());
  });
}

GitHttpResponseHead GitHttpSession::finish() {
  if (failed_) return head_;
  const char* service = (route_ == Route::ReceivePack || receiveService_) ? "git-receive-pack" : "git-upload-pack";
  while (!pump()) {
  }  // a host that finishes early still gets every pending step done
  if (failed_) return head_;
  try {
    if (gzip_) gzip_->finish();
    if (route_ == Route::InfoRefs) {
      body_ = git::bufferBody(receiveService_ ? git::ReceivePack(*context_).advertise(version_)
                                              : git::UploadPack(*context_).advertise(version_));
      head_.headers["Content-Type"] = std::string("application/x-") + service + "-advertisement";
    } else if (route_ == Route::UploadPack) {
      git::UploadPack upload(*context_);
      body_ = upload.serve(uploadBody_, version_);
      uploadBody_.clear();
      if (upload.outcome().sentPack) repos_.recordFetch(*repo_, !upload.outcome().hadHaves);
      head_.headers["Content-Type"] = std::string("application/x-") + service + "-result";
    } else {
      body_ = receive_->finish();
      const auto& outcome = receive_->outcome();
      if (outcome.anyRefChanged()) repos_.recordPush(*repo_, *context_, outcome.updated);
      head_.headers["Content-Type"] = std::string("application/x-") + service + "-result";
    }
  } catch (const ArtifactsError& e) {
    if (e.code() != ErrorCode::InvalidInput && e.code() != ErrorCode::MemoryLimit) throw;
    fail(errorHttpStatus(e.code()), e.what());
    return head_;
  }
  head_.status = 200;
  head_.headers["Cache-Control"] = "no-cache, max-age=0, must-revalidate";
  return head_;
}

bool GitHttpSession::read(Bytes& out) { return body_ && body_->next(out); }

}  // namespace oa
