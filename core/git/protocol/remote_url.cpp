#include "git/protocol/remote_url.h"

#include "base/text.h"

namespace oa::git {

std::string remoteBaseUrl(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

std::string remoteUrlWithDotGit(std::string_view url) {
  std::string base = remoteBaseUrl(url);
  if (!endsWith(base, ".git")) base += ".git";
  return base;
}

}  // namespace oa::git
