// The embedding API of a namespace's registry alone (open_artifacts/namespace_registry.h)
// over NamespaceService, in the binding's JSON shapes (api/json_args.h).
#include "open_artifacts/namespace_registry.h"

#include "api/json_api.h"
#include "api/json_args.h"
#include "artifacts/names.h"
#include "artifacts/namespace_service.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
using namespace json_args;

[[noreturn]] void repoNotFound() { throwError(ErrorCode::NotFound, "Repository not found"); }

// A repo being made, for the repo object's initialize [identity, defaultBranch].
json pendingJson(const NamespaceService& s, const RepoRecord& r) {
  json out;
  out["identity"] = identityJson(RepoIdentity{s.config().name, r.id, r.name, r.readOnly, r.status});
  out["defaultBranch"] = r.defaultBranch;
  return out;
}
}  // namespace

struct NamespaceRegistry::Impl {
  Impl(const ArtifactsOptions& options, KvStore& registry, Host& host)
      : service(NamespaceConfig{options.namespaceName, options.baseUrl, parseStorageLimits(options.limitsJson)}, registry,
                host) {}

  std::string remoteOf(const std::string& name) const { return service.remoteUrl(name); }

  // The current record of `name` if it is the job's (a lapsed one is reclaimed on the way).
  RepoRecord jobRecord(const json& args) {
    const std::string name = repoName(arg(args, 0));
    const std::string id = handleId(arg(args, 1));
    auto record = service.find(name);
    if (!record || record->id != id) repoNotFound();
    return *record;
  }

  json beginFork(const json& args) {
    const std::string parentName = repoName(arg(args, 0));
    const std::string parentId = handleId(arg(args, 1));
    const std::string targetName = repoName(arg(args, 2));
    const ForkOptions o = forkOptions(arg(args, 3));
    const RepoRecord parent = service.readyHandle(parentName, parentId);
    CreateRepoOptions target;
    target.description = o.description;
    target.readOnly = o.readOnly;
    target.defaultBranch = parent.defaultBranch;  // the fork inherits it (spec §2.2)
    const RepoRecord record =
        service.beginRepo(targetName, target, RepoStatus::Forking, "artifacts:" + service.config().name + "/" + parent.name);
    json out = pendingJson(service, record);
    out["parent"] = json::object();
    out["parent"]["id"] = parent.id;
    out["parent"]["name"] = parent.name;
    out["defaultBranchOnly"] = o.defaultBranchOnly;
    return out;
  }

  // [params, allowHttp, allowPrivate]: checked as import() checks them (import_job.h).
  json beginImport(const json& args) {
    const json params = arg(args, 0);
    if (!params.is_object()) throwError(ErrorCode::InvalidInput, "import params must be an object");
    const json source = field(params, "source");
    if (!source.is_object()) throwError(ErrorCode::InvalidInput, "source must be an object", "/source");
    const FetchSource from = fetchSource(source);
    const json target = field(params, "target");
    if (!target.is_object()) throwError(ErrorCode::InvalidRepoName, "Invalid repo name: name is required", "/name");
    const std::string targetName = repoName(field(target, "name"));
    CreateRepoOptions options;
    repoOptions(optionsBag(field(target, "opts"), "target.opts"), options.description, options.readOnly);
    checkImportSource(from, arg(args, 1) == true, arg(args, 2) == true);
    const RepoRecord record = service.beginRepo(targetName, options, RepoStatus::Importing, importSource(from.url));
    json out = pendingJson(service, record);
    out["source"] = json::object();
    out["source"]["url"] = from.url;
    if (from.depth > 0) out["source"]["depth"] = from.depth;  // 0 (full history) is spelled by leaving it out
    if (from.branch) out["source"]["branch"] = *from.branch;
    return out;
  }

  json complete(const json& args) {
    RepoRecord record = jobRecord(args);
    const json branch = arg(args, 2);
    if (!absent(branch)) {
      if (!branch.is_string() || !isValidBranchName(branch.get<std::string>())) {
        throwError(ErrorCode::InvalidInput, "Artifacts default branch is invalid", "/default_branch");
      }
      record.defaultBranch = branch.get<std::string>();
    }
    service.completeRepo(record);
    json out = createdRepoJson(record, remoteOf(record.name), "");
    out.erase("token");
    return out;
  }

  json pendingReleases(const json& args) {
    const auto limit = integerArg(arg(args, 0)).value_or(64);
    json out = json::array();
    if (!service.mayHaveReleases()) return out;
    for (const auto& release : service.pendingReleases(static_cast<size_t>(std::max<int64_t>(1, std::min<int64_t>(limit, 1000))))) {
      json& item = out.emplace_back();
      item["id"] = release.repoId;
      item["name"] = release.repoName;
    }
    return out;
  }

  NamespaceService service;
};

NamespaceRegistry::NamespaceRegistry(const ArtifactsOptions& options, KvStore& registry, Host& host)
    : impl_(std::make_unique<Impl>(options, registry, host)) {}

NamespaceRegistry::~NamespaceRegistry() = default;

std::string NamespaceRegistry::call(const std::string& method, const std::string& argsJson) {
  const json args = parseArgs(argsJson);
  Impl& m = *impl_;
  NamespaceService& s = m.service;
  const auto remoteOf = [&](const std::string& name) { return m.remoteOf(name); };
  json result;
  if (method == "beginCreate") {
    const std::string name = repoName(arg(args, 0));
    result = pendingJson(s, s.beginRepo(name, createOptions(arg(args, 1)), RepoStatus::Creating, std::nullopt));
  } else if (method == "beginFork") {
    result = m.beginFork(args);
  } else if (method == "beginImport") {
    result = m.beginImport(args);
  } else if (method == "renewLease") {
    RepoRecord record = m.jobRecord(args);
    s.renewLease(record);
    result = true;
  } else if (method == "complete") {
    result = m.complete(args);
  } else if (method == "abandon") {
    RepoRecord record;
    record.name = repoName(arg(args, 0));
    record.id = handleId(arg(args, 1));
    s.abandonRepo(record);
    result = true;
  } else if (method == "get") {
    const RepoRecord r = s.get(repoName(arg(args, 0)));
    result = json::object();
    result["id"] = r.id;
    result["name"] = r.name;
  } else if (method == "list") {
    result = repoListJson(s.query(repoQuery(arg(args, 0))), remoteOf);
  } else if (method == "delete") {
    result = s.remove(repoName(arg(args, 0))).has_value();
  } else if (method == "deleteRepo") {
    const auto removed = s.remove(repoName(arg(args, 0)));
    if (!removed) repoNotFound();
    result = json::object();
    result["id"] = removed->id;
  } else if (method == "info") {
    const RepoRecord r = s.handle(repoName(arg(args, 0)), handleId(arg(args, 1)));
    result = repoInfo(r, remoteOf(r.name));
  } else if (method == "handle" || method == "readyHandle") {
    const std::string name = repoName(arg(args, 0));
    const std::string id = handleId(arg(args, 1));
    const RepoRecord r = method == "handle" ? s.handle(name, id) : s.readyHandle(name, id);
    result = json::object();
    result["id"] = r.id;
    result["name"] = r.name;
  } else if (method == "recordPush") {
    s.recordPush(repoName(arg(args, 0)), handleId(arg(args, 1)));
    result = true;
  } else if (method == "noteTokenRepo") {
    s.noteTokenRepo(handleId(arg(args, 0)), repoName(arg(args, 1)));
    result = true;
  } else if (method == "tokenRepo") {
    const auto name = s.tokenRepo(handleId(arg(args, 0)));
    result = name ? json(*name) : json(nullptr);
  } else if (method == "forgetTokenRepos") {
    const json ids = arg(args, 0);
    if (!ids.is_array()) throwError(ErrorCode::InvalidInput, "token ids must be an array");
    std::vector<std::string> list;
    for (const auto& id : ids) list.push_back(handleId(id));
    s.forgetTokenRepos(list);
    result = true;
  } else if (namespaceRecordCall(s, method, args, result)) {
    // the namespace's own record
  } else if (method == "pendingReleases") {
    result = m.pendingReleases(args);
  } else if (method == "released") {
    s.released(handleId(arg(args, 0)));
    result = true;
  } else if (method == "remoteUrl") {
    const std::string name = repoName(arg(args, 0));
    requireValidRepoName(name);
    result = m.remoteOf(name);
  } else {
    throwError(ErrorCode::InvalidInput, "unknown method: " + method);
  }
  return dump(result);
}

}  // namespace oa
