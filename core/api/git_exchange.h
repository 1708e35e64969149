// The embedding API's GitExchange over one GitHttpSession (api/git_http_session.h).
#pragma once

#include <string>

#include "api/git_http_session.h"
#include "open_artifacts/artifacts.h"

namespace oa {

class GitSessionExchange : public GitExchange {
 public:
  GitSessionExchange(RepoDirectory& repos, const std::string& requestJson)
      : session_(repos, GitHttpRequest::fromJson(requestJson)) {}
  bool write(const uint8_t* data, size_t n) override { return session_.write(data, n); }
  bool pump() override { return session_.pump(); }
  std::string finish() override { return session_.finish().toJson(); }
  bool read(Bytes& out) override { return session_.read(out); }

 private:
  GitHttpSession session_;
};

}  // namespace oa
