// Shared helpers for native tests that use real git as the oracle: a temp
// directory, shell commands, a reproducible git invocation, and a server-side
// repo (in-memory store + RepoContext) fed from git's own packs.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "base/chunked_store.h"
#include "git/store/pack_ingest.h"
#include "git/format/pkt_line.h"
#include "git/store/repo_context.h"
#include "git/format/sideband.h"
#include "support/memory_kv_store.h"

namespace oa::testing {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/oa-test-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Runs a shell command; throws with the command when it fails.
inline std::string run(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  std::string out;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error("command failed: " + cmd);
  return out;
}

// `git -C <repo>` with no user/system config and fixed identities and dates.
inline std::string git(const std::string& repo) {
  return "env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent "
         "GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com "
         "GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' "
         "git -C '" + repo + "' ";
}

// Writes `text` to `file` in the work tree `repo`, commits everything as
// `message`, and returns the new commit's id.
inline std::string commitFile(const std::string& repo, const std::string& file, const std::string& text,
                              const std::string& message) {
  run("mkdir -p $(dirname " + repo + "/" + file + ") && printf '%s' '" + text + "' > " + repo + "/" + file);
  run(git(repo) + "add -A && " + git(repo) + "commit -qm '" + message + "'");
  return run(git(repo) + "rev-parse HEAD").substr(0, 40);
}

inline Bytes readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::string& path, const Bytes& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

// A repo as the server stores it: in memory, fed with packs made by git.
struct ServerRepo {
  MemoryKvStore raw;
  ChunkedStore store{raw};
  git::RepoContext ctx{store};

  ServerRepo() {
    WriteBatch b;
    ctx.refs().stageHead(b, "refs/heads/main");
    store.commit(b);
  }
  void ingest(const Bytes& pack) {
    git::PackIngest ingest(store, ctx.objects());
    for (size_t off = 0; off < pack.size(); off += 65536) {
      ingest.write(pack.data() + off, std::min<size_t>(65536, pack.size() - off));
    }
    ingest.finish();
  }
  void setRef(const std::string& name, const std::string& hex) {
    WriteBatch b;
    ctx.refs().stage(b, name, git::ObjectId::fromHex(hex));
    store.commit(b);
  }
};

// Splits an upload-pack response into its pkt-lines before the pack and the
// pack bytes (side-band band 1, or raw after the last pkt-line).
struct FetchResponse {
  std::vector<std::string> lines;
  Bytes pack;
  std::string progress;
};

inline FetchResponse demux(const Bytes& body, bool sideband) {
  FetchResponse out;
  git::PktLineReader reader;
  reader.feed(body.data(), body.size());
  git::Packet p;
  while (reader.next(p)) {
    if (p.kind != git::Packet::Kind::Data) continue;
    const unsigned char band = p.payload.empty() ? 0 : static_cast<unsigned char>(p.payload[0]);
    if (sideband && band >= 1 && band <= 3) {  // text lines never start with 1..3
      if (band == 1) out.pack.insert(out.pack.end(), p.payload.begin() + 1, p.payload.end());
      else out.progress += p.payload.substr(1);
      continue;
    }
    out.lines.push_back(std::string(git::chompNewline(p.payload)));
    // Without side-band the raw pack follows the final ACK/NAK.
    if (!sideband && (out.lines.back() == "NAK" || (out.lines.back().rfind("ACK ", 0) == 0 &&
                                                   out.lines.back().find(' ', 4) == std::string::npos))) {
      break;
    }
  }
  if (!sideband) {
    std::string rest = reader.takeRemaining();
    out.pack.insert(out.pack.end(), rest.begin(), rest.end());
  }
  return out;
}

}  // namespace oa::testing
