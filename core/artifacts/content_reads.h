// Content reads of the repo handle (spec §2.4): readBlob, readTree, readCommit,
// readFile and log, over one repo's objects and refs. Every rule of those
// methods lives here: hash and path checks, ref resolution, tree-entry modes,
// commit decoding, the first-parent walk, the memory budget. json_api.cpp only
// converts arguments and results.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "git/store/fork_visibility.h"
#include "git/store/repo_context.h"

namespace oa {

// Largest object a content read buffers (spec: MEMORY_LIMIT "if the object
// cannot be buffered safely"; the same 32 MB as a pushed object, §6.6).
constexpr uint64_t kContentReadBudgetBytes = 32ull << 20;

constexpr int64_t kDefaultLogLimit = 50;
constexpr int64_t kMaxLogLimit = 1000;  // larger limits are capped (DESIGN.md)

// Live messages for a bad hash (spec §2.4, §4.7).
constexpr const char* kHashRequiredMessage = "Invalid hash: hash required.";
constexpr const char* kMalformedHashMessage = "Invalid hash: expected a 40-character SHA-1 hex hash.";
// What readTree/readCommit report for an object of another type (live, §3).
constexpr const char* kCorruptObjectMessage = "A stored git object is corrupt.";

// ArtifactsTreeEntry: `mode` is git's canonical mode without a leading zero.
struct ContentTreeEntry {
  std::string name;
  std::string mode;  // "100644" | "100755" | "120000" | "160000" | "40000"
  std::string hash;
  std::string type;  // "blob" | "exec" | "symlink" | "gitlink" | "tree"
};

struct CommitPerson {
  std::string name;
  std::string email;
};

// ArtifactsCommitMetadata.
struct CommitMetadata {
  std::string hash;
  std::string treeHash;
  std::string message;  // after the headers, exactly one trailing "\n" removed
  CommitPerson author;
  CommitPerson committer;
  std::vector<std::string> parents;  // git order
  int64_t authoredAt = 0;            // Unix seconds
  int64_t committedAt = 0;
};

// A blob's bytes and the type for `Blob.type` ("" for readBlob).
struct ContentBlob {
  std::string type;
  std::shared_ptr<const Bytes> bytes;
};

struct LogOptions {
  std::string ref = "HEAD";
  int64_t limit = kDefaultLogLimit;
  int64_t offset = 0;
};

class ContentReads {
 public:
  explicit ContentReads(git::RepoContext& repo, uint64_t budgetBytes = kContentReadBudgetBytes)
      : repo_(repo), budget_(budgetBytes) {}

  // ---- Input rules (INVALID_INPUT), usable before any storage is touched.
  // A lowercase 40-hex object id; "" gives kHashRequiredMessage.
  static git::ObjectId parseHash(const std::string& hash);
  // readFile's ref and path must be non-empty.
  static void checkFileArgs(const std::string& ref, const std::string& path);
  // limit >= 1 (above kMaxLogLimit is capped), offset >= 0.
  static LogOptions checkedLogOptions(LogOptions options);
  // Path segments with "" and "." dropped; nullopt for any ".." or nothing left.
  static std::optional<std::vector<std::string>> normalizePath(const std::string& path);

  // ---- Reads. On a fork that borrows its parent's objects, an object named
  // by a raw sha that the fork's refs do not reach reads as missing, exactly
  // (git/store/fork_visibility.h); names resolve through the fork's own refs.
  // Each throws INVALID_INPUT for bad input (rules above),
  // MEMORY_LIMIT for an object above the budget, INTERNAL_ERROR for corrupt storage.
  // nullopt when the object is missing or not a blob.
  std::optional<ContentBlob> readBlob(const std::string& hash);
  // The same for a hash already checked with parseHash() (the API layer
  // checks arguments before it checks the repo handle).
  std::optional<ContentBlob> readBlob(const git::ObjectId& id);
  // nullopt when missing; INTERNAL_ERROR (kCorruptObjectMessage) when not a tree.
  std::optional<std::vector<ContentTreeEntry>> readTree(const std::string& hash);
  std::optional<std::vector<ContentTreeEntry>> readTree(const git::ObjectId& id);
  // nullopt when missing; INTERNAL_ERROR (kCorruptObjectMessage) when not a commit.
  std::optional<CommitMetadata> readCommit(const std::string& hash);
  std::optional<CommitMetadata> readCommit(const git::ObjectId& id);
  // The file at `path` in the commit `ref` names, typed by fileMimeType();
  // nullopt when the ref does not resolve, the path is missing, leaves the
  // repo (".."), or names a directory or a submodule. A symlink reads as its
  // target text, like `git cat-file blob`.
  std::optional<ContentBlob> readFile(const std::string& ref, const std::string& path);
  // The first-parent chain from `options.ref`, newest first, after skipping
  // `offset` commits; [] when the ref does not resolve to a commit.
  std::vector<CommitMetadata> log(const LogOptions& options);

  // HEAD; a 40-hex id; refs/heads/* or refs/tags/*; otherwise a short name
  // tried as refs/heads/<x> then refs/tags/<x>. Annotated tags are peeled.
  // nullopt unless that yields a stored commit (that the fork may see).
  std::optional<git::ObjectId> resolveCommit(const std::string& ref);

 private:
  // The object's type if stored, after checking its size against the budget.
  std::optional<git::ObjectType> typeWithinBudget(const git::ObjectId& id);
  CommitMetadata decodeCommit(const git::ObjectId& id);
  std::optional<ContentBlob> blobBytes(const git::ObjectId& id);
  // A raw sha the caller named that this repo (a fork) may not see. Asked at
  // the entry point only: what a visible object reaches is visible too.
  bool hidden(const git::ObjectId& id);

  git::RepoContext& repo_;
  std::optional<git::ForkVisibility> fork_;  // made on the first raw sha, for a fork that borrows
  uint64_t budget_;
};

}  // namespace oa
