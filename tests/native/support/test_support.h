// Deterministic host and in-memory storage for the native tests.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "artifacts/artifacts_service.h"
#include "open_artifacts/host.h"
#include "support/memory_kv_store.h"

namespace oa::testing {

// A clock the test moves by hand and a seeded (splitmix64) random source.
class FakeHost : public Host {
 public:
  explicit FakeHost(int64_t startMs = 1779119626833, uint64_t seed = 42) : nowMs_(startMs), state_(seed) {}
  int64_t nowMs() override { return nowMs_; }
  void randomBytes(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      state_ += 0x9e3779b97f4a7c15ULL;
      uint64_t z = state_;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      out[i] = static_cast<uint8_t>(z ^ (z >> 31));
    }
  }
  void advanceMs(int64_t ms) { nowMs_ += ms; }

 private:
  int64_t nowMs_;
  uint64_t state_;
};

class MemoryRepoProvider : public RepoStorageProvider {
 public:
  // One backing store for every repo (as MemoryStorage and SqliteStorage):
  // forks borrow their parent's objects. False models a store per repo.
  bool shared = false;
  bool sharesStorage() const override { return shared; }

  KvStore& openRepo(const std::string& repoId) override {
    auto& slot = stores_[repoId];
    if (!slot) slot = std::make_unique<MemoryKvStore>();
    return *slot;
  }
  std::optional<std::vector<std::string>> repoIds() override {
    std::vector<std::string> ids;
    for (const auto& [id, store] : stores_) {
      if (!store->contents().empty()) ids.push_back(id);
    }
    return ids;
  }
  size_t rowCount(const std::string& repoId) const {
    auto it = stores_.find(repoId);
    return it == stores_.end() ? 0 : it->second->contents().size();
  }
  // Every row of every repo store, for "nothing changed" checks.
  std::map<std::string, Bytes> snapshot() const {
    std::map<std::string, Bytes> all;
    for (const auto& [id, store] : stores_) {
      for (const auto& [k, v] : store->contents()) all[id + "|" + k] = v;
    }
    return all;
  }

 private:
  std::map<std::string, std::unique_ptr<MemoryKvStore>> stores_;
};

// The HTTP status git auth answers for `token` on repo `name` (as git_http_session does).
inline int gitAccessStatus(ArtifactsService& service, const std::string& name, const std::optional<std::string>& token,
                           bool write) {
  if (!token || token->empty()) return 401;
  RepoService* repo = service.repoNamed(name);
  return repo ? repo->authorizeGit(token, write).status : 403;
}

// A namespace with its registry and repo stores, all in memory.
struct TestNamespace {
  FakeHost host;
  MemoryKvStore registry;
  MemoryRepoProvider repos;
  ArtifactsService service{NamespaceConfig{"default", "http://127.0.0.1:8788"}, registry, repos, host};

  std::map<std::string, Bytes> snapshot() const {
    auto all = repos.snapshot();
    for (const auto& [k, v] : registry.contents()) all["registry|" + k] = v;
    return all;
  }
};

}  // namespace oa::testing
