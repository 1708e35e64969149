// Real git as a smart-HTTP server without sockets: each request runs
// `git http-backend` as a CGI process (the request body on stdin, the CGI
// headers and body on stdout), so FetchClient can be tested against git itself.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "git/protocol/fetch_client.h"
#include "support/git_fixture.h"

namespace oa::testing {

struct HttpResponse {
  int status = 200;
  std::string contentType;
  Bytes body;
};

using HttpServer = std::function<HttpResponse(const git::HttpRequest&)>;

class HttpBackendCgi {
 public:
  // Serves the repos under `projectRoot` at `baseUrl` + "/<path below the root>".
  HttpBackendCgi(std::string projectRoot, std::string baseUrl = "http://git.test")
      : root_(std::move(projectRoot)), base_(std::move(baseUrl)) {}

  // 2: the request's Git-Protocol header is passed on; 1: "version=1" instead;
  // 0: no header, so git answers in protocol v0.
  int protocolVersion = 2;

  HttpResponse operator()(const git::HttpRequest& request) const {
    if (request.url.rfind(base_, 0) != 0) throw std::runtime_error("not served here: " + request.url);
    std::string path = request.url.substr(base_.size());
    std::string query;
    if (size_t q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path.resize(q);
    }
    std::string contentType, protocol;
    for (const auto& [name, value] : request.headers) {
      if (name == "Content-Type") contentType = value;
      if (name == "Git-Protocol") protocol = value;
    }
    const std::string in = scratch_->path + "/request", out = scratch_->path + "/response";
    writeFile(in, request.body);
    std::string env = "env -i PATH=\"$PATH\" HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "
                      "GIT_HTTP_EXPORT_ALL=1 GIT_PROJECT_ROOT='" + root_ + "' PATH_INFO='" + path +
                      "' QUERY_STRING='" + query + "' REQUEST_METHOD=" + request.method +
                      " CONTENT_LENGTH=" + std::to_string(request.body.size()) + " REMOTE_ADDR=127.0.0.1";
    if (!contentType.empty()) env += " CONTENT_TYPE='" + contentType + "'";
    if (protocolVersion == 1) protocol = "version=1";
    if (protocolVersion > 0 && !protocol.empty()) env += " HTTP_GIT_PROTOCOL='" + protocol + "'";
    run(env + " git http-backend < '" + in + "' > '" + out + "' 2>/dev/null || true");
    return parse(readFile(out));
  }

 private:
  // "Status: 404 Not Found\r\nContent-Type: ...\r\n\r\n<body>"; no Status header means 200.
  static HttpResponse parse(const Bytes& raw) {
    const std::string text(raw.begin(), raw.end());
    size_t end = text.find("\r\n\r\n"), skip = 4;
    if (end == std::string::npos) end = text.find("\n\n"), skip = 2;
    if (end == std::string::npos) throw std::runtime_error("CGI output without a header block");
    HttpResponse r;
    std::istringstream headers(text.substr(0, end));
    for (std::string line; std::getline(headers, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon), value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "status") r.status = std::stoi(value);
      if (name == "content-type") r.contentType = value;
    }
    r.body.assign(raw.begin() + static_cast<std::ptrdiff_t>(end + skip), raw.end());
    return r;
  }

  std::string root_, base_;
  std::shared_ptr<TempDir> scratch_ = std::make_shared<TempDir>();  // copies share it (HttpServer is copyable)
};

}  // namespace oa::testing
