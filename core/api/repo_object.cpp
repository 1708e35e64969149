// The embedding API of one repo alone (open_artifacts/repo_object.h) over
// RepoService, in the binding's JSON shapes (api/json_args.h).
#include "open_artifacts/repo_object.h"

#include <algorithm>

#include "api/git_exchange.h"
#include "api/json_api.h"
#include "api/json_args.h"
#include "artifacts/names.h"
#include "artifacts/repo_fetch.h"
#include "artifacts/repo_service.h"
#include "base/address_guard.h"
#include "base/storage_keys.h"
#include "git/store/object_store.h"
#include "git/store/ref_store.h"
#include "git/store/repo_copy.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
using namespace json_args;

constexpr int64_t kDefaultDestroyRows = 512;
constexpr int64_t kMaxDestroyRows = 10'000;

[[noreturn]] void repoNotFound() { throwError(ErrorCode::NotFound, "Repository not found"); }

// Git for the one repo the store holds: the URL must name its namespace and
// (case-insensitively, as names are unique) its name.
class SingleRepoDirectory : public RepoDirectory {
 public:
  explicit SingleRepoDirectory(RepoService& repo) : repo_(repo) {}
  void refresh() {
    identity_ = repo_.identity();
    namespace_ = identity_ ? identity_->namespaceName : "";
  }
  const std::string& namespaceName() const override { return namespace_; }
  RepoService* repoNamed(const std::string& name) override {
    if (!identity_ || !isValidRepoName(name) || repoNameKey(name) != repoNameKey(identity_->name)) return nullptr;
    return &repo_;
  }
  void recordPush(RepoService&, git::RepoContext&, const std::vector<git::RefUpdate>& updates) override {
    pushed = pushed || !updates.empty();
  }
  void recordFetch(RepoService&, bool) override {}

  bool pushed = false;

 private:
  RepoService& repo_;
  std::optional<RepoIdentity> identity_;
  std::string namespace_;
};

// A fork's copy out of this repo. Every step first checks that the store
// still holds the repo the copy began with: a delete (its identity goes
// first) or a new repo of the same name fails the fork instead of handing
// it another repo's records, or none, under the old heads.
class RecordCopyImpl : public RecordCopy {
 public:
  RecordCopyImpl(RepoService& repo, std::string repoId, bool defaultBranchOnly)
      : repo_(repo), repoId_(std::move(repoId)), source_(repo.store(), {}, defaultBranchOnly, false) {}
  bool next(Bytes& out, size_t maxObjects) override {
    checkSource();
    git::RecordBatch batch;
    const bool more = source_.next(batch, maxObjects);
    out = more ? git::encodeRecordBatch(batch) : Bytes();
    return more;
  }
  std::string headsJson() override {
    checkSource();
    const git::CopyHeads& heads = source_.heads();
    json refs = json::array();
    for (const auto& r : heads.refs) {
      json& ref = refs.emplace_back();
      ref["name"] = r.name;
      ref["id"] = r.id.hex();
    }
    json shallow = json::array();
    for (const auto& id : heads.shallow) shallow.push_back(id.hex());
    json out;
    out["headTarget"] = heads.headTarget;
    out["refs"] = std::move(refs);
    out["shallow"] = std::move(shallow);
    return dump(out);
  }
  uint64_t objectsCopied() const override { return source_.objectsCopied(); }

 private:
  void checkSource() {
    const auto self = repo_.identity();
    if (!self || self->id != repoId_) {
      throwError(ErrorCode::NotFound, "Repository was deleted while forking");
    }
  }

  RepoService& repo_;
  std::string repoId_;
  git::RepoCopySource source_;
};

git::ObjectId objectIdArg(const json& v) {
  const auto id = v.is_string() ? git::ObjectId::fromHex(v.get<std::string>()) : std::nullopt;
  if (!id) throwError(ErrorCode::InvalidInput, "heads: object ids must be 40 hex digits");
  return *id;
}

git::CopyHeads headsArg(const json& v) {
  if (!v.is_object()) throwError(ErrorCode::InvalidInput, "heads must be an object");
  git::CopyHeads heads;
  const json head = field(v, "headTarget");
  if (!head.is_string() || head.get<std::string>().rfind("refs/heads/", 0) != 0 ||
      !isValidBranchName(head.get<std::string>().substr(11))) {
    throwError(ErrorCode::InvalidInput, "heads.headTarget must name a branch");
  }
  heads.headTarget = head.get<std::string>();
  const json refs = field(v, "refs");
  const json shallow = field(v, "shallow");
  if (!refs.is_array() || !shallow.is_array()) throwError(ErrorCode::InvalidInput, "heads.refs and heads.shallow must be arrays");
  for (const auto& r : refs) {
    const json name = field(r, "name");
    if (!name.is_string() || name.get<std::string>().rfind("refs/", 0) != 0) {
      throwError(ErrorCode::InvalidInput, "heads.refs: names must be full ref names");
    }
    heads.refs.push_back(git::Ref{name.get<std::string>(), objectIdArg(field(r, "id"))});
  }
  for (const auto& id : shallow) heads.shallow.push_back(objectIdArg(id));
  return heads;
}

// An import into a repo object: the fetch, then {defaultBranch}.
class RepoImportRun : public ImportRun {
 public:
  RepoImportRun(RepoService& repo, const FetchSource& source, std::string fallbackBranch)
      : host_(urlHost(source.url)), fallback_(std::move(fallbackBranch)), fetch_(repo, source) {}
  std::optional<OutgoingRequest> nextRequest() override {
    if (done_) return std::nullopt;
    auto request = fetch_.nextRequest();
    if (!request) {
      branch_ = fetch_.finish(fallback_);
      done_ = true;
      return std::nullopt;
    }
    return OutgoingRequest{request->method, request->url, request->headers, std::move(request->body)};
  }
  void beginResponse(int status, const std::string& contentType) override { fetch_.beginResponse(status, contentType); }
  void write(const uint8_t* data, size_t n) override { fetch_.write(data, n); }
  bool pump() override { return fetch_.pump(); }
  void endResponse() override { fetch_.endResponse(); }
  void failUnreachable(const std::string& reason) override {
    throwError(ErrorCode::UpstreamUnavailable, "Could not reach the remote: " + reason);
  }
  void refuseAddress() override { throw nonPublicHostError(host_); }
  ImportStatus progress() const override {
    static const char* const kPhases[] = {"refs", "receiving", "done"};
    const auto& p = fetch_.progress();
    return ImportStatus{kPhases[static_cast<int>(p.phase)], p.bytesReceived, p.objectsReceived, p.objectsTotal};
  }
  std::string resultJson() override {
    if (!done_) throwError(ErrorCode::InternalError, "import is not finished");
    json out;
    out["defaultBranch"] = branch_;
    return dump(out);
  }

 private:
  std::string host_;
  std::string fallback_;
  RepoFetch fetch_;
  bool done_ = false;
  std::string branch_;
};
}  // namespace

struct RepoObject::Impl {
  Impl(const std::string& limitsJson, KvStore& store, Host& host)
      : raw(store), host(host), repo(store, host, ingestLimitsFor(parseStorageLimits(limitsJson))), directory(repo) {}

  // The identity of the repo a call names by id: NOT_FOUND for another repo's store (or none).
  RepoIdentity handle(const json& id) {
    const std::string repoId = handleId(id);
    auto self = repo.identity();
    if (!self || self->id != repoId) repoNotFound();
    return *self;
  }
  RepoIdentity readyHandle(const json& id) {
    RepoIdentity self = handle(id);
    if (self.status != RepoStatus::Ready) throw notReadyError(self.status, self.name);
    return self;
  }
  void requireStatus(const RepoIdentity& self, RepoStatus status) {
    if (self.status != status) {
      throwError(ErrorCode::InvalidInput, std::string("repository is ") + repoStatusName(self.status) + ", not " +
                                              repoStatusName(status));
    }
  }
  template <typename F>
  auto withReads(const json& id, F&& f) {
    handle(id);
    const auto context = repo.openContext();
    ContentReads reads(*context);
    return f(reads);
  }

  json initialize(const json& args) {
    const RepoIdentity identity = identityArg(arg(args, 0));
    const json branch = arg(args, 1);
    if (!branch.is_string() || !isValidBranchName(branch.get<std::string>())) {
      throwError(ErrorCode::InvalidInput, "Artifacts default branch is invalid", "/default_branch");
    }
    if (!raw.scan("", "", 1).empty()) {
      throwError(ErrorCode::InvalidInput, "the repository store is not empty: destroy what it holds first");
    }
    const MintedToken token = repo.initialize(identity, branch.get<std::string>());
    json out;
    out["token"] = token.plaintext;
    out["tokenId"] = token.record.id;
    return out;
  }

  json destroy(const json& args) {
    const json id = arg(args, 0);
    const int64_t maxRows = std::clamp<int64_t>(integerArg(arg(args, 1)).value_or(kDefaultDestroyRows), 1, kMaxDestroyRows);
    if (!absent(id)) {
      const auto self = repo.identity();
      if (self && self->id != handleId(id)) return true;  // another repo's store now
    }
    if (raw.get(keys::kIdentityKey)) {
      WriteBatch first;  // git and handles are refused from here on
      first.remove(keys::kIdentityKey);
      raw.commit(first);
    }
    const auto rows = raw.scan("", "", static_cast<size_t>(maxRows));
    if (!rows.empty()) {
      WriteBatch batch;
      for (const auto& row : rows) batch.remove(row.key);
      raw.commit(batch);
    }
    return raw.scan("", "", 1).empty();
  }

  KvStore& raw;
  Host& host;
  RepoService repo;
  SingleRepoDirectory directory;
};

RepoObject::RepoObject(const std::string& limitsJson, KvStore& store, Host& host)
    : impl_(std::make_unique<Impl>(limitsJson, store, host)) {}

RepoObject::~RepoObject() = default;

std::string RepoObject::call(const std::string& method, const std::string& argsJson) {
  const json args = parseArgs(argsJson);
  Impl& m = *impl_;
  RepoService& repo = m.repo;
  json result;
  if (method == "initialize") {
    result = m.initialize(args);
  } else if (method == "identity") {
    const auto self = repo.identity();
    result = self ? identityJson(*self) : json(nullptr);
  } else if (method == "markReady") {
    m.handle(arg(args, 0));
    repo.markReady();
    result = true;
  } else if (method == "destroy") {
    result = m.destroy(args);
  } else if (method == "finishCopy") {
    const git::CopyHeads heads = headsArg(arg(args, 1));
    m.requireStatus(m.handle(arg(args, 0)), RepoStatus::Forking);
    // Every head must have arrived: a copy cut short never becomes a repo.
    git::ObjectStore objects(repo.store(), 0);
    for (const auto& r : heads.refs) {
      if (!objects.existsInStorage(r.id)) throwError(ErrorCode::InternalError, "fork incomplete: " + r.id.hex() + " did not arrive");
    }
    git::RepoCopyTarget(repo.store()).finish(heads);
    result = true;
  } else if (method == "createToken") {
    const TokenRequest t = tokenRequest(arg(args, 1), arg(args, 2));
    m.handle(arg(args, 0));
    result = mintedTokenJson(repo.createToken(t.scope, t.ttlSeconds));
  } else if (method == "listTokens") {
    m.handle(arg(args, 0));
    result = tokenListJson(repo.listAllTokens(), arg(args, 1), m.host.nowMs());
  } else if (method == "revokeToken") {
    const std::string target = tokenOrId(arg(args, 1));
    m.handle(arg(args, 0));
    result = repo.revokeToken(target).has_value();
  } else if (method == "revokeTokenById") {
    const std::string tokenId = handleId(arg(args, 0));
    result = repo.findToken(tokenId) ? json(repo.revokeToken(tokenId).has_value()) : json(nullptr);
  } else if (method == "tokenIds") {
    result = json::array();
    for (const auto& t : repo.listAllTokens()) result.push_back(t.id);
  } else if (method == "readTree") {
    const git::ObjectId hash = hashOf(arg(args, 1));
    result = treeJson(m.withReads(arg(args, 0), [&](ContentReads& r) { return r.readTree(hash); }));
  } else if (method == "readCommit") {
    const git::ObjectId hash = hashOf(arg(args, 1));
    const auto commit = m.withReads(arg(args, 0), [&](ContentReads& r) { return r.readCommit(hash); });
    result = commit ? commitJson(*commit) : json(nullptr);
  } else if (method == "log") {
    const LogOptions options = logOptions(arg(args, 1));
    result = logJson(m.withReads(arg(args, 0), [&](ContentReads& r) { return r.log(options); }));
  } else {
    throwError(ErrorCode::InvalidInput, "unknown method: " + method);
  }
  return dump(result);
}

std::string RepoObject::commit(const std::string& argsJson, std::vector<std::optional<Bytes>> contents) {
  const CommitLimits limits = commitLimitsFor(impl_->repo.ingestLimits());
  json args = parseArgs(argsJson, maxCommitArgumentBytes(limits));
  const json id = arg(args, 0);
  CommitRequest request = commitRequest(args, 1, contents);
  args = json();  // the contents are in `request` now
  checkCommitRequest(request, limits);
  impl_->readyHandle(id);
  const CommitOutcome outcome = impl_->repo.commit(request);
  impl_->directory.pushed = true;
  return dump(commitResult(outcome));
}

std::optional<BlobAnswer> RepoObject::readBytes(const std::string& method, const std::string& argsJson) {
  const json args = parseArgs(argsJson);
  std::optional<ContentBlob> blob;
  if (method == "readBlob") {
    const git::ObjectId hash = hashOf(arg(args, 1));
    blob = impl_->withReads(arg(args, 0), [&](ContentReads& r) { return r.readBlob(hash); });
  } else if (method == "readFile") {
    const auto [ref, path] = fileArgs(arg(args, 1));
    blob = impl_->withReads(arg(args, 0), [&, &ref = ref, &path = path](ContentReads& r) { return r.readFile(ref, path); });
  } else {
    throwError(ErrorCode::InvalidInput, "unknown method: " + method);
  }
  if (!blob) return std::nullopt;
  return BlobAnswer{blob->type, blob->bytes};
}

std::unique_ptr<GitExchange> RepoObject::openGit(const std::string& requestJson) {
  impl_->directory.refresh();
  return std::make_unique<GitSessionExchange>(impl_->directory, requestJson);
}

bool RepoObject::takePushed() {
  const bool pushed = impl_->directory.pushed;
  impl_->directory.pushed = false;
  return pushed;
}

std::unique_ptr<RecordCopy> RepoObject::copyOut(const std::string& argsJson) {
  const json args = parseArgs(argsJson);
  const json opts = optionsBag(arg(args, 1), "options");
  const json branchOnly = field(opts, "defaultBranchOnly");
  const RepoIdentity self = impl_->readyHandle(arg(args, 0));
  return std::make_unique<RecordCopyImpl>(impl_->repo, self.id, branchOnly != false);
}

void RepoObject::copyIn(const std::string& repoId, const uint8_t* data, size_t n) {
  const git::RecordBatch batch = git::decodeRecordBatch(data, n);
  impl_->requireStatus(impl_->handle(json(repoId)), RepoStatus::Forking);
  git::RepoCopyTarget(impl_->repo.store()).apply(batch);
}

std::unique_ptr<ImportRun> RepoObject::importInto(const std::string& argsJson, bool allowHttp, bool allowPrivate) {
  const json args = parseArgs(argsJson);
  const json source = arg(args, 1);
  if (!source.is_object()) throwError(ErrorCode::InvalidInput, "source must be an object", "/source");
  const FetchSource from = fetchSource(source);
  checkImportSource(from, allowHttp, allowPrivate);
  impl_->requireStatus(impl_->handle(arg(args, 0)), RepoStatus::Importing);
  std::string fallback = git::RefStore(impl_->repo.store()).headTarget();
  fallback = fallback.rfind("refs/heads/", 0) == 0 ? fallback.substr(11) : "main";
  return std::make_unique<RepoImportRun>(impl_->repo, from, fallback);
}

}  // namespace oa
