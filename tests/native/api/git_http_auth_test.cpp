// Git smart-HTTP auth header parsing (core/git_http_session.cpp): repeated
// Authorization headers arrive joined with ", "; identical copies count as one
// credential, anything else is refused.
#include <gtest/gtest.h>

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

TEST(GitHttpAuth, IdenticalDuplicateAuthorizationHeadersAreOneCredential) {
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
