// Repo events (spec §9.1): `cf.artifacts.repo.*`, their sources and payloads.
// The core builds each event once the state change it reports is stored
// (repo_event_queue.h holds them until the host drains them); the host adds
// only the Queues envelope's `metadata` (account, subscription).
//
// Events never fail the operation they report: builders read only what is
// stored, bounded (a pushed event reads at most kMaxPushedCommitsCounted
// commits), and a missing object ends a walk instead of throwing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "artifacts/repo_registry.h"
#include "artifacts/token_store.h"
#include "git/store/ref_store.h"
#include "git/store/repo_context.h"

namespace oa {

enum class RepoEventKind { Created, Deleted, Forked, Imported, Pushed, Cloned, Fetched, TokenCreated, TokenRevoked };

// A pushed event lists at most this many commits (spec §9.1: 20)...
constexpr size_t kMaxPushedCommits = 20;
// ...and counts one more, to say there were more (totalCommitsCount stops at 21).
constexpr size_t kMaxPushedCommitsCounted = kMaxPushedCommits + 1;
// Commit messages are cut to this many characters, counted as JS counts a
// string's length (UTF-16 code units), never inside a character (spec §8.1:
// the live service truncates at 4,096 characters); messageTruncated says so.
constexpr size_t kMaxEventMessageUnits = 4096;
// Author and committer names and emails are cut the same way, without a
// flag: git bounds neither, and an event must stay small.
constexpr size_t kMaxEventIdentityUnits = 1024;
// Committer times past 9999-12-31T23:59:59Z (git allows any 63-bit time)
// show as that instant, so the timestamp keeps its ISO 8601 form.
constexpr int64_t kMaxEventTimeSeconds = 253402300799;

// One event as the core reports it: the Queues envelope without `metadata`.
struct RepoEvent {
  RepoEventKind kind = RepoEventKind::Created;
  std::string namespaceName;
  std::string repoName;     // the source's repo: for `forked`, the parent
  std::string payloadJson;  // the payload object, as JSON text
  int64_t atMs = 0;         // when the change was stored (eventTimestamp)
};

// "cf.artifacts.repo.created", ..., "cf.artifacts.repo.token.revoked".
std::string repoEventType(RepoEventKind kind);
// "artifacts" for the account-level events (created, deleted, forked,
// imported), "artifacts.repo" for the repo-level ones.
const char* repoEventSourceType(RepoEventKind kind);
// {type, source: {type, namespace, repoName}, payload, eventTimestamp}.
std::string repoEventJson(const RepoEvent& event);

// ---- Builders, one per event type. `nowMs` dates the event.
// {repoId, defaultBranch, description, readOnly, createdAt, updatedAt, lastPushAt}
RepoEvent repoCreatedEvent(const std::string& namespaceName, const RepoRecord& repo, int64_t nowMs);
// The same fields, from the record as it was before its removal.
RepoEvent repoDeletedEvent(const std::string& namespaceName, const RepoRecord& repo, int64_t nowMs);
// Source = the parent; payload {namespace, repoName, ...created fields} of the fork.
RepoEvent repoForkedEvent(const std::string& namespaceName, const std::string& parentName, const RepoRecord& fork,
                          int64_t nowMs);
// The created fields plus sourceUrl and branch (the one imported, or the default branch).
RepoEvent repoImportedEvent(const std::string& namespaceName, const RepoRecord& repo, const std::string& sourceUrl,
                            const std::string& branch, int64_t nowMs);
// {tokenId, scope, expiresAt}
RepoEvent tokenCreatedEvent(const std::string& namespaceName, const std::string& repoName, const TokenRecord& token,
                            int64_t nowMs);
// {tokenId}
RepoEvent tokenRevokedEvent(const std::string& namespaceName, const std::string& repoName, const std::string& tokenId,
                            int64_t nowMs);
// cloned (a fetch with no `have`) or fetched: {}.
RepoEvent repoFetchEvent(const std::string& namespaceName, const std::string& repoName, bool clone, int64_t nowMs);
// The commits the pushed events of one push read: the refs of a push share
// history (branches off one trunk), so each commit is read once, not once
// per ref. Bounded: past kMaxEntries, reads are no longer kept.
class PushedCommitCache {
 public:
  static constexpr size_t kMaxEntries = 4096;
  // The commit `id` (nullopt: missing or unreadable), read through `repo` once.
  const std::optional<git::CommitDetails>& read(git::RepoContext& repo, const git::ObjectId& id);

 private:
  std::unordered_map<git::ObjectId, std::optional<git::CommitDetails>> commits_;
  std::optional<git::CommitDetails> uncached_;
};

// One ref's update: {ref, before, after, commits, totalCommitsCount, commitsTruncated} (pushedPayloadJson).
RepoEvent repoPushedEvent(const std::string& namespaceName, const std::string& repoName, git::RepoContext& repo,
                          const git::RefUpdate& update, int64_t nowMs, PushedCommitCache* cache = nullptr);

// The pushed payload. commits: the first-parent walk from `after`, newest
// first, stopping before `before` (so a new branch or a force push lists
// history down to its root, a merge onto `before` only itself), at a
// shallow commit of the repo (listed, its parents not), or at a missing or
// unreadable commit; at most kMaxPushedCommits listed and
// kMaxPushedCommitsCounted counted. Only refs/heads/ refs whose `after` is a
// commit list any: tags, other refs and deletions give [] and 0.
std::string pushedPayloadJson(git::RepoContext& repo, const git::RefUpdate& update, PushedCommitCache* cache = nullptr);

// A commit message as an event shows it: one trailing newline removed (as
// readCommit), cut to kMaxEventMessageUnits.
struct EventMessage {
  std::string text;
  bool truncated = false;
};
EventMessage eventMessage(std::string_view message);

}  // namespace oa
