// Identifiers drawn from the host's randomness: repo and token ids (16 chars of
// lowercase base36, as the service) and token secrets (40 hex digits).
#pragma once

#include <string>
#include <string_view>

#include "open_artifacts/host.h"

namespace oa {

constexpr size_t kIdLength = 16;

std::string randomBase36Id(Host& host);
std::string randomHex(Host& host, size_t hexDigits);
bool isBase36Id(std::string_view s);

}  // namespace oa
