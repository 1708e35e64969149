#include "artifacts/token_store.h"
#include "artifacts/json_io.h"
#include "base/storage_keys.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "open_artifacts/errors.h"
#include "base/random_id.h"
#include "base/sha256.h"
#include "artifacts/token_format.h"

namespace oa {

namespace {
using nlohmann::json;

const std::string& kRecordPrefix = keys::kTokenPrefix;
const std::string& kHashPrefix = keys::kTokenHashPrefix;

json toJson(const TokenRecord& r) {
  json out;
  out["id"] = r.id;
  out["hash"] = r.secretHash;
  out["scope"] = tokenScopeName(r.scope);
  out["createdAt"] = r.createdAtMs;
  out["expiresAt"] = r.expiresAtMs;
  out["revokedAt"] = r.revokedAtMs ? json(*r.revokedAtMs) : json(nullptr);
  return out;
}

TokenRecord fromJson(const json& j) {
  TokenRecord r;
  r.id = j.at("id").get<std::string>();
  r.secretHash = j.at("hash").get<std::string>();
  r.scope = j.at("scope").get<std::string>() == "read" ? TokenScope::Read : TokenScope::Write;
  r.createdAtMs = j.at("createdAt").get<int64_t>();
  r.expiresAtMs = j.at("expiresAt").get<int64_t>();
  if (!j.at("revokedAt").is_null()) r.revokedAtMs = j.at("revokedAt").get<int64_t>();
  return r;
}
}  // namespace

const char* tokenScopeName(TokenScope scope) { return scope == TokenScope::Read ? "read" : "write"; }

const char* tokenStateName(TokenState state) {
  switch (state) {
    case TokenState::Active: return "active";
    case TokenState::Expired: return "expired";
    case TokenState::Revoked: return "revoked";
  }
  return "revoked";
}

TokenState TokenRecord::stateAt(int64_t nowMs) const {
  if (revokedAtMs) return TokenState::Revoked;
  return nowMs >= expiresAtMs ? TokenState::Expired : TokenState::Active;
}

MintedToken TokenStore::mint(TokenScope scope, int64_t ttlSeconds) {
  if (ttlSeconds < kMinTokenTtlSeconds || ttlSeconds > kMaxTokenTtlSeconds) {
    throwError(ErrorCode::InvalidTtl, "ttl must be between 60 and 31536000 seconds", "/ttl");
  }
  MintedToken out;
  const std::string secret = secretFromHex(randomHex(host_, kTokenSecretHexDigits));
  out.record.id = randomBase36Id(host_);
  out.record.secretHash = sha256Hex(secret);
  out.record.scope = scope;
  out.record.createdAtMs = host_.nowMs();
  out.record.expiresAtMs = out.record.createdAtMs + ttlSeconds * 1000;
  out.plaintext = formatToken(secret, out.record.expiresAtMs);
  WriteBatch batch;
  save(out.record, batch);
  batch.put(kHashPrefix + out.record.secretHash, out.record.id);
  store_.commit(batch);
  return out;
}

std::vector<TokenRecord> TokenStore::listAll() {
  std::vector<TokenRecord> out;
  std::string after;
  for (;;) {
    auto rows = store_.scan(kRecordPrefix, after, 256);
    for (const auto& row : rows) out.push_back(fromJson(parseJson(row.value)));
    if (rows.size() < 256) break;
    after = rows.back().key;
  }
  std::sort(out.begin(), out.end(), [](const TokenRecord& a, const TokenRecord& b) {
    return a.createdAtMs != b.createdAtMs ? a.createdAtMs > b.createdAtMs : a.id > b.id;
  });
  return out;
}

std::vector<TokenRecord> TokenStore::listActive() {
  const int64_t now = host_.nowMs();
  std::vector<TokenRecord> out = listAll();
  out.erase(std::remove_if(out.begin(), out.end(), [&](const TokenRecord& t) { return t.stateAt(now) != TokenState::Active; }),
            out.end());
  return out;
}

std::optional<std::string> TokenStore::revoke(const std::string& tokenOrId) {
  if (tokenOrId.empty()) throwError(ErrorCode::InvalidInput, "Token or token id required");
  std::optional<TokenRecord> record;
  if (isBase36Id(tokenOrId)) {
    record = load(tokenOrId);
  } else if (auto secret = tokenSecret(tokenOrId)) {
    if (auto id = store_.get(kHashPrefix + sha256Hex(*secret))) record = load(bytesToString(*id));
  } else {
    throwError(ErrorCode::InvalidInput, "Expected a token or a token id");
  }
  if (!record || record->revokedAtMs) return std::nullopt;
  record->revokedAtMs = host_.nowMs();
  WriteBatch batch;
  save(*record, batch);
  store_.commit(batch);
  return record->id;
}

std::optional<TokenRecord> TokenStore::authenticate(const std::string& presented) {
  auto secret = tokenSecret(presented);
  if (!secret) return std::nullopt;
  const std::string hash = sha256Hex(*secret);
  auto id = store_.get(kHashPrefix + hash);
  if (!id) return std::nullopt;
  auto record = load(bytesToString(*id));
  if (!record || !constantTimeEquals(record->secretHash, hash)) return std::nullopt;
  if (record->stateAt(host_.nowMs()) != TokenState::Active) return std::nullopt;
  return record;
}

std::optional<TokenRecord> TokenStore::load(const std::string& id) {
  auto raw = store_.get(kRecordPrefix + id);
  if (!raw) return std::nullopt;
  return fromJson(parseJson(*raw));
}

void TokenStore::save(const TokenRecord& record, WriteBatch& batch) {
  batch.put(kRecordPrefix + record.id, toJson(record).dump());
}

}  // namespace oa
