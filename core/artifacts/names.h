// Name rules of spec §4.1, §4.2 and §4.5 (and DESIGN.md's product decisions).
#pragma once

#include <string>
#include <string_view>

namespace oa {

constexpr size_t kMaxRepoNameLength = 63;
constexpr size_t kMaxBranchNameLength = 256;

// ^[a-zA-Z0-9][a-zA-Z0-9._-]*$, 1-63 characters.
bool isValidRepoName(std::string_view name);
// Same characters as repo names, 2-63 characters.
bool isValidNamespaceName(std::string_view name);
// A branch short name acceptable as a default branch (git check-ref-format rules).
bool isValidBranchName(std::string_view name);
// Repo names are unique case-insensitively: this is the key they are unique by.
std::string repoNameKey(std::string_view name);

// Throws INVALID_REPO_NAME with the spec's message unless isValidRepoName.
void requireValidRepoName(std::string_view name);

}  // namespace oa
