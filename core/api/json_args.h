// The binding's JSON values, both ways, shared by every JSON adapter of the
// core (json_api.h for one process, namespace_registry_api.h and
// repo_object_api.h for a Durable Object each): argument checks with the
// binding's errors and messages, and the result shapes of spec §2
// (camelCase). Rules stay in the services; only types and shapes live here.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "artifacts/commit_request.h"
#include "artifacts/commit_writer.h"
#include "artifacts/content_reads.h"
#include "artifacts/fork_job.h"
#include "artifacts/repo_fetch.h"
#include "artifacts/namespace_service.h"
#include "artifacts/repo_service.h"

namespace oa::json_args {

using nlohmann::json;

// Largest JSON argument list accepted from a caller.
constexpr size_t kMaxArgumentBytes = 1024 * 1024;

// ---- Arguments.
// A JSON array of arguments (INVALID_INPUT otherwise, or past maxBytes).
json parseArgs(const std::string& argsJson, uint64_t maxBytes = kMaxArgumentBytes);
// args[i], or null past the end.
const json& arg(const json& args, size_t i);
inline bool absent(const json& v) { return v.is_null(); }
// An options bag: undefined/null means "none"; anything but an object is bad input.
json optionsBag(const json& v, const char* what);
json field(const json& bag, const char* key);
std::string repoName(const json& v);  // INVALID_REPO_NAME unless a string
std::string handleId(const json& v);  // a repo handle's id: INVALID_INPUT unless a string
// An integral JSON number, saturated to int64; nullopt for anything else.
std::optional<int64_t> integerArg(const json& v);
// create(name, opts)'s options: description, readOnly, setDefaultBranch.
CreateRepoOptions createOptions(const json& opts);
// Description and readOnly, as create(), fork() and import() take them.
void repoOptions(const json& opts, std::optional<std::string>& description, bool& readOnly);
// list(opts): the binding's {limit, cursor} and the REST listing's {search, sort, direction}.
RepoQuery repoQuery(const json& opts);
// import's source {url, branch?, depth?} (an object: the caller checks).
FetchSource fetchSource(const json& source);
// fork(name, opts)'s options: description, readOnly, defaultBranchOnly.
ForkOptions forkOptions(const json& opts);
// createNamespace [{jurisdiction?}]: "eu" or "us"; absent = unrestricted.
Jurisdiction jurisdictionOption(const json& opts);

struct TokenRequest {
  TokenScope scope = TokenScope::Write;
  int64_t ttlSeconds = 0;
};
// createToken(scope?, ttl?).
TokenRequest tokenRequest(const json& scope, const json& ttl);
// revokeToken(tokenOrId): a non-empty string.
std::string tokenOrId(const json& v);
// A content read's hash (a string; absent means "").
git::ObjectId hashOf(const json& v);
// readFile({ref, path}), checked.
std::pair<std::string, std::string> fileArgs(const json& v);
LogOptions logOptions(const json& v);
// commit(args) at args[at]; file i's bytes may come in contents[i] instead of
// its `content` (taken out of `args`).
CommitRequest commitRequest(json& args, size_t at, std::vector<std::optional<Bytes>>& contents);
// The commit API's argument size: contents travel escaped inside the JSON.
uint64_t maxCommitArgumentBytes(const CommitLimits& limits);

// ---- Results.
std::string dump(const json& value);
// ArtifactsRepoInfo (spec §2.2).
json repoInfo(const RepoRecord& r, const std::string& remote);
// The same with `status` (list items).
json repoListJson(const RepoListPage& page, const std::function<std::string(const std::string&)>& remoteOf);
// ArtifactsCreateRepoResult (spec §2.2): create, fork and import answer it.
json createdRepoJson(const RepoRecord& r, const std::string& remote, const std::string& token);
// The namespace's own record (REST).
json namespaceJson(const NamespaceInfo& n);
json mintedTokenJson(const MintedToken& t);
// listTokens [opts?] over every token of a repo: without opts the binding's
// (active tokens); opts {state, perPage, page} is the REST list's filter and
// offset paging (spec §4.4). {tokens, total}.
json tokenListJson(const std::vector<TokenRecord>& allTokens, const json& opts, int64_t nowMs);
json treeJson(const std::optional<std::vector<ContentTreeEntry>>& entries);
json commitJson(const CommitMetadata& c);
json logJson(const std::vector<CommitMetadata>& commits);
json commitResult(const CommitOutcome& outcome);
// The namespace's own record (REST): "namespaceInfo", "createNamespace"
// [{jurisdiction?}], "deleteNamespace". False for any other method.
bool namespaceRecordCall(NamespaceService& service, const std::string& method, const json& args, json& result);
// A repo's identity, both ways ({namespace, id, name, readOnly, status}).
json identityJson(const RepoIdentity& identity);
RepoIdentity identityArg(const json& v);
RepoStatus statusArg(const json& v);

}  // namespace oa::json_args
