// libFuzzer target: arbitrary bytes as a git-upload-pack request (v0/v1 when
// the first byte is even, v2 otherwise) against a small in-memory repo with
// one commit. Must answer (possibly with ERR) or throw ArtifactsError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/chunked_store.h"
#include "open_artifacts/errors.h"
#include "git/store/object_store.h"
#include "git/format/sha1.h"
#include "git/protocol/upload_pack.h"
#include "support/memory_kv_store.h"

namespace {
oa::git::ObjectId storeObject(oa::git::RepoContext& repo, oa::git::ObjectType type, const std::string& text) {
  const oa::Bytes data(text.begin(), text.end());
  const auto id = oa::git::hashObject(type, data.data(), data.size());
  oa::WriteBatch b;
  repo.objects().stage(b, id, oa::git::ObjectStore::wholeObject(type, data));
  repo.store().commit(b);
  return id;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oa;
  MemoryKvStore raw;
  ChunkedStore store(raw);
  git::RepoContext repo(store);
  const auto blob = storeObject(repo, git::ObjectType::Blob, "hello\n");
  const std::string blobRaw(reinterpret_cast<const char*>(blob.bytes.data()), 20);
  const auto tree = storeObject(repo, git::ObjectType::Tree, std::string("100644 a.txt") + '\0' + blobRaw);
  const auto commit = storeObject(repo, git::ObjectType::Commit,
                                  "tree " + tree.hex() + "\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n");
  WriteBatch refs;
  repo.refs().stageHead(refs, "refs/heads/main");
  repo.refs().stage(refs, "refs/heads/main", commit);
  store.commit(refs);
  const int version = size && (data[0] & 1) ? 2 : 0;
  try {
    auto body = git::UploadPack(repo).serve(std::string(reinterpret_cast<const char*>(data), size), version);
    Bytes out;
    while (body->next(out)) {
    }
  } catch (const ArtifactsError&) {
  }
  return 0;
}
