#include "artifacts/names.h"

#include "base/text.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool matchesNamePattern(std::string_view name) {
  if (name.empty() || !isAlnum(name[0])) return false;
  for (char c : name) {
    if (!isAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

bool isValidRepoName(std::string_view name) {
  return name.size() <= kMaxRepoNameLength && matchesNamePattern(name);
}

bool isValidNamespaceName(std::string_view name) {
  return name.size() >= 2 && name.size() <= kMaxRepoNameLength && matchesNamePattern(name);
}

bool isValidBranchName(std::string_view name) {
  if (name.empty() || name.size() > kMaxBranchNameLength) return false;
  if (name == "@" || name.front() == '-' || name.front() == '.') return false;
  if (name.back() == '/' || name.back() == '.' || endsWith(name, ".lock")) return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos ||
      name.find("@{") != std::string_view::npos) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c <= 32 || c == 127) return false;
    if (std::string_view("~^:?*[\\").find(static_cast<char>(c)) != std::string_view::npos) return false;
    // No path segment may start with '.' or end with ".lock".
    if (c == '/' && name[i + 1] == '.') return false;
    if (c == '/' && endsWith(name.substr(0, i), ".lock")) return false;
  }
  return true;
}

std::string repoNameKey(std::string_view name) {
  std::string key(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

void requireValidRepoName(std::string_view name) {
  if (name.size() > kMaxRepoNameLength) {
    throwError(ErrorCode::InvalidRepoName, "Invalid repo name: must be at most 63 characters", "/name");
  }
  if (!matchesNamePattern(name)) {
    throwError(ErrorCode::InvalidRepoName, "Invalid repo name: must match /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/",
               "/name");
  }
}

}  // namespace oa
