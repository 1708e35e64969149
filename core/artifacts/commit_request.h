// The commit API's arguments (our extension: repo.commit(), later
// POST .../repos/:name/commits) and every rule about them that needs no
// storage: the branch, expectedHead, message, identities, paths, counts and
// sizes. They are checked before the repo is read, so a refused call changes
// nothing. The rules that need the repo's trees (a path below a file, a
// delete of a missing file) are the tree editor's (git/store/tree_editor.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/store/pack_ingest.h"
#include "open_artifacts/bytes.h"

namespace oa {

constexpr size_t kMaxCommitFiles = 10000;
constexpr size_t kMaxCommitPathBytes = 4096;        // git's PATH_MAX
constexpr size_t kMaxCommitMessageBytes = 1 << 20;
constexpr size_t kMaxCommitIdentityBytes = 1024;    // a name or an email
constexpr int64_t kMaxCommitDate = 253402300799;    // 9999-12-31T23:59:59Z
constexpr int32_t kMaxTimezoneOffsetMinutes = 23 * 60 + 59;

// The author when the call names none.
constexpr const char* kDefaultCommitName = "Artifacts";
constexpr const char* kDefaultCommitEmail = "artifacts@localhost";

struct CommitIdentity {
  std::string name;              // not empty; no '<', '>' or control characters; no outer spaces
  std::string email;             // may be empty; no '<', '>' or control characters
  std::optional<int64_t> date;   // Unix seconds; absent: now
  int32_t timezoneOffset = 0;    // minutes east of UTC
};

struct FileChange {
  std::string path;                  // repo-relative, '/'-separated
  std::optional<Bytes> content;      // nullopt: delete the file
  std::optional<bool> executable;    // absent: keep the mode of the file replaced (new files: not executable)
};

struct CommitRequest {
  std::optional<std::string> branch;        // "main" or "refs/heads/main"; absent: the branch HEAD names
  std::optional<std::string> expectedHead;  // 40 hex; 40 zeros: the branch must not exist yet
  std::string message;
  std::optional<CommitIdentity> author;     // absent: kDefaultCommitName/Email
  std::optional<CommitIdentity> committer;  // absent: the author (date included)
  bool allowEmpty = false;                  // a commit whose tree is its parent's
  std::vector<FileChange> files;
};

struct CommitLimits {
  uint64_t maxFileBytes;   // one file (a pushed object's limit)
  uint64_t maxTotalBytes;  // all files of one commit (a pushed pack's limit)
};
// A commit is held to what a push of the same files would be.
inline CommitLimits commitLimitsFor(const git::IngestLimits& limits) {
  return CommitLimits{limits.maxObjectSize, limits.maxPackBytes};
}

// Throws INVALID_INPUT, or MEMORY_LIMIT for sizes, with a pointer to the
// offending field ("/branch", "/files/3/path", "/author/email", ...).
void checkCommitRequest(const CommitRequest& request, const CommitLimits& limits);

// "refs/heads/<name>" for a branch argument that checkCommitRequest() accepted.
std::string branchRefName(const std::string& branch);

// Why git would refuse `path` as a file's path (verify_path() with
// core.protectNTFS and core.protectHFS on, as git's defaults are where those
// filesystems live), or nullopt when it is fine.
std::optional<std::string> commitPathProblem(std::string_view path);

}  // namespace oa
