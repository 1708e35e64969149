// Version strings reported by the package and the git agent capability.
#pragma once

#include <string>

namespace oa {

constexpr const char* kOpenArtifactsVersion = "0.1.0";

// The libgit2 version the core was linked with, e.g. "1.5.1" (in WebAssembly:
// the version of the libgit2 sources its SHA1DC was built from).
std::string libgit2Version();

}  // namespace oa
