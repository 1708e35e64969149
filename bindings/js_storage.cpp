#include "js_storage.h"

#include <emscripten/emscripten.h>

#include <cstring>

#include "open_artifacts/errors.h"

using emscripten::val;

// A storage read in two calls to JS instead of embind's ten or so (the
// method call, null checks, instanceof, length, a view, its set(), handle
// releases): a clone reads every commit and tree record, 130k of them in the
// large benchmark repo. The first call reads and keeps the value, returning
// its length (-1 absent, -2 not a Uint8Array); the second copies it into the
// buffer sized for it, whose allocation may have grown (and moved) the heap.
EM_JS(double, oa_storage_get, (emscripten::EM_VAL handle, const char* key, size_t keyLength), {
  const value = Emval.toValue(handle).get(UTF8ToString(key, keyLength));
  if (value === null || value === undefined) return -1;
  if (!(value instanceof Uint8Array)) return -2;
  Module.oaStorageValue = value;
  return value.length;
});
EM_JS(void, oa_storage_take, (uint8_t* out), {
  HEAPU8.set(Module.oaStorageValue, out);
  Module.oaStorageValue = null;
});

namespace oa::bindings {

Bytes bytesFromJs(const val& u8) {
  static const val uint8Array = val::global("Uint8Array");  // looked up once: this runs per storage read
  if (!u8.instanceof(uint8Array)) {
    throwError(ErrorCode::InternalError, "storage returned a value that is not a Uint8Array");
  }
  const size_t n = u8["length"].as<size_t>();
  Bytes out(n);
  if (n) val(emscripten::typed_memory_view(n, out.data())).call<void>("set", u8);
  return out;
}

val bytesToJs(const uint8_t* data, size_t n) {
  // slice() copies out of the wasm heap, which may move when memory grows.
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}

std::optional<Bytes> JsKvStore::get(const std::string& key) {
  // UTF8ToString() stops at a NUL: such keys take embind's way.
  if (std::memchr(key.data(), 0, key.size()) == nullptr) {
    const double n = oa_storage_get(handle_.as_handle(), key.data(), key.size());
    if (n == -1) return std::nullopt;
    if (n == -2) throwError(ErrorCode::InternalError, "storage returned a value that is not a Uint8Array");
    Bytes out(static_cast<size_t>(n));
    oa_storage_take(out.data());
    return out;
  }
  val v = handle_.call<val>("get", key);
  if (v.isNull() || v.isUndefined()) return std::nullopt;
  return bytesFromJs(v);
}

std::vector<KvEntry> JsKvStore::scan(const std::string& prefix, const std::string& after, size_t limit) {
  val rows = handle_.call<val>("scan", prefix, after, static_cast<double>(limit));
  const size_t n = rows["length"].as<size_t>();
  std::vector<KvEntry> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    val row = rows[i];
    out.push_back({row[0].as<std::string>(), bytesFromJs(row[1])});
  }
  return out;
}

void JsKvStore::commit(const WriteBatch& batch) {
  // First every op with its key and type: handing a std::string to JS
  // mallocs in wasm, which may grow the heap and detach any view made before.
  std::vector<val> entries;
  entries.reserve(batch.ops().size());
  val ops = val::array();
  for (const auto& op : batch.ops()) {
    val entry = val::object();
    entry.set("key", op.key);
    const char* type = op.type == WriteBatch::OpType::Put ? "put" : op.type == WriteBatch::OpType::Delete ? "delete" : "expect";
    entry.set("type", std::string(type));
    ops.call<void>("push", entry);
    entries.push_back(std::move(entry));
  }
  // Then the values, with nothing that allocates in wasm from the first view
  // to the end of batch(): views of the heap stay valid (copiesValues_).
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& op = batch.ops()[i];
    if (op.type == WriteBatch::OpType::Delete) continue;
    if (op.type == WriteBatch::OpType::Expect && op.absent) {  // null: the key must be absent
      entries[i].set("value", val::null());
    } else if (copiesValues_) {
      entries[i].set("value", val(emscripten::typed_memory_view(op.value.size(), op.value.data())));
    } else {
      entries[i].set("value", bytesToJs(op.value.data(), op.value.size()));
    }
  }
  // The JS contract: batch returns false (having written nothing) when an expectation fails.
  if (handle_.call<val>("batch", ops).strictlyEquals(val(false))) throw StorageConflict();
}

KvStore& JsRepoProvider::openRepo(const std::string& repoId) {
  auto& slot = open_[repoId];
  if (!slot) slot = std::make_unique<JsKvStore>(storage_.call<val>("repo", repoId));
  return *slot;
}

std::optional<std::vector<std::string>> JsRepoProvider::repoIds() {
  if (storage_["repoIds"].typeOf().as<std::string>() != "function") return std::nullopt;
  const val ids = storage_.call<val>("repoIds");
  std::vector<std::string> out;
  const size_t n = ids["length"].as<size_t>();
  for (size_t i = 0; i < n; ++i) out.push_back(ids[i].as<std::string>());
  return out;
}

int64_t JsHost::nowMs() { return static_cast<int64_t>(host_.call<double>("now")); }

void JsHost::randomBytes(uint8_t* out, size_t n) {
  const Bytes bytes = bytesFromJs(host_.call<val>("randomBytes", static_cast<double>(n)));
  if (bytes.size() != n) throwError(ErrorCode::InternalError, "host returned too few random bytes");
  std::copy(bytes.begin(), bytes.end(), out);
}

}  // namespace oa::bindings
