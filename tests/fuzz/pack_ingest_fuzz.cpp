// libFuzzer target: arbitrary bytes pushed into a repo that already holds two
// blobs (so REF_DELTAs against them resolve), through PackIngest with small
// limits: work budget, steps, chain weights, deferred deltas. Bad input must
// be refused with ArtifactsError; whatever was stored must read back (delta
// chains resolve) without a crash, a hang or an over-allocation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "git/format/sha1.h"
#include "git/store/object_store.h"
#include "git/store/pack_ingest.h"
#include "open_artifacts/errors.h"
#include "support/memory_kv_store.h"

namespace {
oa::git::IngestLimits smallLimits() {
  oa::git::IngestLimits l;
  l.maxObjectSize = 1u << 20;
  l.maxDeferredBytes = 1u << 20;
  l.maxPackBytes = 4u << 20;
  l.maxRepoBytes = 8u << 20;
  l.work.allowance = 8u << 20;
  l.work.perInputByte = 64;
  l.work.stepBytes = 64u << 10;
  return l;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oa;
  MemoryKvStore kv;
  {
    // The bases: "base" and 64 KiB of a pattern (so copies can be large).
    git::ObjectStore objects(kv);
    WriteBatch batch;
    std::string big(65536, 'x');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
    for (const std::string& text : {std::string("base"), big}) {
      const Bytes b(text.begin(), text.end());
      objects.stage(batch, git::hashObject(git::ObjectType::Blob, b.data(), b.size()),
                    git::ObjectStore::wholeObject(git::ObjectType::Blob, b));
    }
    kv.commit(batch);
  }
  git::ObjectStore objects(kv);
  const size_t chunk = size ? 1 + data[0] % 128 : 1;
  try {
    git::PackIngest ingest(kv, objects, smallLimits());
    for (size_t pos = 0; pos < size; pos += chunk) {
      ingest.write(data + pos, size - pos < chunk ? size - pos : chunk);
      while (!ingest.resume()) {
      }
    }
    ingest.finish();
  } catch (const ArtifactsError&) {
  }
  // Everything stored reads back (or is reported corrupt), from a cold store.
  git::ObjectStore cold(kv);
  for (const auto& entry : kv.contents()) {
    if (entry.first.rfind("o/", 0) != 0) continue;
    const auto id = git::ObjectId::fromHex(entry.first.substr(2));
    if (!id) continue;
    try {
      cold.read(*id);
    } catch (const ArtifactsError&) {
    }
  }
  return 0;
}
