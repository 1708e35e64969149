// Shallow server repos (what an import with a depth creates): a real
// `git clone --bare --depth 3` ingested with its shallow file, served by our
// upload-pack and receive-pack with git as the oracle: the packs index with
// --strict against the announced shallow commits, and real git clients
// (talking to this binary over a pipe, see serveOverStdio) clone, fetch and
// push, and fsck what they get.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "artifacts/content_reads.h"
#include "git/protocol/receive_pack.h"
#include "git/protocol/upload_pack.h"
#include "support/git_fixture.h"

namespace oa::git {
namespace {

using testing::demux;
using testing::git;
using testing::lines;
using testing::run;

// ---- A repo store in a file, so a child process can serve the same repo.

void saveStore(const MemoryKvStore& store, const std::string& path) {
  Bytes out;
  auto put = [&](const uint8_t* data, size_t n) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
    out.insert(out.end(), data, data + n);
  };
  for (const auto& [key, value] : store.contents()) {
    put(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    put(value.data(), value.size());
  }
  testing::writeFile(path, out);
}

void loadStore(MemoryKvStore& store, const std::string& path) {
  const Bytes in = testing::readFile(path);
  size_t pos = 0;
  auto get = [&]() {
    size_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<size_t>(in.at(pos++)) << (8 * i);
    Bytes out(in.begin() + pos, in.begin() + pos + n);
    pos += n;
    return out;
  };
  WriteBatch batch;
  while (pos < in.size()) {
    const Bytes key = get();
    batch.put(bytesToString(key), get());
  }
  store.commit(batch);
}

// ---- git's stdio transport, served by this test binary: a git client run
// with --upload-pack / --receive-pack pointing here talks to our code.

bool readFull(char* out, size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(0, out, n);
    if (r <= 0) return false;
    out += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

int gProtocolOut = 1;  // the git client's end (stdout, saved away from gtest's output)

void writeAll(const Bytes& data) {
  for (size_t off = 0; off < data.size();) {
    const ssize_t w = ::write(gProtocolOut, data.data() + off, data.size() - off);
    if (w <= 0) std::exit(3);
    off += static_cast<size_t>(w);
  }
}

// One raw pkt-line from stdin; "" at EOF.
std::string readPkt() {
  char header[4];
  if (!readFull(header, 4)) return "";
  const size_t len = std::stoul(std::string(header, 4), nullptr, 16);
  std::string out(header, 4);
  if (len > 4) {
    std::string payload(len - 4, '\0');
    if (!readFull(payload.data(), payload.size())) return "";
    out += payload;
  }
  return out;
}

// Stdio transports have no "# service=..." preamble (first packet + flush).
Bytes withoutPreamble(const Bytes& ad) {
  const size_t len = std::stoul(std::string(ad.begin(), ad.begin() + 4), nullptr, 16);
  return Bytes(ad.begin() + static_cast<std::ptrdiff_t>(len + 4), ad.end());
}

// Everything after the first flush (the shallow list a stateful v0 client
// already got after its want section).
Bytes afterFirstFlush(const Bytes& body) {
  size_t pos = 0;
  while (pos + 4 <= body.size()) {
    const size_t len = std::stoul(std::string(body.begin() + pos, body.begin() + pos + 4), nullptr, 16);
    pos += len == 0 ? 4 : len;
    if (len == 0) break;
  }
  return Bytes(body.begin() + static_cast<std::ptrdiff_t>(pos), body.end());
}

Bytes drain(std::unique_ptr<ResponseBody> body) {
  Bytes out;
  while (body->next(out)) {
  }
  return out;
}

int serveUploadPack(RepoContext& repo) {
  const char* protocol = std::getenv("GIT_PROTOCOL");
  const bool v2 = protocol && std::string(protocol).find("version=2") != std::string::npos;
  writeAll(withoutPreamble(UploadPack(repo).advertise(v2 ? 2 : 0)));
  if (v2) {
    // Each request is self-contained, as over HTTP.
    for (;;) {
      std::string request;
      for (std::string p; (p = readPkt()) != "0000";) {
        if (p.empty()) return 0;
        request += p;
      }
      if (request.empty()) continue;
      writeAll(drain(UploadPack(repo).serve(request + "0000", 2)));
    }
  }
  // v0 is stateful: answer the want section with the shallow list when the
  // client waits for one, then the rounds of haves, replaying the request as
  // a stateless-RPC client would.
  std::string body;
  bool shallowList = false;  // (deepen or shallow lines: the client waits for it)
  for (std::string p; (p = readPkt()) != "0000";) {
    if (p.empty()) return 0;
    body += p;
    shallowList |= p.compare(4, 6, "deepen") == 0 || p.compare(4, 8, "shallow ") == 0;
  }
  if (body.empty()) return 0;
  body += "0000";
  if (shallowList) writeAll(drain(UploadPack(repo).serve(body, 0)));
  for (;;) {
    const std::string p = readPkt();
    if (p.empty()) return 0;
    body += p;
    const bool done = p.substr(4) == "done\n" || p.substr(4) == "done";
    if (p != "0000" && !done) continue;
    Bytes response = drain(UploadPack(repo).serve(body, 0));
    writeAll(shallowList ? afterFirstFlush(response) : response);
    if (done) return 0;
  }
}

int serveReceivePack(RepoContext& repo, const std::string& storeFile, MemoryKvStore& raw) {
  ReceivePack receive(repo);
  writeAll(withoutPreamble(receive.advertise(0)));
  char buf[65536];
  for (ssize_t n; (n = ::read(0, buf, sizeof buf)) > 0;) receive.write(reinterpret_cast<uint8_t*>(buf), n);
  writeAll(drain(receive.finish()));
  saveStore(raw, storeFile);
  return 0;
}

// When a git client starts this binary as its upload-pack / receive-pack,
// serve the stored repo and exit, before any test runs. (Not during static
// initialisation: the core's own statics may not be initialised yet.)
class StdioServer : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::string storeFile = std::getenv("OA_SHALLOW_TEST_STORE");
    const std::string service = std::getenv("OA_SHALLOW_TEST_SERVICE");
    MemoryKvStore raw;
    loadStore(raw, storeFile);
    ChunkedStore store(raw);
    RepoContext repo(store);
    try {
      std::exit(service == "receive-pack" ? serveReceivePack(repo, storeFile, raw) : serveUploadPack(repo));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "test server: %s\n", e.what());
      std::exit(2);
    }
  }
};

const bool kServesOverStdio = [] {
  if (!std::getenv("OA_SHALLOW_TEST_STORE") || !std::getenv("OA_SHALLOW_TEST_SERVICE")) return false;
  // gtest prints to stdout: keep the protocol stream for ourselves.
  gProtocolOut = ::dup(1);
  const int devNull = ::open("/dev/null", O_WRONLY);
  ::dup2(devNull, 1);
  ::close(devNull);
  ::testing::AddGlobalTestEnvironment(new StdioServer);
  return true;
}();

std::string selfPath() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("readlink /proc/self/exe failed");
  return std::string(buf, static_cast<size_t>(n));
}

// ---- The fixture.

// A source repo with a merge, an annotated tag and an unrelated "island"
// branch; its `git clone --bare --no-single-branch --depth 3` is the shallow
// repo the server holds (objects, refs and shallow file).
struct ShallowRepoFixture : ::testing::Test {
  testing::TempDir dir;
  std::string src, bare;
  std::map<std::string, std::string> ids;
  std::unique_ptr<testing::ServerRepo> server;
  std::set<std::string> shallows;  // the bare clone's shallow file
  int counter = 0;

  void SetUp() override {
    src = dir.path + "/src";
    bare = dir.path + "/bare.git";
    run("git init -q -b main " + src);
    auto commit = [&](const std::string& name, const std::string& file) {
      run("mkdir -p $(dirname " + src + "/" + file + ") && printf '%s\\n' " + name + " >> " + src + "/" + file);
      run(git(src) + "add -A && " + git(src) + "commit -qm " + name);
      ids[name] = rev(src, "HEAD");
    };
    commit("c1", "a.txt");
    commit("c2", "dir/b.txt");
    run(git(src) + "checkout -q -b side");
    commit("s1", "side.txt");
    commit("s2", "dir/side.txt");
    run(git(src) + "checkout -q main");
    commit("c3", "a.txt");
    commit("c4", "dir/c.txt");
    run(git(src) + "merge -q --no-edit side");
    ids["m"] = rev(src, "HEAD");
    commit("c5", "a.txt");
    run(git(src) + "tag -a v2 -m 'tag v2' " + ids["m"]);
    run(git(src) + "branch -q -D side");
    run(git(src) + "checkout -q --orphan island");
    run(git(src) + "rm -rq --cached . && rm -rf " + src + "/a.txt " + src + "/dir " + src + "/side.txt");
    for (const char* name : {"i1", "i2", "i3", "i4"}) commit(name, "island.txt");
    run(git(src) + "checkout -q main");

    run(git(dir.path) + "clone -q --bare --no-single-branch --depth 3 file://" + src + " " + bare);
    shallows = lines(run("cat " + bare + "/shallow"));
    server = std::make_unique<testing::ServerRepo>();
    server->ingest(gitPack(bare, "--all"));
    for (const auto& line : lines(run(git(bare) + "for-each-ref --format='%(objectname) %(refname)'"))) {
      server->setRef(line.substr(41), line.substr(0, 40));
    }
    WriteBatch batch;
    server->ctx.shallows().stage(batch, toIds(shallows));
    server->store.commit(batch);
  }

  static std::string rev(const std::string& repo, const std::string& name) {
    return run(git(repo) + "rev-parse " + name).substr(0, 40);
  }

  static std::vector<ObjectId> toIds(const std::set<std::string>& hexes) {
    std::vector<ObjectId> out;
    for (const auto& h : hexes) out.push_back(*ObjectId::fromHex(h));
    return out;
  }

  Bytes gitPack(const std::string& repo, const std::string& revs) {
    const std::string path = dir.path + "/pack-" + std::to_string(counter++);
    run("echo '" + revs + "' | tr ' ' '\\n' | " + git(repo) + "pack-objects --revs --stdout " +
        (revs == "--all" ? "--all </dev/null" : "") + " > " + path);
    return testing::readFile(path);
  }

  // What git says a client of the bare (shallow) repo needs.
  std::set<std::string> revList(const std::string& args) {
    std::set<std::string> out;
    for (const auto& line : lines(run(git(bare) + "rev-list --objects " + args))) out.insert(line.substr(0, 40));
    return out;
  }

  Bytes serve(const std::string& request, int version) {
    return drain(UploadPack(server->ctx).serve(request, version));
  }

  // Indexes `pack` into a fresh repo whose shallow file lists `shallow`:
  // --strict demands every link resolve inside the pack, or end at a shallow
  // commit. Returns the pack's object ids.
  // `clientHas`: the check repo starts with the bare's objects (a fetch on
  // top of what a client has; the pack is then compared with rev-list).
  std::set<std::string> strictPackObjects(const Bytes& pack, const std::set<std::string>& shallow,
                                          bool clientHas = false) {
    const std::string repo = dir.path + "/check-" + std::to_string(counter++);
    run("git init -q --bare " + repo);
    if (clientHas) run("cp -r " + bare + "/objects/. " + repo + "/objects/");
    std::string text;
    for (const auto& s : shallow) text += s + "\n";
    testing::writeFile(repo + "/shallow", stringToBytes(text));
    testing::writeFile(repo + "/in.pack", pack);
    run(git(repo) + "index-pack --strict -o " + repo + "/in.idx " + repo + "/in.pack > /dev/null");
    std::set<std::string> out;
    for (const auto& line : lines(run(git(repo) + "verify-pack -v " + repo + "/in.idx"))) {
      if (line.size() > 41 && line[40] == ' ' && line.find("chain length") == std::string::npos) {
        out.insert(line.substr(0, 40));
      }
    }
    return out;
  }

  // Lines starting with `prefix`, prefix removed.
  static std::set<std::string> linesWith(const std::vector<std::string>& all, const std::string& prefix) {
    std::set<std::string> out;
    for (const auto& l : all) {
      if (l.rfind(prefix, 0) == 0) out.insert(l.substr(prefix.size()));
    }
    return out;
  }

  // What `git clone --no-single-branch` wants: the branches and the tag.
  std::vector<std::string> cloneWants() {
    auto out = heads();
    for (const auto& ref : server->ctx.refs().list("refs/tags/")) out.push_back(ref.id.hex());
    return out;
  }

  std::vector<std::string> heads() {
    return {server->ctx.refs().get("refs/heads/main")->hex(), server->ctx.refs().get("refs/heads/island")->hex()};
  }

  // ---- Real git clients against this binary.

  // Runs a git client; a failure reports its output.
  void runLogged(const std::string& cmd) {
    const std::string log = dir.path + "/client.log";
    try {
      run(cmd + " > " + log + " 2>&1");
    } catch (const std::exception& e) {
      const Bytes out = testing::readFile(log);
      throw std::runtime_error(std::string(e.what()) + "\n" + std::string(out.begin(), out.end()));
    }
  }

  std::string storeFile() { return dir.path + "/server.store"; }
  void saveServer() { saveStore(server->raw, storeFile()); }
  void reloadServer() {
    server = std::make_unique<testing::ServerRepo>();
    loadStore(server->raw, storeFile());
  }
  std::string transport() {
    const std::string env = "env OA_SHALLOW_TEST_STORE=" + storeFile() + " OA_SHALLOW_TEST_SERVICE=";
    return "--upload-pack='" + env + "upload-pack " + selfPath() + "' ";
  }
  std::string pushTransport() {
    return "--receive-pack='env OA_SHALLOW_TEST_STORE=" + storeFile() + " OA_SHALLOW_TEST_SERVICE=receive-pack " +
           selfPath() + "' ";
  }
  std::string url() { return "file://" + dir.path + "/served.git"; }
  // A client clone of the served repo; `args` go to git clone.
  std::string cloneServed(const std::string& name, const std::string& args, int protocol) {
    const std::string path = dir.path + "/" + name;
    runLogged("timeout 120 " + git(dir.path) + "-c protocol.version=" + std::to_string(protocol) + " clone -q " +
              transport() + args + " " + url() + " " + path);
    return path;
  }
  // The same clone from git's own upload-pack on the bare shallow repo.
  std::string cloneFromGit(const std::string& name, const std::string& args) {
    const std::string path = dir.path + "/" + name;
    run(git(dir.path) + "clone -q " + args + " file://" + bare + " " + path + " 2>&1");
    return path;
  }
  static std::set<std::string> shallowFile(const std::string& clone) {
    return lines(run("cat " + clone + "/.git/shallow 2>/dev/null || true"));
  }
  static std::set<std::string> allObjects(const std::string& repo) {
    return lines(run(git(repo) + "rev-list --objects --all | cut -c1-40"));
  }
  static void fsck(const std::string& repo) { run(git(repo) + "fsck --strict --no-dangling 2>&1"); }
};

std::string wantsV0(const std::vector<std::string>& wants, const std::string& caps,
                    const std::vector<std::string>& extra = {}, const std::vector<std::string>& haves = {}) {
  std::string req;
  for (size_t i = 0; i < wants.size(); ++i) appendPkt(req, "want " + wants[i] + (i ? "" : " " + caps) + "\n");
  for (const auto& e : extra) appendPkt(req, e + "\n");
  appendFlush(req);
  for (const auto& h : haves) appendPkt(req, "have " + h + "\n");
  appendPkt(req, "done\n");
  return req;
}

std::string fetchV2(const std::vector<std::string>& wants, const std::vector<std::string>& extra = {},
                    const std::vector<std::string>& haves = {}) {
  std::string req;
  appendPkt(req, "command=fetch\n");
  appendPkt(req, "object-format=sha1\n");
  appendDelim(req);
  appendPkt(req, "ofs-delta\n");
  for (const auto& w : wants) appendPkt(req, "want " + w + "\n");
  for (const auto& e : extra) appendPkt(req, e + "\n");
  for (const auto& h : haves) appendPkt(req, "have " + h + "\n");
  appendPkt(req, "done\n");
  appendFlush(req);
  return req;
}

// ---- ShallowStore

TEST(ShallowStore, StagesListsAndRemovesShallowCommits) {
  testing::ServerRepo repo;
  EXPECT_FALSE(ShallowStore::isShallow(repo.store));
  EXPECT_TRUE(repo.ctx.shallows().empty());
  const ObjectId a = *ObjectId::fromHex(std::string(40, 'a'));
  const ObjectId b = *ObjectId::fromHex(std::string(40, 'b'));
  WriteBatch batch;
  repo.ctx.shallows().stage(batch, {b, a});
  EXPECT_TRUE(repo.ctx.shallows().contains(a));  // this instance sees what it staged
  repo.store.commit(batch);
  EXPECT_TRUE(ShallowStore::isShallow(repo.store));
  ShallowStore fresh(repo.store);
  EXPECT_EQ(fresh.list(), (std::vector<ObjectId>{a, b}));  // id order, like git's shallow file
  EXPECT_TRUE(fresh.contains(b));
  EXPECT_FALSE(fresh.contains(ObjectId{}));
  EXPECT_TRUE(repo.raw.get("shallow/" + a.hex()).has_value());
  WriteBatch remove;
  fresh.stageRemove(remove, {a});
  EXPECT_FALSE(fresh.contains(a));
  repo.store.commit(remove);
  EXPECT_EQ(ShallowStore(repo.store).list(), (std::vector<ObjectId>{b}));
}

TEST(ShallowStore, CommitsStagedBeforeAnyReadAreInTheSet) {
  // An import stages its boundary on a fresh instance, then walks with set().
  testing::ServerRepo repo;
  const ObjectId a = *ObjectId::fromHex(std::string(40, 'a'));
  ShallowStore fresh(repo.store);
  WriteBatch batch;
  fresh.stage(batch, {a});
  EXPECT_TRUE(fresh.contains(a));
  EXPECT_EQ(fresh.set().size(), 1u);
}

// ---- Advertisements

TEST_F(ShallowRepoFixture, TheBareCloneIsShallowWhereExpected) {
  EXPECT_EQ(shallows, (std::set<std::string>{ids["c3"], ids["s1"], ids["i2"]}));
  // (--depth 3 counts from the tag on m too: c3 and s1, not c4 and s2.)
  EXPECT_TRUE(server->ctx.objects().exists(*ObjectId::fromHex(ids["c3"])));
  EXPECT_FALSE(server->ctx.objects().exists(*ObjectId::fromHex(ids["c2"])));
}

TEST_F(ShallowRepoFixture, V0AndV1AdvertisementsListShallowCommitsAfterTheRefs) {
  for (int version : {0, 1}) {
    auto res = demux(UploadPack(server->ctx).advertise(version), false);
    std::vector<std::string> tail;
    for (const auto& l : res.lines) {
      if (l.rfind("shallow ", 0) == 0) tail.push_back(l.substr(8));
      else EXPECT_TRUE(tail.empty()) << "ref line after the shallow lines: " << l;
    }
    EXPECT_EQ(std::set<std::string>(tail.begin(), tail.end()), shallows);
    EXPECT_TRUE(std::is_sorted(tail.begin(), tail.end()));
  }
  auto v2 = demux(UploadPack(server->ctx).advertise(2), false);
  EXPECT_TRUE(linesWith(v2.lines, "shallow ").empty());
  // git receive-pack advertises them too (write_head_info).
  auto push = demux(ReceivePack(server->ctx).advertise(0), false);
  EXPECT_EQ(linesWith(push.lines, "shallow "), shallows);
}

TEST_F(ShallowRepoFixture, ANonShallowRepoAdvertisesNoShallowLines) {
  WriteBatch batch;
  server->ctx.shallows().stageRemove(batch, toIds(shallows));
  server->store.commit(batch);
  auto res = demux(UploadPack(server->ctx).advertise(0), false);
  EXPECT_TRUE(linesWith(res.lines, "shallow ").empty());
}

// ---- Fetches

TEST_F(ShallowRepoFixture, FullFetchV0SendsExactlyTheShallowHistory) {
  auto res = demux(serve(wantsV0(heads(), "multi_ack_detailed side-band-64k ofs-delta include-tag"), 0), true);
  ASSERT_FALSE(res.lines.empty());
  // No deepen: no shallow list (the client took the shallow commits from the advertisement).
  EXPECT_EQ(res.lines, std::vector<std::string>{"NAK"});
  EXPECT_EQ(strictPackObjects(res.pack, shallows), revList("--all"));
}

TEST_F(ShallowRepoFixture, FullFetchV2AnnouncesTheShallowCommitsItSends) {
  auto res = demux(serve(fetchV2(heads(), {"include-tag"}), 2), true);
  ASSERT_GE(res.lines.size(), 2u);
  EXPECT_EQ(res.lines.front(), "shallow-info");
  EXPECT_EQ(linesWith(res.lines, "shallow "), shallows);
  EXPECT_TRUE(linesWith(res.lines, "unshallow ").empty());
  EXPECT_EQ(res.lines.back(), "packfile");
  EXPECT_EQ(strictPackObjects(res.pack, shallows), revList("--all"));
  // Only main: only main's shallow commits.
  auto mainOnly = demux(serve(fetchV2({heads()[0]}), 2), true);
  EXPECT_EQ(linesWith(mainOnly.lines, "shallow "), (std::set<std::string>{ids["c3"], ids["s1"]}));
  EXPECT_EQ(strictPackObjects(mainOnly.pack, shallows), revList(heads()[0]));
}

TEST_F(ShallowRepoFixture, V2FetchOfANonShallowRepoHasNoShallowInfo) {
  testing::ServerRepo plain;
  plain.ingest(gitPack(src, "--all"));
  plain.setRef("refs/heads/main", ids["c5"]);
  auto full = demux(drain(UploadPack(plain.ctx).serve(fetchV2({ids["c5"]}), 2)), true);
  EXPECT_EQ(full.lines, std::vector<std::string>{"packfile"});
}

TEST_F(ShallowRepoFixture, DepthFetchesStopAtTheRepoShallowCommits) {
  for (int version : {0, 2}) {
    for (int depth : {1, 2, 3, 4, 50}) {
      const std::string deepen = "deepen " + std::to_string(depth);
      const std::string request = version == 2
                                      ? fetchV2(cloneWants(), {deepen, "include-tag"})
                                      : wantsV0(cloneWants(), "side-band-64k ofs-delta include-tag", {deepen});
      auto res = demux(serve(request, version), true);
      // What git's own upload-pack tells a client of the bare shallow repo.
      const std::string clone = cloneFromGit("git-depth-" + std::to_string(version) + "-" + std::to_string(depth),
                                             "--bare --no-single-branch --depth " + std::to_string(depth));
      const auto expected = lines(run("cat " + clone + "/shallow"));
      EXPECT_EQ(linesWith(res.lines, "shallow "), expected) << "v" << version << " depth " << depth;
      EXPECT_EQ(strictPackObjects(res.pack, expected), lines(run(git(clone) + "rev-list --objects --all | cut -c1-40")))
          << "v" << version << " depth " << depth;
    }
  }
}

TEST_F(ShallowRepoFixture, DeepenSinceAndDeepenNotStopAtTheRepoShallowCommits) {
  // Every commit has the same date: deepen-since in the past selects them all.
  auto since = demux(serve(fetchV2({heads()[0]}, {"deepen-since 1000"}), 2), true);
  EXPECT_EQ(linesWith(since.lines, "shallow "), (std::set<std::string>{ids["c3"], ids["s1"]}));
  EXPECT_EQ(strictPackObjects(since.pack, shallows), revList(heads()[0]));
  // deepen-not of the island (unrelated history) excludes nothing of main.
  auto excl = demux(serve(fetchV2({heads()[0]}, {"deepen-not refs/heads/island"}), 2), true);
  EXPECT_EQ(linesWith(excl.lines, "shallow "), (std::set<std::string>{ids["c3"], ids["s1"]}));
  EXPECT_EQ(strictPackObjects(excl.pack, shallows), revList(heads()[0]));
  // deepen-not of the merge: c5 is the only commit sent, and a new boundary.
  // (Before, its history was walked down to the shallow commits.)
  auto notMerge = demux(serve(fetchV2({heads()[0]}, {"deepen-not " + ids["m"]}), 2), true);
  EXPECT_EQ(linesWith(notMerge.lines, "shallow "), (std::set<std::string>{ids["c5"]}));
}

TEST_F(ShallowRepoFixture, IncrementalFetchesSendOnlyWhatTheClientLacks) {
  // The client has the merge (and, being a clone of this repo, the same shallow commits).
  std::vector<std::string> shallowLines;
  for (const auto& s : shallows) shallowLines.push_back("shallow " + s);
  auto v2 = demux(serve(fetchV2({heads()[0]}, shallowLines, {ids["m"]}), 2), true);
  EXPECT_EQ(v2.lines, (std::vector<std::string>{"shallow-info", "packfile"}));  // nothing new to announce
  EXPECT_EQ(strictPackObjects(v2.pack, shallows, true), revList(heads()[0] + " ^" + ids["m"]));
  const std::string caps = "multi_ack_detailed side-band-64k ofs-delta";
  auto v0 = demux(serve(wantsV0({heads()[0]}, caps, shallowLines, {ids["m"]}), 0), true);
  EXPECT_EQ(v0.lines, (std::vector<std::string>{"ACK " + ids["m"] + " common", "ACK " + ids["m"]}));
  EXPECT_EQ(strictPackObjects(v0.pack, shallows, true), revList(heads()[0] + " ^" + ids["m"]));
  // A client that has only the island gets main's history and its shallow commits.
  auto other = demux(serve(fetchV2({heads()[0]}, {"shallow " + ids["i2"]}, {heads()[1]}), 2), true);
  EXPECT_EQ(linesWith(other.lines, "shallow "), (std::set<std::string>{ids["c3"], ids["s1"]}));
  EXPECT_EQ(strictPackObjects(other.pack, shallows, true), revList(heads()[0]));
}

// ---- Pushes

std::string pushCommands(const std::vector<std::string>& shallow, const std::vector<std::string>& commands) {
  std::string out;
  for (const auto& s : shallow) appendPkt(out, "shallow " + s + "\n");
  for (size_t i = 0; i < commands.size(); ++i) {
    appendPkt(out, commands[i] + (i ? std::string() : std::string(1, '\0') + "report-status") + "\n");
  }
  appendFlush(out);
  return out;
}

std::vector<std::string> pushReport(testing::ServerRepo& server, const std::string& commands, const Bytes& pack) {
  ReceivePack receive(server.ctx);
  receive.write(reinterpret_cast<const uint8_t*>(commands.data()), commands.size());
  receive.write(pack.data(), pack.size());
  return demux(drain(receive.finish()), false).lines;
}

TEST_F(ShallowRepoFixture, PushesOnTopOfTheShallowHistoryAreAccepted) {
  // A client with the full history commits on main.
  run(git(src) + "commit -q --allow-empty -m c6");
  const std::string c6 = rev(src, "HEAD");
  const Bytes pack = gitPack(src, c6 + " ^" + ids["c5"]);
  // Without shallow lines (a full clone), and with the repo's own shallow
  // commits as shallow lines (a clone of this repo): both fine.
  for (const bool asShallowClient : {false, true}) {
    std::vector<std::string> clientShallows;
    if (asShallowClient) clientShallows.assign(shallows.begin(), shallows.end());
    const std::string ref = "refs/heads/c6-" + std::to_string(asShallowClient);
    EXPECT_EQ(pushReport(*server, pushCommands(clientShallows, {std::string(40, '0') + " " + c6 + " " + ref}), pack),
              (std::vector<std::string>{"unpack ok", "ok " + ref}));
  }
  EXPECT_EQ(server->ctx.refs().get("refs/heads/c6-1")->hex(), c6);
  // The new history is served with the same boundary.
  auto res = demux(serve(fetchV2({c6}), 2), true);
  EXPECT_EQ(linesWith(res.lines, "shallow "), (std::set<std::string>{ids["c3"], ids["s1"]}));
  std::set<std::string> expected = revList(heads()[0]);
  for (const auto& line : lines(run(git(src) + "rev-list --objects " + c6 + " ^" + ids["c5"]))) {
    expected.insert(line.substr(0, 40));
  }
  EXPECT_EQ(strictPackObjects(res.pack, shallows), expected);  // (c6 is on top of c5: self-contained)
}

TEST_F(ShallowRepoFixture, ANewBranchAtAShallowCommitPassesTheConnectivityCheck) {
  // Drop the island ref: its history is then reached only by the push, down
  // to its shallow commit i2, whose parent i1 the repo does not have.
  WriteBatch batch;
  server->ctx.refs().stage(batch, "refs/heads/island", std::nullopt);
  server->store.commit(batch);
  const Bytes empty = gitPack(src, "");
  for (const char* tip : {"i2", "i4"}) {
    const std::string ref = std::string("refs/heads/again-") + tip;
    EXPECT_EQ(pushReport(*server, pushCommands({}, {std::string(40, '0') + " " + ids[tip] + " " + ref}), empty),
              (std::vector<std::string>{"unpack ok", "ok " + ref}));
  }
}

TEST_F(ShallowRepoFixture, ConnectivityStillRejectsMissingObjects) {
  // A commit on main whose tree (and blob) the pack leaves out.
  run("printf 'new\\n' > " + src + "/new.txt && " + git(src) + "add new.txt && " + git(src) + "commit -qm c6");
  const std::string c6 = rev(src, "HEAD");
  const std::string path = dir.path + "/bad.pack";
  run("echo " + c6 + " | " + git(src) + "pack-objects --stdout > " + path);
  EXPECT_EQ(pushReport(*server, pushCommands({}, {ids["c5"] + " " + c6 + " refs/heads/main"}), testing::readFile(path)),
            (std::vector<std::string>{"unpack ok", "ng refs/heads/main missing necessary objects"}));
  EXPECT_EQ(server->ctx.refs().get("refs/heads/main")->hex(), ids["c5"]);
  // A commit (with c4's tree, which the repo has) whose parent is c2, which
  // this shallow repo does not have.
  const std::string below =
      run(git(src) + "commit-tree " + ids["c4"] + "^{tree} -p " + ids["c2"] + " -m below").substr(0, 40);
  const std::string path2 = dir.path + "/below.pack";
  run("echo " + below + " | " + git(src) + "pack-objects --stdout > " + path2);
  EXPECT_EQ(pushReport(*server, pushCommands({}, {std::string(40, '0') + " " + below + " refs/heads/below"}),
                       testing::readFile(path2)),
            (std::vector<std::string>{"unpack ok", "ng refs/heads/below missing necessary objects"}));
}

TEST_F(ShallowRepoFixture, PushesThatWouldMakeTheRepoShallowElsewhereAreRefused) {
  // A depth-1 clone of another history pushes it: its shallow commit would
  // become a new boundary of this repo.
  const std::string other = dir.path + "/other";
  run("git init -q -b main " + other);
  run(git(other) + "commit -q --allow-empty -m o1 && " + git(other) + "commit -q --allow-empty -m o2");
  const std::string o2 = rev(other, "HEAD");
  const std::string oneCommit = dir.path + "/o2.pack";
  // The commit and its (empty) tree: what a depth-1 clone's push sends.
  run("(echo " + o2 + "; " + git(other) + "rev-parse " + o2 + "^{tree}) | " + git(other) + "pack-objects --stdout > " +
      oneCommit);
  const Bytes pack = testing::readFile(oneCommit);
  EXPECT_EQ(pushReport(*server, pushCommands({o2}, {std::string(40, '0') + " " + o2 + " refs/heads/other"}), pack),
            (std::vector<std::string>{"unpack ok", "ng refs/heads/other shallow update not allowed"}));
  // A shallow line for a commit the repo has with its parents, which the
  // push does not reach (it builds on main): fine, as in git.
  run(git(src) + "commit -q --allow-empty -m c6");
  const std::string c6 = rev(src, "HEAD");
  EXPECT_EQ(pushReport(*server, pushCommands({ids["c5"]}, {ids["c5"] + " " + c6 + " refs/heads/main"}),
                       gitPack(src, c6 + " ^" + ids["c5"])),
            (std::vector<std::string>{"unpack ok", "ok refs/heads/main"}));
  // Shallow lines for commits the repo does not have are ignored.
  run(git(src) + "commit -q --allow-empty -m c7");
  const std::string c7 = rev(src, "HEAD");
  EXPECT_EQ(pushReport(*server, pushCommands({ids["c3"]}, {c6 + " " + c7 + " refs/heads/main"}),
                       gitPack(src, c7 + " ^" + c6)),
            (std::vector<std::string>{"unpack ok", "ok refs/heads/main"}));
}

// ---- Content reads

TEST_F(ShallowRepoFixture, LogStopsAtTheShallowBoundary) {
  ContentReads reads(server->ctx);
  LogOptions options;
  options.ref = "main";
  const auto log = reads.log(options);
  std::vector<std::string> hashes;
  for (const auto& c : log) hashes.push_back(c.hash);
  EXPECT_EQ(hashes, (std::vector<std::string>{ids["c5"], ids["m"], ids["c4"], ids["c3"]}));
  EXPECT_EQ(log.back().parents, std::vector<std::string>{ids["c2"]});  // what the object says
  options.ref = "island";
  options.offset = 2;
  const auto island = reads.log(options);
  ASSERT_EQ(island.size(), 1u);
  EXPECT_EQ(island[0].hash, ids["i2"]);
  options.offset = 3;
  EXPECT_TRUE(reads.log(options).empty());
}

// ---- Real git clients

TEST_F(ShallowRepoFixture, GitClonesOfTheShallowRepoAreShallowWhereGitsWouldBe) {
  saveServer();
  const std::string reference = cloneFromGit("from-git", "");
  ASSERT_EQ(shallowFile(reference), shallows);
  for (int protocol : {2, 0}) {
    const std::string clone = cloneServed("clone-v" + std::to_string(protocol), "", protocol);
    fsck(clone);
    EXPECT_EQ(shallowFile(clone), shallows) << "v" << protocol;
    EXPECT_EQ(allObjects(clone), allObjects(reference)) << "v" << protocol;
    EXPECT_EQ(rev(clone, "HEAD"), ids["c5"]);
  }
  for (int protocol : {2, 0}) {
    for (int depth : {1, 2, 4}) {
      const std::string name = "depth-v" + std::to_string(protocol) + "-" + std::to_string(depth);
      const std::string args = "--no-single-branch --depth " + std::to_string(depth);
      const std::string clone = cloneServed(name, args, protocol);
      const std::string gitClone = cloneFromGit(name + "-git", args);
      fsck(clone);
      EXPECT_EQ(shallowFile(clone), shallowFile(gitClone)) << name;
      EXPECT_EQ(allObjects(clone), allObjects(gitClone)) << name;
    }
  }
}

TEST_F(ShallowRepoFixture, GitPushesFromAShallowCloneAndFetchesTheResult) {
  saveServer();
  const std::string a = cloneServed("a", "", 2);
  const std::string b = cloneServed("b", "", 2);
  run("printf 'six\\n' >> " + a + "/a.txt && " + git(a) + "commit -qam c6");
  const std::string c6 = rev(a, "HEAD");
  // The clone is shallow: git sends its shallow lines (this repo's own shallow commits).
  runLogged("timeout 120 " + git(a) + "push -q " + pushTransport() + "origin main");
  reloadServer();
  EXPECT_EQ(server->ctx.refs().get("refs/heads/main")->hex(), c6);
  for (int protocol : {2, 0}) {
    const std::string clone = cloneServed("after-v" + std::to_string(protocol), "", protocol);
    fsck(clone);
    EXPECT_EQ(rev(clone, "HEAD"), c6);
    EXPECT_EQ(shallowFile(clone), shallows);
  }
  // An incremental fetch into the other clone.
  runLogged("timeout 120 " + git(b) + "fetch -q " + transport() + "origin");
  fsck(b);
  EXPECT_EQ(rev(b, "origin/main"), c6);
  EXPECT_EQ(shallowFile(b), shallows);
  // A depth-1 clone (shallow at a commit this repo has with its parents)
  // pushes on top: accepted, as git accepts it.
  const std::string d = cloneServed("d", "--depth 1", 2);
  EXPECT_EQ(shallowFile(d), (std::set<std::string>{c6}));
  run(git(d) + "commit -q --allow-empty -m c7");
  runLogged("timeout 120 " + git(d) + "push -q " + pushTransport() + "origin main");
  reloadServer();
  EXPECT_EQ(server->ctx.refs().get("refs/heads/main")->hex(), rev(d, "HEAD"));
  runLogged("timeout 120 " + git(b) + "fetch -q " + transport() + "origin");
  fsck(b);
  EXPECT_EQ(rev(b, "origin/main"), rev(d, "HEAD"));
}

}  // namespace
}  // namespace oa::git
