// The one error type of the core. Every failure a caller can cause is an
// ArtifactsError carrying one of the Artifacts error codes; bindings and HTTP
// handlers translate it (JS ArtifactsError, REST envelope, HTTP status).
#pragma once

#include <stdexcept>
#include <string>

namespace oa {

enum class ErrorCode {
  InvalidInput,        // 10100
  InvalidRepoName,     // 10101
  InvalidTtl,          // 10103
  InvalidUrl,          // 10104
  RemoteAuthRequired,  // 10106
  NotFound,            // 10200
  AlreadyExists,       // 10201
  CreateInProgress,    // 10301
  ImportInProgress,    // 10302
  ForkInProgress,      // 10303
  InternalError,       // 10400
  UpstreamUnavailable, // 10401
  MemoryLimit,         // 10402
};

// Every code, for hosts that publish the table (the JS layer takes codes,
// numeric codes and HTTP statuses from here instead of repeating them).
constexpr ErrorCode kAllErrorCodes[] = {
    ErrorCode::InvalidInput,     ErrorCode::InvalidRepoName,    ErrorCode::InvalidTtl,
    ErrorCode::InvalidUrl,       ErrorCode::RemoteAuthRequired, ErrorCode::NotFound,
    ErrorCode::AlreadyExists,    ErrorCode::CreateInProgress,   ErrorCode::ImportInProgress,
    ErrorCode::ForkInProgress,   ErrorCode::InternalError,      ErrorCode::UpstreamUnavailable,
    ErrorCode::MemoryLimit,
};

// "INVALID_INPUT", "NOT_FOUND", ...: the string code of the Workers binding.
const char* errorCodeName(ErrorCode code);
// 10100, 10200, ...: the REST errors[].code value and ArtifactsError.numericCode.
int errorNumericCode(ErrorCode code);
// HTTP status used by the REST and git front ends (DESIGN.md product decisions).
int errorHttpStatus(ErrorCode code);

class ArtifactsError : public std::runtime_error {
 public:
  // `pointer` names the offending input field (REST `source.pointer`, e.g. "/name").
  ArtifactsError(ErrorCode code, const std::string& message, std::string pointer = "");

  ErrorCode code() const { return code_; }
  const std::string& pointer() const { return pointer_; }

 private:
  ErrorCode code_;
  std::string pointer_;
};

// Throws ArtifactsError(code, message, pointer). The core throws through this
// call: an exception's allocation, construction and throw, inlined at each of
// its 200 or so throw sites, cost the wasm module kilobytes.
[[noreturn]] void throwError(ErrorCode code, const std::string& message, std::string pointer = "");

}  // namespace oa
