#include "api/json_api.h"

#include "api/json_args.h"
#include "base/random_id.h"
#include "git/store/repo_context.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
using namespace json_args;

// Runs f(ContentReads&) on the repo a live handle names (the arguments are
// checked before: a bad hash is INVALID_INPUT even for a deleted repo).
template <typename F>
auto withRepo(ArtifactsService& s, const json& args, F&& f) {
  const std::string name = repoName(arg(args, 0));
  const std::string id = handleId(arg(args, 1));
  s.info(name, id);
  const auto repo = s.openRepoContext(id);
  ContentReads reads(*repo);
  return f(reads);
}

json listTokens(ArtifactsService& s, const json& args) {
  const std::string name = repoName(arg(args, 0));
  const std::string id = handleId(arg(args, 1));
  return tokenListJson(s.listAllTokens(name, id), arg(args, 2), s.host().nowMs());
}

// revokeTokenById [tokenId] (REST): {id}; NOT_FOUND unless a repo of the
// namespace minted it. Revoking a revoked token again succeeds (live REST).
json revokeTokenById(ArtifactsService& s, const json& args) {
  const json id = arg(args, 0);
  if (!id.is_string() || !isBase36Id(id.get<std::string>())) throwError(ErrorCode::NotFound, "Token not found");
  if (!s.revokeTokenById(id.get<std::string>())) throwError(ErrorCode::NotFound, "Token not found");
  json out;
  out["id"] = id;
  return out;
}
}  // namespace

StorageLimits parseStorageLimits(const std::string& limitsJson) {
  StorageLimits limits;
  if (limitsJson.empty()) return limits;
  const json opts = optionsBag(parseArgs("[" + limitsJson + "]")[0], "limits");
  for (auto [key, slot] : {std::pair<const char*, uint64_t*>{"maxRepoBytes", &limits.maxRepoBytes},
                           {"maxPackBytes", &limits.maxPackBytes}}) {
    const json v = field(opts, key);
    if (absent(v)) continue;
    const auto n = integerArg(v);
    if (!n || *n < 1) throwError(ErrorCode::InvalidInput, std::string("limits.") + key + " must be a positive integer");
    *slot = static_cast<uint64_t>(*n);
  }
  return limits;
}

std::unique_ptr<ForkJob> JsonApi::beginFork(const std::string& argsJson) {
  const json args = parseArgs(argsJson);
  const std::string name = repoName(arg(args, 0));
  const std::string id = handleId(arg(args, 1));
  const std::string target = repoName(arg(args, 2));
  const ForkOptions o = forkOptions(arg(args, 3));
  return std::make_unique<ForkJob>(service_, name, id, target, o);
}

std::unique_ptr<ImportJob> JsonApi::beginImport(const std::string& argsJson, bool allowHttp, bool allowPrivate) {
  const json args = parseArgs(argsJson);
  const json params = arg(args, 0);
  if (!params.is_object()) throwError(ErrorCode::InvalidInput, "import params must be an object");
  const json source = field(params, "source");
  if (!source.is_object()) throwError(ErrorCode::InvalidInput, "source must be an object", "/source");
  ImportParams p;
  p.allowHttp = allowHttp;
  p.allowPrivate = allowPrivate;
  p.source = fetchSource(source);
  const json target = field(params, "target");
  if (!target.is_object()) throwError(ErrorCode::InvalidRepoName, "Invalid repo name: name is required", "/name");
  p.targetName = repoName(field(target, "name"));
  repoOptions(optionsBag(field(target, "opts"), "target.opts"), p.target.description, p.target.readOnly);
  return std::make_unique<ImportJob>(service_, p);
}

std::string JsonApi::createdRepo(const CreatedRepo& created) {
  return dump(createdRepoJson(created.record, service_.remoteUrl(created.record.name), created.token));
}

std::string JsonApi::forkedRepo(const ForkedRepo& forked) {
  const RepoRecord& r = forked.created.record;
  json out = createdRepoJson(r, service_.remoteUrl(r.name), forked.created.token);
  out["objects"] = forked.objects;
  return dump(out);
}

std::string JsonApi::commit(const std::string& argsJson, std::vector<std::optional<Bytes>> contents) {
  json args = parseArgs(argsJson, maxCommitArgumentBytes(service_.commitLimits()));
  const std::string name = repoName(arg(args, 0));
  const std::string id = handleId(arg(args, 1));
  CommitRequest request = commitRequest(args, 2, contents);
  args = json();  // the contents are in `request` now
  return dump(commitResult(service_.commit(name, id, request)));
}

std::optional<ContentBlob> JsonApi::readBytes(const std::string& method, const std::string& argsJson) {
  const json args = parseArgs(argsJson);
  if (method == "readBlob") {
    const git::ObjectId hash = hashOf(arg(args, 2));
    return withRepo(service_, args, [&](ContentReads& r) { return r.readBlob(hash); });
  }
  if (method == "readFile") {
    const auto [ref, path] = fileArgs(arg(args, 2));
    return withRepo(service_, args, [&, &ref = ref, &path = path](ContentReads& r) { return r.readFile(ref, path); });
  }
  throwError(ErrorCode::InvalidInput, "unknown method: " + method);
}

std::string JsonApi::call(const std::string& method, const std::string& argsJson) {
  if (method == "commit") return commit(argsJson, {});
  const json args = parseArgs(argsJson);
  ArtifactsService& s = service_;
  const auto remoteOf = [&](const std::string& name) { return s.remoteUrl(name); };
  json result;
  if (method == "create") {
    const std::string name = repoName(arg(args, 0));
    const CreatedRepo created = s.create(name, createOptions(arg(args, 1)));
    result = createdRepoJson(created.record, remoteOf(created.record.name), created.token);
  } else if (method == "get") {
    const RepoRecord r = s.get(repoName(arg(args, 0)));
    result = json::object();
    result["id"] = r.id;
    result["name"] = r.name;
  } else if (method == "list") {
    result = repoListJson(s.query(repoQuery(arg(args, 0))), remoteOf);
  } else if (method == "delete") {
    result = s.remove(repoName(arg(args, 0)));
  } else if (method == "deleteRepo") {
    const auto removed = s.removeRecord(repoName(arg(args, 0)));
    if (!removed) throwError(ErrorCode::NotFound, "Repository not found");
    result = json::object();
    result["id"] = removed->id;
  } else if (method == "info") {
    const RepoRecord r = s.info(repoName(arg(args, 0)), handleId(arg(args, 1)));
    result = repoInfo(r, remoteOf(r.name));
  } else if (method == "createToken") {
    const std::string name = repoName(arg(args, 0));
    const std::string id = handleId(arg(args, 1));
    const TokenRequest t = tokenRequest(arg(args, 2), arg(args, 3));
    result = mintedTokenJson(s.createToken(name, id, t.scope, t.ttlSeconds));
  } else if (method == "listTokens") {
    result = listTokens(s, args);
  } else if (method == "revokeToken") {
    const std::string target = tokenOrId(arg(args, 2));
    result = s.revokeToken(repoName(arg(args, 0)), handleId(arg(args, 1)), target);
  } else if (method == "revokeTokenById") {
    result = revokeTokenById(s, args);
  } else if (namespaceRecordCall(s.names(), method, args, result)) {
    // the namespace's own record
  } else if (method == "readTree") {
    const git::ObjectId hash = hashOf(arg(args, 2));
    result = treeJson(withRepo(s, args, [&](ContentReads& r) { return r.readTree(hash); }));
  } else if (method == "readCommit") {
    const git::ObjectId hash = hashOf(arg(args, 2));
    const auto commit = withRepo(s, args, [&](ContentReads& r) { return r.readCommit(hash); });
    result = commit ? commitJson(*commit) : json(nullptr);
  } else if (method == "log") {
    const LogOptions options = logOptions(arg(args, 2));
    result = logJson(withRepo(s, args, [&](ContentReads& r) { return r.log(options); }));
  } else {
    throwError(ErrorCode::InvalidInput, "unknown method: " + method);
  }
  return dump(result);
}

}  // namespace oa
