// FetchClient against git itself: every request is answered by
// `git http-backend` (protocol v2, or v0 when the Git-Protocol header is not
// passed on), and the result is compared with what git's own clone records.
// Broken servers are simulated by rewriting http-backend's responses.
#include <gtest/gtest.h>

#include "open_artifacts/errors.h"
#include "git/protocol/capabilities.h"
#include "git/protocol/fetch_client.h"
#include "git/format/sha1.h"
#include "git/format/sideband.h"
#include "support/git_fixture.h"
#include "support/http_backend_cgi.h"

namespace oa::git {
namespace {

using testing::git;
using testing::HttpResponse;
using testing::HttpServer;
using testing::lines;
using testing::run;

constexpr const char* kUrl = "http://git.test/repo.git";
constexpr const char* kAdvertisement = "application/x-git-upload-pack-advertisement";
constexpr const char* kResult = "application/x-git-upload-pack-result";

struct Failure {
  ErrorCode code = ErrorCode::InternalError;
  std::string message;
};

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

bool isFetch(const HttpRequest& r) {
  const std::string body = text(r.body);
  return r.method == "POST" && (body.find("command=fetch") != std::string::npos || body.rfind("want ", 4) == 4);
}

HttpServer fixed(int status, std::string type, std::string body) {
  return [=](const HttpRequest&) { return HttpResponse{status, type, stringToBytes(body)}; };
}

// Passes requests to `inner` and lets `edit` rewrite the fetch response.
HttpServer tamperFetch(HttpServer inner, std::function<void(HttpResponse&)> edit) {
  return [=](const HttpRequest& r) {
    HttpResponse resp = inner(r);
    if (isFetch(r)) edit(resp);
    return resp;
  };
}

std::string pkt(const std::string& payload) {
  std::string out;
  appendPkt(out, payload);
  return out;
}

struct FetchClientTest : ::testing::Test {
  // The remote is built once per suite (git commands are the slow part) and only read.
  static inline std::unique_ptr<testing::TempDir> srvDir;
  static inline std::string remote;

  testing::TempDir dir;  // oracle clones
  std::unique_ptr<testing::ServerRepo> server = std::make_unique<testing::ServerRepo>();
  std::unique_ptr<testing::HttpBackendCgi> cgi;
  std::vector<HttpRequest> requests;
  std::vector<FetchProgress> progress;

  // trunk: c1 (tag v1, and vnested: a tag of v1) - c2 (lightweight tag lt) - c3 (200 KB of random
  // bytes) - c4 - c5 (tag vtrunk); side: from c2, s1 - s2 (tag vside). Plus refs/pull/1/head,
  // which an import must not take. Served as a bare mirror whose HEAD is trunk, next to an
  // empty repo whose HEAD is the unborn branch dev.
  static void SetUpTestSuite() {
    srvDir = std::make_unique<testing::TempDir>();
    const std::string work = srvDir->path + "/work";
    remote = srvDir->path + "/srv/repo.git";
    run("git init -q -b trunk " + work);
    auto commit = [&](const std::string& file, const std::string& content, const std::string& msg) {
      run("mkdir -p $(dirname " + work + "/" + file + ") && printf '%s' '" + content + "' > " + work + "/" + file);
      run(git(work) + "add -A && " + git(work) + "commit -qm '" + msg + "'");
    };
    commit("a.txt", "one\n", "c1");
    run(git(work) + "tag -a v1 -m 'tag v1'");
    run(git(work) + "-c advice.nestedTag=false tag -a vnested -m 'tag of a tag' v1");
    commit("dir/b.txt", "two\n", "c2");
    run(git(work) + "tag lt");
    run("head -c 200000 /dev/urandom > " + work + "/bin.dat");
    commit("a.txt", "one\nthree\n", "c3");
    commit("dir/c.txt", "four\n", "c4");
    commit("a.txt", "one\nthree\nfive\n", "c5");
    run(git(work) + "tag -a vtrunk -m 'tag trunk'");
    run(git(work) + "checkout -q -b side HEAD~3");
    commit("side.txt", "s1\n", "s1");
    commit("side.txt", "s1\ns2\n", "s2");
    run(git(work) + "tag -a vside -m 'tag side'");
    run(git(work) + "checkout -q trunk");
    run(git(work) + "update-ref refs/pull/1/head $(" + git(work) + "commit-tree -p trunk -m pr trunk^{tree})");
    run("mkdir -p " + srvDir->path + "/srv && git clone -q --mirror " + work + " " + remote);
    run("git init -q --bare -b dev " + srvDir->path + "/srv/empty.git");
    // A remote that is itself shallow.
    run("git clone -q --bare --depth 2 --no-single-branch file://" + remote + " " + srvDir->path + "/srv/shallow.git 2>/dev/null");
  }
  static void TearDownTestSuite() { srvDir.reset(); }

  void SetUp() override { cgi = std::make_unique<testing::HttpBackendCgi>(srvDir->path + "/srv"); }

  // Protocol v2, or v0 when the Git-Protocol header is not passed on.
  HttpServer backend(bool v2 = true) { return backend(v2 ? 2 : 0); }
  HttpServer backend(int version) {
    cgi->protocolVersion = version;
    return [this](const HttpRequest& r) { return (*cgi)(r); };
  }

  // Imports into a fresh store.
  FetchedRefs import(FetchClientOptions options, const HttpServer& srv, size_t chunk = 7001) {
    if (options.url.empty()) options.url = kUrl;
    server = std::make_unique<testing::ServerRepo>();
    requests.clear();
    progress.clear();
    FetchClient client(server->ctx, options, [this](const FetchProgress& p) { progress.push_back(p); });
    while (auto request = client.nextRequest()) {
      requests.push_back(*request);
      const HttpResponse resp = srv(*request);
      client.beginResponse(resp.status, resp.contentType);
      for (size_t off = 0; off < resp.body.size(); off += chunk) {
        client.write(resp.body.data() + off, std::min(chunk, resp.body.size() - off));
      }
      client.endResponse();
    }
    return client.result();
  }

  Failure failure(FetchClientOptions options, const HttpServer& srv) {
    try {
      import(std::move(options), srv);
    } catch (const ArtifactsError& e) {
      return Failure{e.code(), e.what()};
    }
    ADD_FAILURE() << "import succeeded";
    return {};
  }

  static std::set<std::string> gitRefs(const std::string& repo) {
    return lines(run(git(repo) + "for-each-ref --format='%(refname) %(objectname)' refs/heads refs/tags"));
  }

  static std::set<std::string> refSet(const FetchedRefs& r) {
    std::set<std::string> out;
    for (const auto& ref : r.refs) out.insert(ref.name + " " + ref.id.hex());
    return out;
  }

  // Every object `git rev-list --objects <revs>` lists in `repo` is stored and
  // reads back with content that hashes to its id. Returns how many.
  size_t expectObjects(const std::string& repo, const std::string& revs) {
    size_t n = 0;
    for (const auto& line : lines(run(git(repo) + "rev-list --objects " + revs))) {
      const auto id = ObjectId::fromHex(line.substr(0, 40));
      auto obj = server->ctx.objects().read(*id);
      if (!obj) {
        ADD_FAILURE() << "missing object " << line;
        continue;
      }
      EXPECT_EQ(hashObject(obj->type, obj->data->data(), obj->data->size()), *id) << line;
      ++n;
    }
    return n;
  }

  // A bare clone made by git itself from the same remote, as the oracle.
  std::string gitClone(const std::string& args) {
    const std::string dst = dir.path + "/oracle-" + std::to_string(oracles++);
    run("git clone -q --bare " + args + " file://" + remote + " " + dst + " 2>/dev/null");
    return dst;
  }

  static std::set<std::string> shallowFile(const std::string& repo) {
    return lines(run("cat " + repo + "/shallow"));
  }

  static std::set<std::string> hexes(const std::vector<ObjectId>& ids) {
    std::set<std::string> out;
    for (const auto& id : ids) out.insert(id.hex());
    return out;
  }

  int oracles = 0;
};

// ---- Successful imports

TEST_F(FetchClientTest, FullImportV2) {
  const FetchedRefs r = import({}, backend());
  EXPECT_EQ(refSet(r), gitRefs(remote));
  EXPECT_EQ(r.refs.size(), 7u);  // trunk, side, v1, vnested, lt, vtrunk, vside: nothing from refs/pull
  EXPECT_EQ(r.defaultBranch, "trunk");
  EXPECT_TRUE(r.shallow.empty());
  const size_t objects = expectObjects(remote, "--branches --tags");
  EXPECT_FALSE(server->ctx.objects().exists(*ObjectId::fromHex(run(git(remote) + "rev-parse refs/pull/1/head").substr(0, 40))));

  // GET info/refs, then ls-refs and fetch.
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "http://git.test/repo.git/info/refs?service=git-upload-pack");
  const std::string lsRefs = text(requests[1].body);
  EXPECT_EQ(requests[1].url, "http://git.test/repo.git/git-upload-pack");
  EXPECT_NE(lsRefs.find("command=ls-refs\n"), std::string::npos);
  EXPECT_NE(lsRefs.find("agent=" + agent() + "\n"), std::string::npos);
  EXPECT_NE(lsRefs.find("ref-prefix refs/heads/\n"), std::string::npos);
  EXPECT_NE(lsRefs.find("ref-prefix refs/tags/\n"), std::string::npos);
  EXPECT_NE(lsRefs.find("unborn\n"), std::string::npos);
  const std::string fetch = text(requests[2].body);
  EXPECT_NE(fetch.find("command=fetch\n"), std::string::npos);
  EXPECT_EQ(fetch.find("thin-pack"), std::string::npos);
  EXPECT_EQ(fetch.find("deepen"), std::string::npos);

  // Progress: refs, then receiving (the pack is > 64 KiB), then done with every object.
  ASSERT_GE(progress.size(), 3u);
  EXPECT_EQ(progress.front().phase, FetchProgress::Phase::Refs);
  EXPECT_EQ(progress[1].phase, FetchProgress::Phase::Receiving);
  EXPECT_EQ(progress.back().phase, FetchProgress::Phase::Done);
  EXPECT_EQ(progress.back().objectsReceived, objects);
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_GE(progress[i].bytesReceived, progress[i - 1].bytesReceived);
}

TEST_F(FetchClientTest, FullImportV0Fallback) {
  // A v1 server answers like v0 after a "version 1" line.
  const FetchedRefs v1 = import({}, backend(1));
  EXPECT_EQ(refSet(v1), gitRefs(remote));
  EXPECT_EQ(requests.size(), 2u);
  const FetchedRefs r = import({}, backend(0));
  EXPECT_EQ(refSet(r), gitRefs(remote));
  EXPECT_EQ(r.defaultBranch, "trunk");  // from symref=HEAD:refs/heads/trunk
  EXPECT_TRUE(r.shallow.empty());
  expectObjects(remote, "--branches --tags");
  ASSERT_EQ(requests.size(), 2u);  // GET info/refs (v0 advertisement), then one fetch
  const std::string fetch = text(requests[1].body);
  EXPECT_EQ(fetch.rfind("want ", 4), 4u);
  EXPECT_NE(fetch.find(" side-band-64k"), std::string::npos);
  EXPECT_NE(fetch.find(" include-tag"), std::string::npos);
  EXPECT_NE(fetch.find("done\n"), std::string::npos);
}

// The host may hand the body over in any chunks: one byte at a time, or all at once.
TEST_F(FetchClientTest, AnyChunkSize) {
  for (bool v2 : {true, false}) {
    for (size_t chunk : {size_t{1}, size_t{65521}, size_t{1} << 30}) {
      EXPECT_EQ(refSet(import({}, backend(v2), chunk)), gitRefs(remote)) << "v2=" << v2 << " chunk=" << chunk;
    }
  }
}

TEST_F(FetchClientTest, BranchOnlyWithItsTags) {
  for (bool v2 : {true, false}) {
    FetchClientOptions options;
    options.branch = "side";
    const FetchedRefs r = import(options, backend(v2));
    if (v2) EXPECT_NE(text(requests[1].body).find("ref-prefix refs/heads/side\n"), std::string::npos);
    // git's own single-branch clone: side, plus the tags that point into its history.
    const std::string oracle = gitClone("--branch side --single-branch");
    EXPECT_EQ(refSet(r), gitRefs(oracle)) << "v2=" << v2;
    std::set<std::string> names;
    for (const auto& ref : r.refs) names.insert(ref.name);
    EXPECT_EQ(names, (std::set<std::string>{"refs/heads/side", "refs/tags/lt", "refs/tags/v1", "refs/tags/vnested",
                                            "refs/tags/vside"}));
    EXPECT_EQ(r.defaultBranch, "side");
    EXPECT_TRUE(r.shallow.empty());
  }
}

TEST_F(FetchClientTest, ShallowMatchesGitClone) {
  for (bool v2 : {true, false}) {
    FetchClientOptions options;
    options.depth = 2;
    const FetchedRefs r = import(options, backend(v2));
    const std::string oracle = gitClone("--depth 2 --no-single-branch");
    EXPECT_EQ(refSet(r), gitRefs(remote)) << "v2=" << v2;
    EXPECT_EQ(hexes(r.shallow), shallowFile(oracle)) << "v2=" << v2;
    EXPECT_FALSE(r.shallow.empty());
    expectObjects(oracle, "--all");
    EXPECT_NE(text(requests.back().body).find("deepen 2\n"), std::string::npos);
  }
}

TEST_F(FetchClientTest, AShallowRemoteImportsWithItsBoundaryOverEveryProtocol) {
  // v0 announces a shallow remote's boundary only in the advertisement
  // unless the client deepens; v2 says it in shallow-info.
  const std::string shallowRemote = srvDir->path + "/srv/shallow.git";
  for (int version : {2, 1, 0}) {
    FetchClientOptions options;
    options.url = "http://git.test/shallow.git";
    const FetchedRefs r = import(options, backend(version));
    EXPECT_EQ(hexes(r.shallow), shallowFile(shallowRemote)) << "v" << version;
    EXPECT_EQ(refSet(r), gitRefs(shallowRemote)) << "v" << version;
  }
}

TEST_F(FetchClientTest, ShallowBranchMatchesGitClone) {
  for (bool v2 : {true, false}) {
    FetchClientOptions options;
    options.depth = 1;
    options.branch = "side";
    const FetchedRefs r = import(options, backend(v2));
    const std::string oracle = gitClone("--depth 1 --branch side --single-branch");
    EXPECT_EQ(refSet(r), gitRefs(oracle)) << "v2=" << v2;
    EXPECT_EQ(hexes(r.shallow), shallowFile(oracle)) << "v2=" << v2;
    expectObjects(oracle, "--all");
  }
}

TEST_F(FetchClientTest, EmptyRemote) {
  for (bool v2 : {true, false}) {
    FetchClientOptions options;
    options.url = "http://git.test/empty.git/";
    const FetchedRefs r = import(options, backend(v2));
    EXPECT_TRUE(r.refs.empty());
    EXPECT_TRUE(r.shallow.empty());
    // v2's ls-refs reports the unborn HEAD; git's v0 advertisement has no symref for it.
    EXPECT_EQ(r.defaultBranch, v2 ? "dev" : "main");
    EXPECT_EQ(requests.size(), v2 ? 2u : 1u);  // no fetch request at all
    EXPECT_EQ(requests[0].url, "http://git.test/empty.git/info/refs?service=git-upload-pack");
  }
  FetchClientOptions options;
  options.url = "http://git.test/empty.git";
  options.branch = "dev";
  EXPECT_EQ(failure(options, backend()).code, ErrorCode::NotFound);
}

// ---- Errors (spec §7.1)

TEST_F(FetchClientTest, MissingBranchIsNotFound) {
  for (bool v2 : {true, false}) {
    FetchClientOptions options;
    options.branch = "nope";
    const Failure f = failure(options, backend(v2));
    EXPECT_EQ(f.code, ErrorCode::NotFound);
    EXPECT_EQ(f.message, "remote branch nope not found");
  }
}

TEST_F(FetchClientTest, MissingRepoFromHttpBackendIsNotFound) {
  FetchClientOptions options;
  options.url = "http://git.test/nothing-here.git";
  EXPECT_EQ(failure(options, backend()).code, ErrorCode::NotFound);
}

TEST_F(FetchClientTest, DiscoveryStatusAndContentType) {
  struct Case {
    int status;
    const char* type;
    std::string body;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {401, "text/plain", "", ErrorCode::RemoteAuthRequired},
      {403, "text/plain", "", ErrorCode::RemoteAuthRequired},
      {404, "text/plain", "", ErrorCode::NotFound},
      {410, "text/plain", "", ErrorCode::NotFound},
      {301, "text/html", "", ErrorCode::InvalidUrl},
      {302, "text/html", "", ErrorCode::InvalidUrl},
      {500, "text/plain", "", ErrorCode::UpstreamUnavailable},
      {503, "text/plain", "", ErrorCode::UpstreamUnavailable},
      {200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>", ErrorCode::InvalidUrl},
      {200, "text/plain", "0123456789012345678901234567890123456789\trefs/heads/main\n", ErrorCode::InvalidUrl},  // dumb HTTP
      {200, kAdvertisement, "<!DOCTYPE html><html></html>", ErrorCode::InvalidUrl},
      {200, kAdvertisement, "", ErrorCode::InvalidUrl},
      {200, kAdvertisement, pkt("hello\n") + "0000", ErrorCode::InvalidUrl},
      {200, kAdvertisement, pkt("# service=git-upload-pack\n") + "0000" + pkt("version 2\n"), ErrorCode::UpstreamUnavailable},
  };
  for (const auto& c : cases) {
    const Failure f = failure({}, fixed(c.status, c.type, c.body));
    EXPECT_EQ(f.code, c.code) << c.status << " " << c.type << " " << c.body << ": " << f.message;
  }
  FetchClientOptions options;
  options.url = "https://example.com/owner/private/";
  EXPECT_EQ(failure(options, fixed(401, "text/plain", "")).message,
            "Repository \"https://example.com/owner/private.git\" requires authentication (HTTP 401). "
            "Only public repositories can be imported.");
}

TEST_F(FetchClientTest, PostFailures) {
  EXPECT_EQ(failure({}, tamperFetch(backend(), [](HttpResponse& r) { r.status = 500; })).code,
            ErrorCode::UpstreamUnavailable);
  EXPECT_EQ(failure({}, tamperFetch(backend(), [](HttpResponse& r) { r.status = 401; })).code,
            ErrorCode::RemoteAuthRequired);
  EXPECT_EQ(failure({}, tamperFetch(backend(), [](HttpResponse& r) { r.contentType = "text/html"; })).code,
            ErrorCode::UpstreamUnavailable);
}

TEST_F(FetchClientTest, TruncatedOrCorruptPack) {
  for (bool v2 : {true, false}) {
    auto truncated = failure({}, tamperFetch(backend(v2), [](HttpResponse& r) { r.body.resize(r.body.size() / 2); }));
    EXPECT_EQ(truncated.code, ErrorCode::UpstreamUnavailable) << truncated.message;
    // Only the final flush missing: the pack may be whole, the response is not.
    auto noFlush = failure({}, tamperFetch(backend(v2), [](HttpResponse& r) { r.body.resize(r.body.size() - 4); }));
    EXPECT_EQ(noFlush.code, ErrorCode::UpstreamUnavailable) << noFlush.message;
    auto corrupt = failure({}, tamperFetch(backend(v2), [](HttpResponse& r) {
      const std::string body = text(r.body);
      const size_t pack = body.find("PACK");
      ASSERT_NE(pack, std::string::npos);
      r.body[pack + 12 + (body.size() - pack) / 3] ^= 0x40;
    }));
    EXPECT_EQ(corrupt.code, ErrorCode::UpstreamUnavailable) << corrupt.message;
    // A pack that is valid but lacks a wanted tip.
    auto incomplete = failure({}, tamperFetch(backend(v2), [](HttpResponse& r) {
      std::string pack = "PACK";
      pack += std::string("\0\0\0\2\0\0\0\0", 8);
      Sha1 sha;
      sha.update(pack.data(), pack.size());
      const ObjectId sum = sha.finish();
      pack.append(reinterpret_cast<const char*>(sum.bytes.data()), 20);
      std::string body = r.body.size() && text(r.body).find("packfile\n") != std::string::npos ? pkt("packfile\n") : pkt("NAK\n");
      appendSideband(body, Band::Data, pack);
      appendFlush(body);
      r.body = stringToBytes(body);
    }));
    EXPECT_EQ(incomplete.code, ErrorCode::UpstreamUnavailable) << incomplete.message;
    EXPECT_NE(incomplete.message.find("incomplete pack"), std::string::npos) << incomplete.message;
  }
}

TEST_F(FetchClientTest, ResponseLimitIsMemoryLimit) {
  for (bool v2 : {true, false}) {
    FetchClientOptions options;
    options.maxResponseBytes = 100000;  // the pack alone is over 200 KB
    const Failure f = failure(options, backend(v2));
    EXPECT_EQ(f.code, ErrorCode::MemoryLimit) << f.message;
  }
}

TEST_F(FetchClientTest, ErrPacketsAndErrorBand) {
  auto replaceFetch = [&](bool v2, const std::string& body) {
    return tamperFetch(backend(v2), [body](HttpResponse& r) { r.body = stringToBytes(body); });
  };
  for (bool v2 : {true, false}) {
    EXPECT_EQ(failure({}, replaceFetch(v2, pkt("ERR upload-pack: not our ref 1234\n"))).code, ErrorCode::NotFound);
    const Failure other = failure({}, replaceFetch(v2, pkt("ERR internal server trouble\n")));
    EXPECT_EQ(other.code, ErrorCode::UpstreamUnavailable);
    EXPECT_NE(other.message.find("internal server trouble"), std::string::npos);
    std::string band3 = pkt(v2 ? "packfile\n" : "NAK\n");
    appendSideband(band3, Band::Error, "fatal: the remote hung up\n");
    appendFlush(band3);
    const Failure fatal = failure({}, replaceFetch(v2, band3));
    EXPECT_EQ(fatal.code, ErrorCode::UpstreamUnavailable);
    EXPECT_NE(fatal.message.find("the remote hung up"), std::string::npos) << fatal.message;
  }
  // In the advertisement.
  EXPECT_EQ(failure({}, fixed(200, kAdvertisement, pkt("# service=git-upload-pack\n") + "0000" +
                                                       pkt("ERR Repository not found\n"))).code,
            ErrorCode::NotFound);
  EXPECT_EQ(failure({}, fixed(200, kAdvertisement, pkt("ERR access denied\n"))).code, ErrorCode::UpstreamUnavailable);
}

TEST_F(FetchClientTest, CallOrderIsChecked) {
  FetchClient client(server->ctx, FetchClientOptions{kUrl}, {});
  EXPECT_THROW(client.result(), ArtifactsError);
  ASSERT_TRUE(client.nextRequest());
  EXPECT_THROW(client.nextRequest(), ArtifactsError);
  EXPECT_THROW(client.beginResponse(200, kResult), ArtifactsError);  // failed already: stays failed
}

}  // namespace
}  // namespace oa::git
