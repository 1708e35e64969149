// Git's binary delta format (gitformat-pack "Deltified representation"):
// two size varints (base, result), then copy-from-base and insert-literal
// instructions. Deltas arrive from clients, so applying one checks every
// bound before touching memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "open_artifacts/bytes.h"

namespace oa::git {

// Rebuilds the target from `base` and delta[0, n). InvalidInput if the delta
// is truncated or malformed (reserved instruction 0, copy outside the base,
// output beyond the announced size), if its base size differs from
// base.size(), or if its result would exceed maxResultSize.
Bytes applyDelta(const Bytes& base, const uint8_t* delta, size_t n, size_t maxResultSize);

// {base size, result size} from the delta header alone; InvalidInput if the
// header is truncated or a size does not fit 64 bits.
std::pair<uint64_t, uint64_t> deltaSizes(const uint8_t* delta, size_t n);

// A delta turning `base` into `target`, for when the server must make one.
// Simple 16-byte block matching: always correct, not tuned for size. Copies
// are kept to 64 KiB each, as git itself emits.
Bytes createDelta(const Bytes& base, const Bytes& target);

}  // namespace oa::git
