// libFuzzer target: arbitrary bytes as a pushed pack. The parser must reject
// bad input with ArtifactsError and never crash, hang or over-allocate; delta
// entries whose base is in the same pack are applied too, to reach delta.cpp.
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "open_artifacts/errors.h"
#include "git/format/delta.h"
#include "git/format/pack_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oa::git;
  PackLimits limits;
  limits.maxObjectSize = 1 << 20;
  limits.maxObjects = 1000;
  limits.maxDeltaResultSize = 1 << 20;
  PackParser parser(limits);
  // Whole objects by offset, so OFS_DELTA entries can be applied to their base.
  std::unordered_map<uint64_t, oa::Bytes> objects;
  const auto onEntry = [&](PackEntry&& e) {
    if (e.type == ObjectType::OfsDelta) {
      auto it = objects.find(e.baseOffset);
      if (it == objects.end()) return;
      try {
        objects[e.offset] = applyDelta(it->second, e.data.data(), e.data.size(), limits.maxDeltaResultSize);
      } catch (const oa::ArtifactsError&) {
      }
    } else if (e.type != ObjectType::RefDelta) {
      objects[e.offset] = std::move(e.data);
    }
  };
  // The first byte picks the chunk size, so chunk boundaries land everywhere.
  const size_t chunk = size ? 1 + data[0] % 64 : 1;
  try {
    for (size_t pos = 0; pos < size; pos += chunk) {
      parser.write(data + pos, size - pos < chunk ? size - pos : chunk, onEntry);
    }
    parser.finish();
  } catch (const oa::ArtifactsError&) {
  }
  return 0;
}
