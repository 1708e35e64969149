// One rule for the remote URLs import takes: "https://host/owner/repo",
// "https://host/owner/repo.git" and either with trailing slashes name the same
// remote (DESIGN.md "Import": `source` = `git:<url>` with ".git" appended).
#pragma once

#include <string>
#include <string_view>

namespace oa::git {

// The URL without trailing slashes: the base that smart-HTTP paths
// ("/info/refs?service=...", "/git-upload-pack") are appended to.
std::string remoteBaseUrl(std::string_view url);

// The base URL ending in ".git" (appended unless already there): how a repo's
// `source` and the fetch client's error messages name the remote.
std::string remoteUrlWithDotGit(std::string_view url);

}  // namespace oa::git
