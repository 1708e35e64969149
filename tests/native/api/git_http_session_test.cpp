// GitHttpSession (core/api/git_http_session.cpp): routing and auth as one
// table (DESIGN.md "Git auth"), and the Authorization header's forms
// (repeated headers arrive joined with ", "; identical copies count as one
// credential, anything else is refused).
#include <gtest/gtest.h>

#include <map>

#include "api/git_http_session.h"
#include "support/test_support.h"

namespace oa {
namespace {

std::string basic(const std::string& userPass) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < userPass.size(); i += 3) {
    const uint32_t n = (uint8_t(userPass[i]) << 16) | (uint8_t(userPass[i + 1]) << 8) | uint8_t(userPass[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(n >> k) & 63]);
  }
  if (i + 1 == userPass.size()) {
    const uint32_t n = uint8_t(userPass[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == userPass.size()) {
    const uint32_t n = (uint8_t(userPass[i]) << 16) | (uint8_t(userPass[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return "Basic " + out;
}

int infoRefsStatus(ArtifactsService& service, const std::string& authorization) {
  GitHttpRequest request;
  request.method = "GET";
  request.path = "/git/default/repo.git/info/refs";
  request.query = "?service=git-upload-pack";
  request.headers["authorization"] = authorization;
  GitHttpSession session(service, request);
  return session.finish().status;
}

struct RouteCase {
  const char* label;
  std::string method, path, query;
  std::map<std::string, std::string> headers;
  int status;
  std::string contentType;  // of a 200; "" for errors
  bool authenticate = false;  // WWW-Authenticate: Basic realm="artifacts"
};

TEST(GitHttpSession, RoutingAndAuthTable) {
  testing::TestNamespace ns;
  const std::string write = ns.service.create("demo", {}).token;
  const std::string read = ns.service.createToken("demo", ns.service.get("demo").id, TokenScope::Read, 3600).plaintext;
  const std::string other = ns.service.create("other", {}).token;
  CreateRepoOptions readOnly;
  readOnly.readOnly = true;
  const std::string ro = ns.service.create("ro", readOnly).token;
  const std::string busy = ns.service.beginRepo("busy", {}, RepoStatus::Importing, std::nullopt).token;
  const std::string upload = "application/x-git-upload-pack-request", receive = "application/x-git-receive-pack-request";
  auto bearer = [](const std::string& t) { return std::map<std::string, std::string>{{"authorization", "Bearer " + t}}; };
  auto post = [&](const std::string& t, const std::string& type) {
    auto h = bearer(t);
    h["content-type"] = type;
    return h;
  };
  const std::string refs = "/git/default/demo.git/info/refs", up = "?service=git-upload-pack", rp = "?service=git-receive-pack";
  const RouteCase cases[] = {
      {"no credentials", "GET", refs, up, {}, 401, "", true},
      {"empty bearer", "GET", refs, up, {{"authorization", "Bearer "}}, 401, "", true},
      {"write token, upload-pack", "GET", refs, up, bearer(write), 200, "application/x-git-upload-pack-advertisement"},
      {"read token, upload-pack", "GET", refs, up, bearer(read), 200, "application/x-git-upload-pack-advertisement"},
      {"basic, token as password", "GET", refs, up, {{"authorization", basic("anyone:" + write)}}, 200,
       "application/x-git-upload-pack-advertisement"},
      {"basic without a colon", "GET", refs, up, {{"authorization", basic(write)}}, 403, ""},
      {"unknown scheme", "GET", refs, up, {{"authorization", "Token " + write}}, 403, ""},
      {"garbage token", "GET", refs, up, bearer("art_v1_" + std::string(40, '0')), 403, ""},
      {"another repo's token", "GET", refs, up, bearer(other), 403, ""},
      {"unknown repo", "GET", "/git/default/nope.git/info/refs", up, bearer(write), 403, ""},
      {"invalid repo name", "GET", "/git/default/.bad.git/info/refs", up, bearer(write), 404, ""},
      {"another namespace", "GET", "/git/other/demo.git/info/refs", up, bearer(write), 404, ""},
      {"no .git", "GET", "/git/default/demo/info/refs", up, bearer(write), 404, ""},
      {"dumb HTTP", "GET", refs, "", bearer(write), 403, ""},
      {"dumb HTTP file", "GET", "/git/default/demo.git/HEAD", "", bearer(write), 404, ""},
      {"POST to info/refs", "POST", refs, up, bearer(write), 404, ""},
      {"GET of a service", "GET", "/git/default/demo.git/git-upload-pack", "", bearer(write), 404, ""},
      {"write token, receive-pack refs", "GET", refs, rp, bearer(write), 200, "application/x-git-receive-pack-advertisement"},
      {"read token, receive-pack refs", "GET", refs, rp, bearer(read), 403, ""},
      {"read token pushes", "POST", "/git/default/demo.git/git-receive-pack", "", post(read, receive), 403, ""},
      {"push to a read-only repo", "POST", "/git/default/ro.git/git-receive-pack", "", post(ro, receive), 403, ""},
      {"fetch from a read-only repo", "GET", "/git/default/ro.git/info/refs", up, bearer(ro), 200,
       "application/x-git-upload-pack-advertisement"},
      {"a repo still importing", "GET", "/git/default/busy.git/info/refs", up, bearer(busy), 409, ""},
      {"wrong Content-Type", "POST", "/git/default/demo.git/git-upload-pack", "", post(write, "text/plain"), 415, ""},
      {"receive-pack body to upload-pack", "POST", "/git/default/demo.git/git-upload-pack", "", post(write, receive), 415, ""},
      {"upload-pack", "POST", "/git/default/demo.git/git-upload-pack", "", post(write, upload), 200,
       "application/x-git-upload-pack-result"},
      {"receive-pack", "POST", "/git/default/demo.git/git-receive-pack", "", post(write, receive), 200,
       "application/x-git-receive-pack-result"},
  };
  for (const auto& c : cases) {
    GitHttpRequest request;
    request.method = c.method;
    request.path = c.path;
    request.query = c.query;
    request.headers = c.headers;
    GitHttpSession session(ns.service, request);
    const auto head = session.finish();
    EXPECT_EQ(head.status, c.status) << c.label;
    const auto type = head.headers.find("Content-Type");
    if (c.status == 200) {
      EXPECT_EQ(type == head.headers.end() ? "" : type->second, c.contentType) << c.label;
    } else {
      Bytes body, chunk;
      while (session.read(chunk)) body.insert(body.end(), chunk.begin(), chunk.end());
      EXPECT_FALSE(body.empty()) << c.label << ": an error says why";
    }
    EXPECT_EQ(head.headers.count("WWW-Authenticate") == 1, c.authenticate) << c.label;
  }
  // Content-Encoding: gzip and identity are understood; others are refused.
  for (const auto& [encoding, status] : std::vector<std::pair<std::string, int>>{{"identity", 200}, {"br", 415}}) {
    GitHttpRequest request{"POST", "/git/default/demo.git/git-upload-pack", "", post(write, upload)};
    request.headers["content-encoding"] = encoding;
    GitHttpSession session(ns.service, request);
    EXPECT_EQ(session.finish().status, status) << encoding;
  }
}

TEST(GitHttpSession, IdenticalDuplicateAuthorizationHeadersAreOneCredential) {
  testing::TestNamespace ns;
  const std::string token = ns.service.create("repo", {}).token;
  const std::string other = ns.service.create("other", {}).token;
  const std::string bearer = "Bearer " + token;
  const std::pair<std::string, int> cases[] = {
      {bearer, 200},
      {bearer + ", " + bearer, 200},  // git -c http.extraHeader=... twice
      {bearer + "," + bearer, 200},
      {bearer + ", " + bearer + ", " + bearer, 200},
      {basic("x:" + token) + ", " + basic("x:" + token), 200},
      {bearer + ", Bearer " + other, 403},  // two different credentials
      {"Bearer " + other + ", " + bearer, 403},
      {bearer + ", " + basic("x:" + token), 403},  // same token, different forms: still two credentials
      {bearer + ", ", 403},
      {", " + bearer, 403},
      {",", 403},
  };
  for (const auto& [authorization, status] : cases) {
    EXPECT_EQ(infoRefsStatus(ns.service, authorization), status) << authorization;
  }
}

}  // namespace
}  // namespace oa
