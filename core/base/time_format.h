// ISO 8601 timestamps as the service writes them: UTC with milliseconds,
// "2026-05-18T15:53:46.833Z".
#pragma once

#include <cstdint>
#include <string>

namespace oa {

std::string formatIsoTimestamp(int64_t unixMs);

}  // namespace oa
