#include "api/json_args.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "artifacts/json_io.h"
#include "base/base64.h"
#include "base/time_format.h"
#include "open_artifacts/errors.h"

namespace oa::json_args {

namespace {
// The REST token list's page size (spec §4.4).
constexpr int64_t kDefaultTokenPageSize = 30;
constexpr int64_t kMaxTokenPageSize = 100;

json optionalTime(const std::optional<int64_t>& ms) { return ms ? json(formatIsoTimestamp(*ms)) : json(nullptr); }
json optionalText(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json tokenInfo(const TokenRecord& t, int64_t nowMs) {
  json out;
  out["id"] = t.id;
  out["scope"] = tokenScopeName(t.scope);
  out["state"] = tokenStateName(t.stateAt(nowMs));
  out["createdAt"] = formatIsoTimestamp(t.createdAtMs);
  out["expiresAt"] = formatIsoTimestamp(t.expiresAtMs);
  return out;
}

// The same without a copy (file contents can be large): a null when absent.
const json& fieldRef(const json& bag, const char* key) {
  static const json kNull;
  const auto it = bag.find(key);
  return it == bag.end() ? kNull : *it;
}

// A hash argument: absent means empty ("hash required"); any other non-string is malformed.
std::string hashArg(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (absent(v)) return "";
  throwError(ErrorCode::InvalidInput, kMalformedHashMessage, "/hash");
}

std::string refOrPathArg(const json& bag, const char* key) {
  const json v = field(bag, key);
  if (absent(v)) return "";
  if (!v.is_string()) throwError(ErrorCode::InvalidInput, std::string("Invalid ") + key + ": must be a string.", std::string("/") + key);
  return v.get<std::string>();
}



[[noreturn]] void invalidField(const std::string& message, const std::string& pointer) {
  throwError(ErrorCode::InvalidInput, message, pointer);
}

// A field misspelt would be ignored, and an ignored `expectedHead` is a
// compare-and-swap silently not done: unknown fields are refused.
void onlyFields(const json& bag, std::initializer_list<const char*> known, const std::string& at) {
  for (const auto& item : bag.items()) {
    bool ok = false;
    for (const char* k : known) ok |= item.key() == k;
    if (!ok) invalidField("unknown field " + item.key(), at + "/" + item.key());
  }
}

std::optional<std::string> optionalString(const json& bag, const char* key, const std::string& at) {
  const json v = field(bag, key);
  if (absent(v)) return std::nullopt;
  if (!v.is_string()) invalidField(std::string(key) + " must be a string", at + "/" + key);
  return v.get<std::string>();
}

std::optional<bool> optionalBool(const json& bag, const char* key, const std::string& at) {
  const json v = field(bag, key);
  if (absent(v)) return std::nullopt;
  if (!v.is_boolean()) invalidField(std::string(key) + " must be a boolean", at + "/" + key);
  return v.get<bool>();
}

std::optional<int64_t> optionalInteger(const json& bag, const char* key, const std::string& at) {
  const json v = field(bag, key);
  if (absent(v)) return std::nullopt;
  const auto n = integerArg(v);
  if (!n) invalidField(std::string(key) + " must be an integer", at + "/" + key);
  return n;
}

std::optional<CommitIdentity> commitIdentityArg(const json& bag, const char* key) {
  const std::string at = std::string("/") + key;
  const json v = field(bag, key);
  if (absent(v)) return std::nullopt;
  if (!v.is_object()) invalidField(std::string(key) + " must be an object {name, email, date?, timezoneOffset?}", at);
  onlyFields(v, {"name", "email", "date", "timezoneOffset"}, at);
  CommitIdentity who;
  who.name = optionalString(v, "name", at).value_or("");
  who.email = optionalString(v, "email", at).value_or("");
  who.date = optionalInteger(v, "date", at);
  if (const auto offset = optionalInteger(v, "timezoneOffset", at)) {
    // Out of int32 range is out of the rule's range too: keep it out.
    who.timezoneOffset = static_cast<int32_t>(std::max<int64_t>(INT32_MIN, std::min<int64_t>(INT32_MAX, *offset)));
  }
  return who;
}

FileChange fileArg(json& v, size_t i, std::optional<Bytes> attached) {
  const std::string at = "/files/" + std::to_string(i);
  if (!v.is_object()) invalidField("each file must be an object {path, content?, encoding?, executable?, delete?}", at);
  onlyFields(v, {"path", "content", "encoding", "executable", "delete"}, at);
  FileChange file;
  file.path = optionalString(v, "path", at).value_or("");
  file.executable = optionalBool(v, "executable", at);
  const json& content = fieldRef(v, "content");
  const auto encoding = optionalString(v, "encoding", at);
  if (optionalBool(v, "delete", at).value_or(false)) {
    if (!absent(content) || attached) invalidField("a deleted file takes no content", at + "/content");
    if (encoding) invalidField("a deleted file takes no encoding", at + "/encoding");
    return file;
  }
  if (attached) {
    if (!absent(content)) invalidField("content is given twice (as text and as bytes)", at + "/content");
    if (encoding) invalidField("encoding applies to text content only", at + "/encoding");
    file.content = std::move(attached);
    return file;
  }
  if (!content.is_string()) {
    invalidField(absent(content) ? "content is required (or delete: true)" : "content must be a string or bytes",
                 at + "/content");
  }
  // Moved out: each file's text is freed once it is bytes, not with the whole document.
  const std::string text = std::move(v.at("content").get_ref<std::string&>());
  if (!encoding || *encoding == "utf-8") {
    file.content = stringToBytes(text);
  } else if (*encoding == "base64") {
    file.content = decodeBase64(text);
    if (!file.content) invalidField("content is not valid base64", at + "/content");
  } else {
    invalidField("encoding must be \"utf-8\" or \"base64\"", at + "/encoding");
  }
  return file;
}

}  // namespace

const json& arg(const json& args, size_t i) {
  static const json kNull;
  return i < args.size() ? args[i] : kNull;
}

json optionsBag(const json& v, const char* what) {
  if (absent(v)) return json::object();
  if (!v.is_object()) throwError(ErrorCode::InvalidInput, std::string(what) + " must be an object");
  return v;
}

json field(const json& bag, const char* key) { return bag.contains(key) ? bag.at(key) : json(); }

std::string repoName(const json& v) {
  if (!v.is_string()) throwError(ErrorCode::InvalidRepoName, "Invalid repo name: name is required", "/name");
  return v.get<std::string>();
}

std::string handleId(const json& v) {
  if (!v.is_string()) throwError(ErrorCode::InvalidInput, "invalid repository handle");
  return v.get<std::string>();
}

// An integral JSON number, saturated to int64 (1e300 is an integer, and a huge
// limit is capped rather than rejected); nullopt for anything else.
std::optional<int64_t> integerArg(const json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_number_float()) return std::nullopt;
  const double d = v.get<double>();
  if (!std::isfinite(d) || d != std::floor(d)) return std::nullopt;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

// Description and readOnly, as create(), fork() and import() take them.
void repoOptions(const json& opts, std::optional<std::string>& description, bool& readOnly) {
  const json descriptionArg = field(opts, "description");
  if (!absent(descriptionArg)) {
    if (!descriptionArg.is_string()) throwError(ErrorCode::InvalidInput, "description must be a string", "/description");
    description = descriptionArg.get<std::string>();
  }
  const json readOnlyArg = field(opts, "readOnly");
  if (!absent(readOnlyArg)) {
    if (!readOnlyArg.is_boolean()) throwError(ErrorCode::InvalidInput, "readOnly must be a boolean", "/read_only");
    readOnly = readOnlyArg.get<bool>();
  }
}

LogOptions logOptions(const json& v) {
  const json opts = optionsBag(v, "log options");
  LogOptions o;
  const json ref = field(opts, "ref");
  if (!absent(ref)) {
    if (!ref.is_string()) throwError(ErrorCode::InvalidInput, "Invalid ref: must be a string.", "/ref");
    o.ref = ref.get<std::string>();
  }
  const json limit = field(opts, "limit");
  if (!absent(limit)) {
    const auto n = integerArg(limit);
    if (!n) throwError(ErrorCode::InvalidInput, "Invalid limit: must be a positive integer.", "/limit");
    o.limit = *n;
  }
  const json offset = field(opts, "offset");
  if (!absent(offset)) {
    const auto n = integerArg(offset);
    if (!n) throwError(ErrorCode::InvalidInput, "Invalid offset: must be a non-negative integer.", "/offset");
    o.offset = *n;
  }
  return ContentReads::checkedLogOptions(o);
}

// Takes the file contents out of `args`.
CommitRequest commitRequest(json& args, size_t at, std::vector<std::optional<Bytes>>& contents) {
  if (args.size() <= at || !args[at].is_object()) {
    invalidField("commit arguments must be an object {branch?, message, files, ...}", "");
  }
  json& bag = args[at];
  onlyFields(bag, {"branch", "expectedHead", "message", "author", "committer", "allowEmpty", "files"}, "");
  CommitRequest request;
  request.branch = optionalString(bag, "branch", "");
  request.expectedHead = optionalString(bag, "expectedHead", "");
  request.message = optionalString(bag, "message", "").value_or("");
  request.author = commitIdentityArg(bag, "author");
  request.committer = commitIdentityArg(bag, "committer");
  request.allowEmpty = optionalBool(bag, "allowEmpty", "").value_or(false);
  if (!bag.contains("files") || !bag["files"].is_array()) invalidField("files must be an array", "/files");
  json& files = bag["files"];
  for (size_t i = files.size(); i < contents.size(); ++i) {
    if (contents[i]) invalidField("bytes were given for a file that is not in files", "/files");
  }
  request.files.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    std::optional<Bytes> attached = i < contents.size() ? std::move(contents[i]) : std::nullopt;
    request.files.push_back(fileArg(files[i], i, std::move(attached)));
  }
  return request;
}

json commitResult(const CommitOutcome& outcome) {
  json parents = json::array();
  for (const auto& p : outcome.parents) parents.push_back(p.hex());
  const std::string& ref = outcome.update.ref;
  json out;
  out["commit"] = outcome.update.after.hex();
  out["tree"] = outcome.tree.hex();
  out["parents"] = std::move(parents);
  out["ref"] = ref;
  out["branch"] = ref.substr(std::string("refs/heads/").size());
  out["previous"] = outcome.update.before.isZero() ? json(nullptr) : json(outcome.update.before.hex());
  return out;
}

json parseArgs(const std::string& argsJson, uint64_t maxBytes) {
  if (argsJson.size() > maxBytes) throwError(ErrorCode::InvalidInput, "arguments too large");
  json args = parseJson(argsJson, /*allowExceptions=*/false);
  if (!args.is_array()) throwError(ErrorCode::InvalidInput, "arguments must be a JSON array");
  return args;
}
// ArtifactsRepoInfo (spec §2.2).
json repoInfo(const RepoRecord& r, const std::string& remote) {
  json out;
  out["id"] = r.id;
  out["name"] = r.name;
  out["description"] = optionalText(r.description);
  out["defaultBranch"] = r.defaultBranch;
  out["createdAt"] = formatIsoTimestamp(r.createdAtMs);
  out["updatedAt"] = formatIsoTimestamp(r.updatedAtMs);
  out["lastPushAt"] = optionalTime(r.lastPushAtMs);
  out["source"] = optionalText(r.source);
  out["readOnly"] = r.readOnly;
  out["remote"] = remote;
  return out;
}

json commitJson(const CommitMetadata& c) {
  json out;
  out["hash"] = c.hash;
  out["treeHash"] = c.treeHash;
  out["message"] = c.message;
  out["author"]["name"] = c.author.name;
  out["author"]["email"] = c.author.email;
  out["committer"]["name"] = c.committer.name;
  out["committer"]["email"] = c.committer.email;
  out["parents"] = c.parents;
  out["authoredAt"] = c.authoredAt;
  out["committedAt"] = c.committedAt;
  return out;
}


CreateRepoOptions createOptions(const json& v) {
  const json opts = optionsBag(v, "options");
  CreateRepoOptions o;
  repoOptions(opts, o.description, o.readOnly);
  const json branch = field(opts, "setDefaultBranch");
  if (!absent(branch)) {
    if (!branch.is_string()) throwError(ErrorCode::InvalidInput, "Artifacts default branch is invalid", "/default_branch");
    o.defaultBranch = branch.get<std::string>();
  }
  return o;
}

// The REST validator's messages for the REST listing's options.
RepoQuery repoQuery(const json& v) {
  const json opts = optionsBag(v, "options");
  RepoQuery q;
  const json limitArg = field(opts, "limit");
  if (!absent(limitArg)) {
    const auto n = integerArg(limitArg);
    if (!n || *n < kMinListLimit || *n > kMaxListLimit) {
      throwError(ErrorCode::InvalidInput, "Invalid limit: must be between 1 and 200.", "/limit");
    }
    q.limit = static_cast<int>(*n);
  }
  const json cursorArg = field(opts, "cursor");
  if (!absent(cursorArg)) {
    if (!cursorArg.is_string()) throwError(ErrorCode::InvalidInput, "Invalid cursor", "/cursor");
    q.cursor = cursorArg.get<std::string>();
  }
  const json searchArg = field(opts, "search");
  if (!absent(searchArg)) {
    if (!searchArg.is_string() || searchArg.get<std::string>().size() > kMaxSearchLength) {
      throwError(ErrorCode::InvalidInput, "search must be a string of at most 256 characters", "/search");
    }
    if (!searchArg.get<std::string>().empty()) q.search = searchArg.get<std::string>();
  }
  const json sortArg = field(opts, "sort");
  if (!absent(sortArg)) {
    const auto sort = sortArg.is_string() ? parseRepoSort(sortArg.get<std::string>()) : std::nullopt;
    if (!sort) {
      throwError(ErrorCode::InvalidInput,
                 "Invalid option: expected one of \"created_at\"|\"updated_at\"|\"last_push_at\"|\"name\"", "/sort");
    }
    q.sort = *sort;
  }
  const json directionArg = field(opts, "direction");
  if (!absent(directionArg)) {
    if (directionArg != "asc" && directionArg != "desc") {
      throwError(ErrorCode::InvalidInput, "Invalid option: expected one of \"asc\"|\"desc\"", "/direction");
    }
    q.ascending = directionArg == "asc";
  }
  return q;
}

FetchSource fetchSource(const json& source) {
  FetchSource out;
  const json url = field(source, "url");
  if (!url.is_string()) {
    throwError(ErrorCode::InvalidInput,
               "Invalid input: expected string, received " + std::string(absent(url) ? "undefined" : url.type_name()),
               "/url");
  }
  out.url = url.get<std::string>();
  const json branch = field(source, "branch");
  if (!absent(branch)) {
    if (!branch.is_string()) throwError(ErrorCode::InvalidInput, "branch must be a string", "/branch");
    out.branch = branch.get<std::string>();
  }
  const json depth = field(source, "depth");
  if (!absent(depth)) {
    const auto n = integerArg(depth);
    if (!n || *n < 1 || *n > (1 << 30)) throwError(ErrorCode::InvalidInput, "depth must be a positive integer", "/depth");
    out.depth = static_cast<int>(*n);
  }
  return out;
}

ForkOptions forkOptions(const json& v) {
  const json opts = optionsBag(v, "options");
  ForkOptions o;
  repoOptions(opts, o.description, o.readOnly);
  const json branchOnly = field(opts, "defaultBranchOnly");
  if (!absent(branchOnly)) {
    if (!branchOnly.is_boolean()) {
      throwError(ErrorCode::InvalidInput, "defaultBranchOnly must be a boolean", "/default_branch_only");
    }
    o.defaultBranchOnly = branchOnly.get<bool>();
  }
  return o;
}

Jurisdiction jurisdictionOption(const json& v) {
  const json opts = optionsBag(v, "options");
  const json j = field(opts, "jurisdiction");
  if (absent(j)) return Jurisdiction::Unrestricted;
  const auto parsed = j.is_string() ? parseJurisdiction(j.get<std::string>()) : std::nullopt;
  if (!parsed) throwError(ErrorCode::InvalidInput, "Invalid option: expected one of \"eu\"|\"us\"", "/jurisdiction");
  return *parsed;
}

TokenRequest tokenRequest(const json& scopeArg, const json& ttlArg) {
  TokenRequest out{TokenScope::Write, kDefaultTokenTtlSeconds};
  if (!absent(scopeArg)) {
    if (scopeArg == "read") out.scope = TokenScope::Read;
    else if (scopeArg != "write") throwError(ErrorCode::InvalidInput, "Artifacts token scope must be read or write", "/scope");
  }
  if (!absent(ttlArg)) {
    const auto n = integerArg(ttlArg);
    if (!n) throwError(ErrorCode::InvalidTtl, "ttl must be between 60 and 31536000 seconds", "/ttl");
    out.ttlSeconds = *n;
  }
  return out;
}

std::string tokenOrId(const json& v) {
  if (!v.is_string() || v.get<std::string>().empty()) throwError(ErrorCode::InvalidInput, "Token or token id required");
  return v.get<std::string>();
}

git::ObjectId hashOf(const json& v) { return ContentReads::parseHash(hashArg(v)); }

std::pair<std::string, std::string> fileArgs(const json& v) {
  const json bag = optionsBag(v, "readFile arguments");
  std::string ref = refOrPathArg(bag, "ref");
  std::string path = refOrPathArg(bag, "path");
  ContentReads::checkFileArgs(ref, path);
  return {std::move(ref), std::move(path)};
}

uint64_t maxCommitArgumentBytes(const CommitLimits& limits) {
  return kMaxArgumentBytes + 2 * std::min<uint64_t>(limits.maxTotalBytes, UINT32_MAX);
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json repoListJson(const RepoListPage& page, const std::function<std::string(const std::string&)>& remoteOf) {
  json repos = json::array();
  for (const auto& r : page.repos) {
    json item = repoInfo(r, remoteOf(r.name));
    item["status"] = repoStatusName(r.status);
    repos.push_back(std::move(item));
  }
  json out;
  out["repos"] = std::move(repos);
  out["total"] = page.total;
  if (page.cursor) out["cursor"] = *page.cursor;
  return out;
}

json createdRepoJson(const RepoRecord& r, const std::string& remote, const std::string& token) {
  json out;
  out["id"] = r.id;
  out["name"] = r.name;
  out["description"] = optionalText(r.description);
  out["defaultBranch"] = r.defaultBranch;
  out["remote"] = remote;
  out["token"] = token;
  return out;
}

json namespaceJson(const NamespaceInfo& n) {
  json out;
  out["namespace"] = n.name;
  out["jurisdiction"] = jurisdictionName(n.record.jurisdiction);
  out["repoCount"] = n.repoCount;
  out["createdAt"] = formatIsoTimestamp(n.record.createdAtMs);
  out["updatedAt"] = formatIsoTimestamp(n.record.updatedAtMs);
  return out;
}

bool namespaceRecordCall(NamespaceService& s, const std::string& method, const json& args, json& result) {
  if (method == "namespaceInfo") {
    result = namespaceJson(s.info());
  } else if (method == "createNamespace") {
    result = namespaceJson(s.createNamespace(jurisdictionOption(arg(args, 0))));
  } else if (method == "deleteNamespace") {
    s.deleteNamespace();
    result = true;
  } else {
    return false;
  }
  return true;
}

json mintedTokenJson(const MintedToken& t) {
  json out;
  out["id"] = t.record.id;
  out["plaintext"] = t.plaintext;
  out["scope"] = tokenScopeName(t.record.scope);
  out["expiresAt"] = formatIsoTimestamp(t.record.expiresAtMs);
  return out;
}

json tokenListJson(const std::vector<TokenRecord>& allTokens, const json& opts, int64_t now) {
  std::optional<TokenState> state = TokenState::Active;  // nullopt: every state
  int64_t perPage = INT64_MAX;
  int64_t page = 1;
  if (!absent(opts)) {
    const json bag = optionsBag(opts, "options");
    const json stateArg = field(bag, "state");
    if (!absent(stateArg)) {
      if (stateArg == "all") state.reset();
      else if (stateArg == "active") state = TokenState::Active;
      else if (stateArg == "expired") state = TokenState::Expired;
      else if (stateArg == "revoked") state = TokenState::Revoked;
      else throwError(ErrorCode::InvalidInput, "Invalid option: expected one of \"active\"|\"expired\"|\"revoked\"|\"all\"", "/state");
    }
    // The REST validator's messages, pointing at the query parameter.
    auto paging = [&](const char* key, const char* pointer, int64_t fallback, int64_t max) {
      const json v = field(bag, key);
      if (absent(v)) return fallback;
      const auto n = integerArg(v);
      if (!n || *n < 1) throwError(ErrorCode::InvalidInput, "Too small: expected number to be >0", pointer);
      if (*n > max) throwError(ErrorCode::InvalidInput, "Too big: expected number to be <=" + std::to_string(max), pointer);
      return *n;
    };
    perPage = paging("perPage", "/per_page", kDefaultTokenPageSize, kMaxTokenPageSize);
    page = paging("page", "/page", 1, 1'000'000);
  }
  json items = json::array();
  uint64_t total = 0;
  for (const auto& t : allTokens) {
    if (state && t.stateAt(now) != *state) continue;
    const int64_t index = static_cast<int64_t>(total++);
    if (index / perPage == page - 1) items.push_back(tokenInfo(t, now));
  }
  json out;
  out["tokens"] = std::move(items);
  out["total"] = total;
  return out;
}

json treeJson(const std::optional<std::vector<ContentTreeEntry>>& entries) {
  if (!entries) return nullptr;
  json out = json::array();
  for (const auto& e : *entries) {
    json& entry = out.emplace_back();
    entry["name"] = e.name;
    entry["mode"] = e.mode;
    entry["hash"] = e.hash;
    entry["type"] = e.type;
  }
  return out;
}

json logJson(const std::vector<CommitMetadata>& commits) {
  json out = json::array();
  for (const auto& c : commits) out.push_back(commitJson(c));
  return out;
}

json identityJson(const RepoIdentity& identity) {
  json out;
  out["namespace"] = identity.namespaceName;
  out["id"] = identity.id;
  out["name"] = identity.name;
  out["readOnly"] = identity.readOnly;
  out["status"] = repoStatusName(identity.status);
  return out;
}

RepoStatus statusArg(const json& v) {
  for (RepoStatus s : {RepoStatus::Creating, RepoStatus::Importing, RepoStatus::Forking, RepoStatus::Ready}) {
    if (v == repoStatusName(s)) return s;
  }
  throwError(ErrorCode::InvalidInput, "status must be creating, importing, forking or ready");
}

RepoIdentity identityArg(const json& v) {
  if (!v.is_object()) throwError(ErrorCode::InvalidInput, "identity must be an object");
  auto text = [&](const char* key) {
    const json f = field(v, key);
    if (!f.is_string()) throwError(ErrorCode::InvalidInput, std::string("identity.") + key + " must be a string");
    return f.get<std::string>();
  };
  RepoIdentity out;
  out.namespaceName = text("namespace");
  out.id = text("id");
  out.name = text("name");
  const json readOnly = field(v, "readOnly");
  if (!readOnly.is_boolean()) throwError(ErrorCode::InvalidInput, "identity.readOnly must be a boolean");
  out.readOnly = readOnly.get<bool>();
  out.status = statusArg(field(v, "status"));
  return out;
}

}  // namespace oa::json_args
