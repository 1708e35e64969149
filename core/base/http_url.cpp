#include "base/http_url.h"

namespace oa {

namespace {
size_t hostStart(const std::string& url) {
  if (url.rfind("https://", 0) == 0) return 8;
  if (url.rfind("http://", 0) == 0) return 7;
  return std::string::npos;
}
}  // namespace

bool isHttpUrl(const std::string& url) {
  const size_t start = hostStart(url);
  if (start == std::string::npos || url.size() > kMaxUrlBytes) return false;
  if (start >= url.size() || url[start] == '/' || url[start] == ':' || url[start] == '@') return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 32 || c == 127 || c == '?' || c == '#' || c == '\\') return false;
  }
  return true;
}

bool isHttpsUrl(const std::string& url) { return isHttpUrl(url) && url.rfind("https://", 0) == 0; }

bool hasUserinfo(const std::string& url) {
  const size_t start = hostStart(url);
  if (start == std::string::npos) return false;
  const size_t end = url.find('/', start);
  return url.find('@', start) < (end == std::string::npos ? url.size() : end);
}

}  // namespace oa
