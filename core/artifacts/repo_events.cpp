#include "artifacts/repo_events.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "base/time_format.h"
#include "base/utf8.h"

namespace oa {

namespace {
using nlohmann::json;

// Text from commits may be any bytes: ill-formed UTF-8 shows as U+FFFD (as
// the content reads show it) rather than failing the event.
std::string dumpJson(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json optionalText(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

std::string cut(std::string_view text, size_t maxUnits) {
  return std::string(text.substr(0, utf16PrefixBytes(text, maxUnits)));
}

// The fields every repo-level lifecycle event shares (created, deleted, and
// the rest of forked and imported).
json repoFields(const RepoRecord& r) {
  json out;
  out["repoId"] = r.id;
  out["defaultBranch"] = r.defaultBranch;
  out["description"] = optionalText(r.description);
  out["readOnly"] = r.readOnly;
  out["createdAt"] = formatIsoTimestamp(r.createdAtMs);
  out["updatedAt"] = formatIsoTimestamp(r.updatedAtMs);
  out["lastPushAt"] = r.lastPushAtMs ? json(formatIsoTimestamp(*r.lastPushAtMs)) : json(nullptr);
  return out;
}

RepoEvent makeEvent(RepoEventKind kind, const std::string& namespaceName, const std::string& repoName,
                    const json& payload, int64_t nowMs) {
  return RepoEvent{kind, namespaceName, repoName, dumpJson(payload), nowMs};
}

json identity(const std::optional<git::Person>& person) {
  json out;
  out["name"] = person ? cut(person->name, kMaxEventIdentityUnits) : "";
  out["email"] = person ? cut(person->email, kMaxEventIdentityUnits) : "";
  return out;
}

std::string eventTime(int64_t seconds) {
  return formatIsoTimestamp(std::clamp<int64_t>(seconds, 0, kMaxEventTimeSeconds) * 1000);
}

json pushedCommit(const git::ObjectId& id, const git::CommitDetails& c) {
  const EventMessage message = eventMessage(c.message);
  json parents = json::array();
  for (const auto& p : c.parents) parents.push_back(p.hex());
  json out;
  out["id"] = id.hex();
  out["message"] = message.text;
  out["messageTruncated"] = message.truncated;
  out["timestamp"] = eventTime(c.committer ? c.committer->time : 0);
  out["author"] = identity(c.author);
  out["committer"] = identity(c.committer);
  out["parents"] = std::move(parents);
  return out;
}
}  // namespace

std::string repoEventType(RepoEventKind kind) {
  static const char* const kNames[] = {"created", "deleted", "forked",  "imported",     "pushed",
                                       "cloned",  "fetched", "token.created", "token.revoked"};
  return std::string("cf.artifacts.repo.") + kNames[static_cast<int>(kind)];
}

const char* repoEventSourceType(RepoEventKind kind) {
  switch (kind) {
    case RepoEventKind::Created:
    case RepoEventKind::Deleted:
    case RepoEventKind::Forked:
    case RepoEventKind::Imported:
      return "artifacts";
    default:
      return "artifacts.repo";
  }
}

std::string repoEventJson(const RepoEvent& event) {
  json source;
  source["type"] = repoEventSourceType(event.kind);
  source["namespace"] = event.namespaceName;
  source["repoName"] = event.repoName;
  // The payload is already JSON text: spliced in, not parsed again.
  return "{\"type\":" + dumpJson(repoEventType(event.kind)) + ",\"source\":" + dumpJson(source) +
         ",\"payload\":" + event.payloadJson + ",\"eventTimestamp\":" + dumpJson(formatIsoTimestamp(event.atMs)) + "}";
}

RepoEvent repoCreatedEvent(const std::string& namespaceName, const RepoRecord& repo, int64_t nowMs) {
  return makeEvent(RepoEventKind::Created, namespaceName, repo.name, repoFields(repo), nowMs);
}

RepoEvent repoDeletedEvent(const std::string& namespaceName, const RepoRecord& repo, int64_t nowMs) {
  return makeEvent(RepoEventKind::Deleted, namespaceName, repo.name, repoFields(repo), nowMs);
}

RepoEvent repoForkedEvent(const std::string& namespaceName, const std::string& parentName, const RepoRecord& fork,
                          int64_t nowMs) {
  json payload;
  payload["namespace"] = namespaceName;
  payload["repoName"] = fork.name;
  payload.update(repoFields(fork));
  return makeEvent(RepoEventKind::Forked, namespaceName, parentName, payload, nowMs);
}

RepoEvent repoImportedEvent(const std::string& namespaceName, const RepoRecord& repo, const std::string& sourceUrl,
                            const std::string& branch, int64_t nowMs) {
  json payload = repoFields(repo);
  payload["sourceUrl"] = sourceUrl;
  payload["branch"] = branch;
  return makeEvent(RepoEventKind::Imported, namespaceName, repo.name, payload, nowMs);
}

RepoEvent tokenCreatedEvent(const std::string& namespaceName, const std::string& repoName, const TokenRecord& token,
                            int64_t nowMs) {
  json payload;
  payload["tokenId"] = token.id;
  payload["scope"] = tokenScopeName(token.scope);
  payload["expiresAt"] = formatIsoTimestamp(token.expiresAtMs);
  return makeEvent(RepoEventKind::TokenCreated, namespaceName, repoName, payload, nowMs);
}

RepoEvent tokenRevokedEvent(const std::string& namespaceName, const std::string& repoName, const std::string& tokenId,
                            int64_t nowMs) {
  json payload;
  payload["tokenId"] = tokenId;
  return makeEvent(RepoEventKind::TokenRevoked, namespaceName, repoName, payload, nowMs);
}

RepoEvent repoFetchEvent(const std::string& namespaceName, const std::string& repoName, bool clone, int64_t nowMs) {
  return makeEvent(clone ? RepoEventKind::Cloned : RepoEventKind::Fetched, namespaceName, repoName, json::object(),
                   nowMs);
}

RepoEvent repoPushedEvent(const std::string& namespaceName, const std::string& repoName, git::RepoContext& repo,
                          const git::RefUpdate& update, int64_t nowMs, PushedCommitCache* cache) {
  return RepoEvent{RepoEventKind::Pushed, namespaceName, repoName, pushedPayloadJson(repo, update, cache), nowMs};
}

const std::optional<git::CommitDetails>& PushedCommitCache::read(git::RepoContext& repo, const git::ObjectId& id) {
  if (const auto it = commits_.find(id); it != commits_.end()) return it->second;
  std::optional<git::CommitDetails> commit;
  try {
    commit = repo.git().commitDetails(id);
  } catch (const ArtifactsError&) {
    // Stored but unreadable: a walk ends here, the push stands.
  }
  if (commits_.size() >= kMaxEntries) {
    uncached_ = std::move(commit);
    return uncached_;
  }
  return commits_.emplace(id, std::move(commit)).first->second;
}

std::string pushedPayloadJson(git::RepoContext& repo, const git::RefUpdate& update, PushedCommitCache* cache) {
  PushedCommitCache own;
  PushedCommitCache& reads = cache ? *cache : own;
  json commits = json::array();
  size_t total = 0;
  if (startsWith(update.ref, "refs/heads/") && !update.after.isZero()) {
    std::optional<git::ObjectId> next = update.after;
    // At most kMaxPushedCommitsCounted commit reads, whatever the history.
    while (next && *next != update.before && total < kMaxPushedCommitsCounted) {
      const std::optional<git::CommitDetails>& commit = reads.read(repo, *next);
      if (!commit) break;  // missing (partial store) or not a commit (a branch at a tag)
      if (++total <= kMaxPushedCommits) commits.push_back(pushedCommit(*next, *commit));
      // History stops at the repo's shallow boundary, as `git log` stops there.
      if (commit->parents.empty() || repo.shallows().contains(*next)) break;
      next = commit->parents.front();
    }
  }
  json payload;
  payload["ref"] = update.ref;
  payload["before"] = update.before.hex();
  payload["after"] = update.after.hex();
  payload["commits"] = std::move(commits);
  payload["totalCommitsCount"] = total;
  payload["commitsTruncated"] = total > kMaxPushedCommits;
  return dumpJson(payload);
}

EventMessage eventMessage(std::string_view message) {
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  EventMessage out;
  const size_t kept = utf16PrefixBytes(message, kMaxEventMessageUnits);
  out.text = std::string(message.substr(0, kept));
  out.truncated = kept < message.size();
  return out;
}

}  // namespace oa
