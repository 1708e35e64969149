// libFuzzer target: arbitrary bytes as a git-receive-pack request body
// (command list, push options, pack) against an in-memory repo. Every outcome
// must be a report or an ArtifactsError; the refs must never point at an
// object that is not stored.
#include <cstddef>
#include <cstdint>

#include "base/chunked_store.h"
#include "open_artifacts/errors.h"
#include "git/protocol/receive_pack.h"
#include "support/memory_kv_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oa;
  MemoryKvStore raw;
  ChunkedStore store(raw);
  git::RepoContext repo(store);
  WriteBatch head;
  repo.refs().stageHead(head, "refs/heads/main");
  store.commit(head);
  git::IngestLimits limits;
  limits.maxObjectSize = 1 << 20;
  limits.maxDeferredBytes = 1 << 20;
  git::ReceivePack receive(repo, limits);
  const size_t chunk = size ? 1 + data[0] % 128 : 1;
  try {
    for (size_t pos = 0; pos < size; pos += chunk) receive.write(data + pos, size - pos < chunk ? size - pos : chunk);
    auto body = receive.finish();
    Bytes out;
    while (body->next(out)) {
    }
  } catch (const ArtifactsError&) {
  }
  for (const auto& ref : repo.refs().list()) {
    if (!repo.objects().exists(ref.id)) __builtin_trap();  // a ref to a missing object
  }
  return 0;
}
