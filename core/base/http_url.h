// The http(s) URLs the core accepts from callers: a namespace's base URL and
// an import's source. Checked as text (no percent-decoding): scheme, a host,
// no spaces or control characters, no query or fragment, bounded length.
#pragma once

#include <string>

namespace oa {

constexpr size_t kMaxUrlBytes = 2048;

bool isHttpUrl(const std::string& url);
bool isHttpsUrl(const std::string& url);
// "https://user:pass@host/..." : credentials never enter the core's records.
bool hasUserinfo(const std::string& url);

}  // namespace oa
