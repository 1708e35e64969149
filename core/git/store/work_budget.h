// How much inflating and delta resolving one request may do. A pack is cheap to
// send and can be costly to take in: a few hundred bytes of REF_DELTA copying a
// 32 MB base each produce 32 MB to hash and store. Work is counted in bytes
// produced (inflated or resolved) against an allowance that grows with the
// bytes the client actually sent, and past it the request is refused
// (MEMORY_LIMIT, HTTP 413). The same count splits long work into steps, so a
// host can serve other requests between them (Node's event loop).
#pragma once

#include <cstdint>

namespace oa::git {

// The benchmark fixture (36 MiB pack, 45,604 objects, chains up to 48) does
// 9.6 bytes of work per pack byte; a file changed in every commit (a
// ChangeLog) can reach hundreds. The allowance keeps any pack under a few
// seconds of CPU unless it is that large itself; steps keep each pause short.
struct WorkLimits {
  uint64_t allowance = 1ull << 30;   // bytes of work any request may do
  uint64_t perInputByte = 256;       // plus this much per byte of input
  uint64_t stepBytes = 16ull << 20;  // work between pauses (about 50-100 ms)
};

class WorkBudget {
 public:
  explicit WorkBudget(WorkLimits limits = {}) : limits_(limits) {}

  // Input arrived: the allowance grows.
  void addInput(uint64_t bytes) { input_ += bytes; }
  // Work about to be done (or just done). Throws ArtifactsError(MemoryLimit) once over the allowance.
  void charge(uint64_t bytes);
  // True once this step's share is used up; startStep() begins the next one.
  bool stepSpent() const { return used_ - stepStart_ >= limits_.stepBytes; }
  void startStep() { stepStart_ = used_; }
  uint64_t used() const { return used_; }
  uint64_t limit() const;

 private:
  WorkLimits limits_;
  uint64_t input_ = 0;
  uint64_t used_ = 0;
  uint64_t stepStart_ = 0;
};

}  // namespace oa::git
