#include "open_artifacts/errors.h"

#include <utility>

namespace oa {

namespace {
struct ErrorInfo {
  const char* name;
  int numeric;
  int httpStatus;
};

ErrorInfo info(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidInput: return {"INVALID_INPUT", 10100, 400};
    case ErrorCode::InvalidRepoName: return {"INVALID_REPO_NAME", 10101, 400};
    case ErrorCode::InvalidTtl: return {"INVALID_TTL", 10103, 400};
    case ErrorCode::InvalidUrl: return {"INVALID_URL", 10104, 400};
    case ErrorCode::RemoteAuthRequired: return {"REMOTE_AUTH_REQUIRED", 10106, 422};
    case ErrorCode::NotFound: return {"NOT_FOUND", 10200, 404};
    case ErrorCode::AlreadyExists: return {"ALREADY_EXISTS", 10201, 409};
    case ErrorCode::CreateInProgress: return {"CREATE_IN_PROGRESS", 10301, 409};
    case ErrorCode::ImportInProgress: return {"IMPORT_IN_PROGRESS", 10302, 409};
    case ErrorCode::ForkInProgress: return {"FORK_IN_PROGRESS", 10303, 409};
    case ErrorCode::InternalError: return {"INTERNAL_ERROR", 10400, 500};
    case ErrorCode::UpstreamUnavailable: return {"UPSTREAM_UNAVAILABLE", 10401, 502};
    case ErrorCode::MemoryLimit: return {"MEMORY_LIMIT", 10402, 413};
  }
  return {"INTERNAL_ERROR", 10400, 500};
}
}  // namespace

const char* errorCodeName(ErrorCode code) { return info(code).name; }
int errorNumericCode(ErrorCode code) { return info(code).numeric; }
int errorHttpStatus(ErrorCode code) { return info(code).httpStatus; }

ArtifactsError::ArtifactsError(ErrorCode code, const std::string& message, std::string pointer)
    : std::runtime_error(message), code_(code), pointer_(std::move(pointer)) {}

void throwError(ErrorCode code, const std::string& message, std::string pointer) {
  throw ArtifactsError(code, message, std::move(pointer));
}

}  // namespace oa
