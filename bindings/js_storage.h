// Host storage and host services handed in from JavaScript (see js/src/storage.d.ts
// for the contract): forwards each call to the JS object, copying bytes in and out.
#pragma once

#include <emscripten/val.h>

#include <map>
#include <memory>
#include <string>

#include "open_artifacts/host.h"
#include "open_artifacts/storage.h"

namespace oa::bindings {

// { get(key), scan(prefix, after, limit), batch(ops) }
class JsKvStore : public KvStore {
 public:
  explicit JsKvStore(emscripten::val handle)
      : handle_(std::move(handle)), copiesValues_(handle_["copiesValues"].strictlyEquals(emscripten::val(true))) {}
  std::optional<Bytes> get(const std::string& key) override;
  std::vector<KvEntry> scan(const std::string& prefix, const std::string& after, size_t limit) override;
  void commit(const WriteBatch& batch) override;

 private:
  emscripten::val handle_;
  // handle.copiesValues === true: batch values may be views of the wasm heap,
  // made after everything else of the batch (a later malloc could grow the
  // heap and detach them) and valid until batch() returns.
  bool copiesValues_;
};

// { registry(namespace) -> KV handle, repo(repoId) -> KV handle }
class JsRepoProvider : public RepoStorageProvider {
 public:
  explicit JsRepoProvider(emscripten::val storage)
      : storage_(std::move(storage)), shares_(storage_["sharesRepoStorage"].strictlyEquals(emscripten::val(true))) {}
  KvStore& openRepo(const std::string& repoId) override;
  bool sharesStorage() const override { return shares_; }
  // storage.repoIds(), when the storage has it.
  std::optional<std::vector<std::string>> repoIds() override;

 private:
  emscripten::val storage_;
  bool shares_;  // storage.sharesRepoStorage === true
  std::map<std::string, std::unique_ptr<JsKvStore>> open_;
};

// { now() -> ms, randomBytes(n) -> Uint8Array }
class JsHost : public Host {
 public:
  explicit JsHost(emscripten::val host) : host_(std::move(host)) {}
  int64_t nowMs() override;
  void randomBytes(uint8_t* out, size_t n) override;

 private:
  emscripten::val host_;
};

Bytes bytesFromJs(const emscripten::val& u8);
emscripten::val bytesToJs(const uint8_t* data, size_t n);

}  // namespace oa::bindings
