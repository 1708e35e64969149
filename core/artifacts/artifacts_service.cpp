#include "artifacts/artifacts_service.h"

#include <algorithm>

#include "artifacts/names.h"
#include "artifacts/repo_store.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
// Runs a namespace call that may reclaim a lapsed job's record, then releases
// what it queued, whether the call returned or threw (NOT_FOUND after a reclaim).
template <typename F>
auto thenRelease(ArtifactsService& service, F&& f) -> decltype(f()) {
  try {
    auto result = f();
    service.releaseRemoved();
    return result;
  } catch (...) {
    service.releaseRemoved();
    throw;
  }
}
}  // namespace

ArtifactsService::ArtifactsService(NamespaceConfig config, KvStore& registryStore, RepoStorageProvider& repos,
                                   Host& host)
    : namespace_(std::move(config), registryStore, host), repos_(repos), host_(host) {}

git::IngestLimits ArtifactsService::ingestLimits() const { return ingestLimitsFor(config().limits); }

ChunkedStore& ArtifactsService::chunkedStore(const std::string& repoId) {
  auto& slot = stores_[repoId];
  if (!slot) slot = std::make_unique<ChunkedStore>(repos_.openRepo(repoId));
  return *slot;
}

RepoService& ArtifactsService::repo(const std::string& repoId) {
  auto& slot = services_[repoId];
  if (!slot) {
    auto alternates = [this, repoId] {
      const auto chain = alternatesOf(repoId);
      return std::vector<KvStore*>(chain.begin(), chain.end());
    };
    slot = std::make_unique<RepoService>(repos_.openRepo(repoId), host_, ingestLimits(), alternates);
  }
  return *slot;
}

// ---- Crossing the two halves. Order matters for crashes: a record is
// registered (not ready, under a lease) before its store is written, the
// store is marked ready before the record, and a removal queues the store's
// release in the same registry batch, so every crash leaves either a record
// that lapses or a release that a later call finishes.

PendingRepo ArtifactsService::beginRepo(const std::string& name, const CreateRepoOptions& options, RepoStatus status,
                                        std::optional<std::string> source) {
  releaseRemoved();
  RepoRecord record = namespace_.beginRepo(name, options, status, std::move(source));
  PendingRepo out;
  try {
    const RepoIdentity identity{config().name, record.id, record.name, record.readOnly, record.status};
    MintedToken token = repo(record.id).initialize(identity, record.defaultBranch);
    namespace_.noteTokenRepo(token.record.id, record.name);
    out.token = std::move(token.plaintext);
    out.initialToken = std::move(token.record);
  } catch (...) {
    abandonRepo(record);
    throw;
  }
  out.record = record;
  return out;
}

void ArtifactsService::keepAlive(RepoRecord& record) { namespace_.renewLease(record); }

void ArtifactsService::completeRepo(RepoRecord& record) {
  if (!namespace_.stillRegistered(record)) throwError(ErrorCode::NotFound, "Repository not found");
  repo(record.id).markReady();
  namespace_.completeRepo(record);
}

void ArtifactsService::abandonRepo(const RepoRecord& record) {
  namespace_.abandonRepo(record);
  releaseRemoved();
}

void ArtifactsService::releaseRemoved() {
  while (namespace_.mayHaveReleases()) {
    for (const auto& release : namespace_.pendingReleases(64)) {
      releaseStorage(release.repoId);
      namespace_.released(release.repoId);
    }
  }
}

void ArtifactsService::releaseStorage(const std::string& repoId) {
  // The removed repo's tokens died with its name: their hints go first.
  std::vector<std::string> tokenIds;
  for (const auto& t : repo(repoId).listAllTokens()) tokenIds.push_back(t.id);
  namespace_.forgetTokenRepos(tokenIds);
  std::optional<std::string> lender;
  {
    RepoStore store(chunkedStore(repoId));
    if (store.hasBorrowers()) {
      store.retire();
      return;
    }
    lender = store.lender();
  }
  // The pin goes first (nothing reads this repo's objects any more): a crash
  // mid-destroy then strands this repo's rows, never a whole parent's.
  if (lender) returnBorrowed(*lender, repoId);
  RepoStore::destroy(repos_.openRepo(repoId));
}

void ArtifactsService::backfillTokenHints() {
  std::vector<RepoRecord> records;
  namespace_.forEachRecord([&](RepoRecord&& r) { records.push_back(std::move(r)); });
  for (const auto& record : records) {
    for (const auto& token : repoOf(record).listAllTokens()) {
      if (!namespace_.tokenRepo(token.id)) namespace_.noteTokenRepo(token.id, record.name);
    }
  }
}

size_t ArtifactsService::sweep() {
  releaseRemoved();
  backfillTokenHints();
  // Stores first, then names: a store is only written after its name is
  // registered, so one made meanwhile by another process is never taken for
  // an orphan.
  const auto stores = repos_.repoIds();
  if (!stores) return 0;
  const auto registered = namespace_.registeredIds();
  size_t removed = 0;
  for (const auto& id : *stores) {
    if (registered.count(id)) continue;
    const auto identity = repo(id).identity();
    // Only this namespace's stores; one without an identity predates them and is left alone.
    if (!identity || identity->namespaceName != config().name) continue;
    if (RepoStore(chunkedStore(id)).hasBorrowers()) continue;  // retired, still lent to forks
    releaseStorage(id);
    ++removed;
  }
  return removed;
}

// ---- The binding's namespace methods.

CreatedRepo ArtifactsService::create(const std::string& name, const CreateRepoOptions& options) {
  PendingRepo pending = beginRepo(name, options, RepoStatus::Creating, std::nullopt);
  try {
    completeRepo(pending.record);
  } catch (...) {
    abandonRepo(pending.record);
    throw;
  }
  emit([&] { return repoCreatedEvent(config().name, pending.record, host_.nowMs()); });
  emitInitialToken(pending);
  return pending;
}

RepoRecord ArtifactsService::get(const std::string& name) {
  return thenRelease(*this, [&] { return namespace_.get(name); });
}

RepoListPage ArtifactsService::list(int limit, const std::optional<std::string>& cursor) {
  RepoListPage page = namespace_.list(limit, cursor);
  releaseRemoved();
  return page;
}

bool ArtifactsService::remove(const std::string& name) { return removeRecord(name).has_value(); }

std::optional<RepoRecord> ArtifactsService::removeRecord(const std::string& name) {
  auto removed = namespace_.remove(name);
  if (removed && removed->status == RepoStatus::Ready) {
    emit([&] { return repoDeletedEvent(config().name, *removed, host_.nowMs()); });
  }
  releaseRemoved();
  return removed;
}

// ---- Repo handles: the registry says the handle is current, the repo side does the rest.

RepoRecord ArtifactsService::info(const std::string& name, const std::string& repoId) {
  return thenRelease(*this, [&] { return namespace_.handle(name, repoId); });
}

MintedToken ArtifactsService::createToken(const std::string& name, const std::string& repoId, TokenScope scope,
                                          int64_t ttlSeconds) {
  const RepoRecord record = namespace_.handle(name, repoId);
  MintedToken minted = repo(repoId).createToken(scope, ttlSeconds);
  namespace_.noteTokenRepo(minted.record.id, record.name);
  emit([&] { return tokenCreatedEvent(config().name, record.name, minted.record, host_.nowMs()); });
  return minted;
}

std::vector<TokenRecord> ArtifactsService::listTokens(const std::string& name, const std::string& repoId) {
  namespace_.handle(name, repoId);
  return repo(repoId).listTokens();
}

std::vector<TokenRecord> ArtifactsService::listAllTokens(const std::string& name, const std::string& repoId) {
  namespace_.handle(name, repoId);
  return repo(repoId).listAllTokens();
}

RepoListPage ArtifactsService::query(const RepoQuery& q) {
  RepoListPage page = namespace_.query(q);
  releaseRemoved();
  return page;
}

std::optional<bool> ArtifactsService::revokeTokenById(const std::string& tokenId) {
  const auto repoName = namespace_.tokenRepo(tokenId);
  if (!repoName) return std::nullopt;
  const auto record = namespace_.find(*repoName);
  // The repo that minted it is gone (its tokens with it): the hint goes too.
  if (!record || !repoOf(*record).findToken(tokenId)) {
    namespace_.forgetTokenRepo(tokenId);
    return std::nullopt;
  }
  const auto revoked = repoOf(*record).revokeToken(tokenId);
  if (revoked) emit([&] { return tokenRevokedEvent(config().name, record->name, *revoked, host_.nowMs()); });
  return revoked.has_value();
}

bool ArtifactsService::revokeToken(const std::string& name, const std::string& repoId, const std::string& tokenOrId) {
  const RepoRecord record = namespace_.handle(name, repoId);
  const auto revoked = repo(repoId).revokeToken(tokenOrId);
  if (revoked) emit([&] { return tokenRevokedEvent(config().name, record.name, *revoked, host_.nowMs()); });
  return revoked.has_value();
}

RepoRecord ArtifactsService::readyRepo(const std::string& name, const std::string& repoId) {
  return namespace_.readyHandle(name, repoId);
}

CommitLimits ArtifactsService::commitLimits() const { return commitLimitsFor(ingestLimits()); }

CommitOutcome ArtifactsService::commit(const std::string& name, const std::string& repoId, CommitRequest& request) {
  checkCommitRequest(request, commitLimits());
  const RepoRecord record = readyRepo(name, repoId);
  CommitOutcome outcome = repoOf(record).commit(request);
  emit([&] {
    const auto context = repo(repoId).openContext();
    return repoPushedEvent(config().name, record.name, *context, outcome.update, host_.nowMs());
  });
  namespace_.recordPush(name, repoId);
  return outcome;
}

// ---- Git.

RepoService* ArtifactsService::repoNamed(const std::string& name) {
  if (!isValidRepoName(name)) return nullptr;
  const auto record = thenRelease(*this, [&] { return namespace_.find(name); });
  if (!record) return nullptr;
  return &repoOf(*record);
}

RepoService& ArtifactsService::repoOf(const RepoRecord& record) {
  RepoService& service = repo(record.id);
  // A store made before repos kept their identity gets one from its record.
  if (!service.identity()) {
    service.writeIdentity(RepoIdentity{config().name, record.id, record.name, record.readOnly, record.status});
  }
  return service;
}

void ArtifactsService::recordPush(RepoService& pushed, git::RepoContext& context,
                                  const std::vector<git::RefUpdate>& updates) {
  const auto identity = pushed.identity();
  if (!identity) return;
  // The events first: the refs moved whether or not the registry write below succeeds.
  // No more than the queue holds are built (each walks up to 21 commits): a
  // push of 10,000 refs costs at most kMaxQueuedEvents walks.
  const size_t built = events_.wanted() ? std::min(updates.size(), kMaxQueuedEvents) : 0;
  PushedCommitCache commits;  // the refs of one push share history: each commit read once
  for (size_t i = 0; i < built; ++i) {
    emit([&] { return repoPushedEvent(config().name, identity->name, context, updates[i], host_.nowMs(), &commits); });
  }
  events_.countDropped(updates.size() - built);
  namespace_.recordPush(identity->name, identity->id);
}

void ArtifactsService::recordFetch(RepoService& fetched, bool clone) {
  emit([&] {
    const auto identity = fetched.identity();
    if (!identity) throwError(ErrorCode::InternalError, "repo without identity");
    return repoFetchEvent(config().name, identity->name, clone, host_.nowMs());
  });
}

void ArtifactsService::emitInitialToken(const CreatedRepo& created) noexcept {
  emit([&] { return tokenCreatedEvent(config().name, created.record.name, created.initialToken, host_.nowMs()); });
}

// ---- Borrowing (one shared store).

std::vector<ChunkedStore*> ArtifactsService::alternatesOf(const std::string& repoId) {
  std::vector<ChunkedStore*> out;
  std::optional<std::string> next = RepoStore(chunkedStore(repoId)).alternate();
  while (next && out.size() < kMaxAlternateChain) {
    ChunkedStore& store = chunkedStore(*next);
    out.push_back(&store);
    next = RepoStore(store).alternate();
  }
  return out;
}

void ArtifactsService::addBorrower(const std::string& lenderId, const std::string& borrowerId) {
  RepoStore(chunkedStore(borrowerId)).setLender(lenderId);  // first: the borrower's deletion finds the pin
  RepoStore(chunkedStore(lenderId)).addBorrower(borrowerId);
}

void ArtifactsService::returnBorrowed(const std::string& lenderId, const std::string& borrowerId) {
  RepoStore borrower(chunkedStore(borrowerId));
  if (borrower.lender() == lenderId) borrower.setLender(std::nullopt);
  RepoStore lender(chunkedStore(lenderId));
  lender.removeBorrower(borrowerId);
  if (lender.retired() && !lender.hasBorrowers()) releaseStorage(lenderId);
}

bool ArtifactsService::canLendObjects(const std::string& repoId) {
  return repos_.sharesStorage() && alternatesOf(repoId).size() + 1 < kMaxAlternateChain;
}

void ArtifactsService::borrowObjects(const std::string& borrowerId, const std::string& lenderId) {
  WriteBatch batch;
  RepoStore(chunkedStore(borrowerId)).stageAlternate(batch, lenderId);
  chunkedStore(borrowerId).commit(batch);
}

}  // namespace oa
