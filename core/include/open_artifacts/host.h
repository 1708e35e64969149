// What the core needs from its host besides storage: the time and randomness.
// Injected (never read from the OS) so native tests are deterministic and the
// same code runs in Workers, where the host owns both.
#pragma once

#include <cstddef>
#include <cstdint>

namespace oa {

class Host {
 public:
  virtual ~Host() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t nowMs() = 0;
  // Cryptographically secure random bytes (tokens and ids depend on them).
  virtual void randomBytes(uint8_t* out, size_t n) = 0;
};

}  // namespace oa
