// Repo-scoped tokens, kept in the repo's own store (so a repo's tokens die with
// it and a fork gets its own). Only the SHA-256 of a token's secret is stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "open_artifacts/host.h"
#include "open_artifacts/storage.h"

namespace oa {

enum class TokenScope { Read, Write };
enum class TokenState { Active, Expired, Revoked };

constexpr int64_t kMinTokenTtlSeconds = 60;
constexpr int64_t kMaxTokenTtlSeconds = 31536000;
constexpr int64_t kDefaultTokenTtlSeconds = 86400;

const char* tokenScopeName(TokenScope scope);
const char* tokenStateName(TokenState state);

struct TokenRecord {
  std::string id;
  std::string secretHash;  // hex SHA-256 of the secret
  TokenScope scope = TokenScope::Write;
  int64_t createdAtMs = 0;
  int64_t expiresAtMs = 0;
  std::optional<int64_t> revokedAtMs;

  TokenState stateAt(int64_t nowMs) const;
};

struct MintedToken {
  TokenRecord record;
  std::string plaintext;  // shown once, never stored
};

class TokenStore {
 public:
  TokenStore(KvStore& store, Host& host) : store_(store), host_(host) {}

  // Throws INVALID_TTL unless 60 <= ttlSeconds <= 31,536,000.
  MintedToken mint(TokenScope scope, int64_t ttlSeconds);
  // Active tokens, newest first.
  std::vector<TokenRecord> listActive();
  // Every token in any state, newest first (the REST list filters by state).
  std::vector<TokenRecord> listAll();
  std::optional<TokenRecord> find(const std::string& id) { return load(id); }
  // By token id or by token text (with or without "?expires="). True if this
  // call revoked it; false if unknown or already revoked. INVALID_INPUT if the
  // argument is neither an id nor token-shaped.
  bool revoke(const std::string& tokenOrId);
  // The active token whose secret `presented` carries, if any.
  std::optional<TokenRecord> authenticate(const std::string& presented);

 private:
  std::optional<TokenRecord> load(const std::string& id);
  void save(const TokenRecord& record, WriteBatch& batch);

  KvStore& store_;
  Host& host_;
};

}  // namespace oa
