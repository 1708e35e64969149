#include "git/store/ref_store.h"
#include "base/storage_keys.h"

#include "base/text.h"
#include "git/format/sha1.h"
#include "base/utf8.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
const std::string& kRefPrefix = keys::kRefPrefix;
const std::string& kHeadKey = keys::kHeadKey;
const std::string kSymref = "ref: ";

bool validComponent(std::string_view c) {
  if (c.empty() || c.front() == '.') return false;
  if (endsWith(c, ".lock")) return false;
  return true;
}
}  // namespace

bool isValidRefName(std::string_view name) {
  // Like git receive-pack: "refs/" plus a name of at least two levels.
  if (name.size() > 1024 || !startsWith(name, "refs/") || name.find('/', 5) == std::string_view::npos) return false;
  if (name.back() == '/' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos || name.find("@{") != std::string_view::npos) return false;
  if (!isValidUtf8(name)) return false;  // refused ("funny refname") rather than stored lossily
  for (char ch : name) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 32 || c == 127 || std::string_view(" ~^:?*[\\").find(ch) != std::string_view::npos) return false;
  }
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = name.find('/', start);
    const size_t end = slash == std::string_view::npos ? name.size() : slash;
    if (!validComponent(name.substr(start, end - start))) return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

std::string RefStore::headTarget() {
  auto raw = store_.get(kHeadKey);
  if (!raw) throwError(ErrorCode::InternalError, "repository has no HEAD");
  return bytesToString(*raw).substr(kSymref.size());
}

void RefStore::stageHead(WriteBatch& batch, const std::string& target) { batch.put(kHeadKey, kSymref + target); }

std::optional<ObjectId> RefStore::get(const std::string& name) {
  auto raw = store_.get(kRefPrefix + name);
  if (!raw) return std::nullopt;
  auto id = ObjectId::fromHex(bytesToString(*raw));
  if (!id) throwError(ErrorCode::InternalError, "corrupt ref " + name);
  return id;
}

std::optional<ObjectId> RefStore::resolve(const std::string& name) {
  return name == "HEAD" ? get(headTarget()) : get(name);
}

std::vector<Ref> RefStore::list(const std::string& prefix) {
  std::vector<Ref> out;
  std::string after;
  for (;;) {
    auto rows = store_.scan(kRefPrefix + prefix, after, 1000);
    for (const auto& row : rows) {
      auto id = ObjectId::fromHex(bytesToString(row.value));
      if (!id) throwError(ErrorCode::InternalError, "corrupt ref " + row.key);
      out.push_back({row.key.substr(kRefPrefix.size()), *id});
    }
    if (rows.size() < 1000) break;
    after = rows.back().key;
  }
  return out;
}

bool RefStore::holds(const std::string& name, const ObjectId& expected) {
  const auto current = get(name);
  return current ? *current == expected : expected.isZero();
}

void RefStore::stage(WriteBatch& batch, const std::string& name, const std::optional<ObjectId>& id) {
  if (id) batch.put(kRefPrefix + name, id->hex());
  else batch.remove(kRefPrefix + name);
  const std::string next = epoch() + "\n" + name + " " + (id ? id->hex() : "-");
  batch.put(keys::kRefEpochKey, hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>(next.data()), next.size()).hex());
}

std::string RefStore::epoch() {
  auto raw = store_.get(keys::kRefEpochKey);
  return raw ? bytesToString(*raw) : std::string();
}

void RefStore::stageExpected(WriteBatch& batch, const std::string& name, const std::optional<ObjectId>& id) {
  // Refs are stored as stage() writes them: the lower-case hex.
  batch.expect(kRefPrefix + name, id ? std::optional<Bytes>(stringToBytes(id->hex())) : std::nullopt);
}

}  // namespace oa::git
