// Real git as the oracle of the object parser tests (commit_test.cpp,
// tree_test.cpp, tag_test.cpp, object_links_test.cpp): objects are written
// byte for byte with `git hash-object --literally` (no fsck: odd and broken
// objects too), read back with `git cat-file`, and git's own reading of them
// (`git show`, `git ls-tree`, `git for-each-ref`) is what the parsers must agree with.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/git_fixture.h"

namespace oa::testing {

class GitOracle {
 public:
  GitOracle() : path_(dir_.path + "/repo") { run("git init -q " + path_); }

  // `git -C <repo>` with no user config and fixed identities.
  std::string g() const { return git(path_); }

  // Stores `content` as an object of `type` exactly as given; returns its id.
  std::string write(const std::string& type, const std::string& content) {
    const std::string file = dir_.path + "/object";
    writeFile(file, Bytes(content.begin(), content.end()));
    return trim(run(g() + "hash-object --literally -w -t " + type + " " + file));
  }

  // A scratch file holding `content` (input for a git command); returns its path.
  std::string file(const std::string& content) {
    const std::string path = dir_.path + "/input";
    writeFile(path, Bytes(content.begin(), content.end()));
    return path;
  }

  // The object's bytes as git stores them.
  std::string bytes(const std::string& type, const std::string& id) const {
    return run(g() + "cat-file " + type + " " + id);
  }

  // A git command's stdout; nullopt when git fails (its stderr is dropped).
  std::optional<std::string> tryGit(const std::string& args) const {
    try {
      return run(g() + args + " 2>/dev/null");
    } catch (const std::runtime_error&) {
      return std::nullopt;
    }
  }

  std::string gitOut(const std::string& args) const { return run(g() + args); }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

 private:
  TempDir dir_;
  std::string path_;
};

// Splits on `sep`, keeping empty fields (also a trailing one).
inline std::vector<std::string> splitFields(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

// A date as `--date=raw` / `%(...date:raw)` prints it ("<secs> <+|-hhmm>"):
// Unix seconds and minutes east of UTC; (0, 0) when git shows no date.
inline std::pair<int64_t, int32_t> rawDate(const std::string& s) {
  if (s.empty()) return {0, 0};
  const size_t space = s.find(' ');
  const int64_t secs = std::stoll(s.substr(0, space));
  const std::string zone = s.substr(space + 1);
  const int hhmm = std::stoi(zone.substr(1));
  const int32_t minutes = hhmm / 100 * 60 + hhmm % 100;
  return {secs, zone[0] == '-' ? -minutes : minutes};
}

// The message as git stores it: every byte after the first empty line.
inline std::string bodyAfterHeaders(const std::string& raw) {
  const size_t blank = raw.find("\n\n");
  return blank == std::string::npos ? "" : raw.substr(blank + 2);
}

}  // namespace oa::testing
