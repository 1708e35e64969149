#include "git/store/work_budget.h"

#include <string>

#include "open_artifacts/errors.h"

namespace oa::git {

uint64_t WorkBudget::limit() const {
  const uint64_t perInput = limits_.perInputByte && input_ > UINT64_MAX / limits_.perInputByte
                                ? UINT64_MAX
                                : input_ * limits_.perInputByte;
  return perInput > UINT64_MAX - limits_.allowance ? UINT64_MAX : limits_.allowance + perInput;
}

void WorkBudget::charge(uint64_t bytes) {
  used_ = bytes > UINT64_MAX - used_ ? UINT64_MAX : used_ + bytes;
  if (used_ > limit()) {
    throwError(ErrorCode::MemoryLimit,
               "pack needs more work to unpack than its size allows (over " + std::to_string(limit() >> 20) +
                   " MiB inflated or resolved from " + std::to_string(input_) +
                   " bytes): refused; deep delta chains against large objects are the usual cause");
  }
}

}  // namespace oa::git
