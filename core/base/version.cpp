#include "open_artifacts/version.h"

#ifdef __EMSCRIPTEN__
#include <git2/version.h>
#else
#include <git2.h>
#endif

namespace oa {

std::string libgit2Version() {
#ifdef __EMSCRIPTEN__
  // The wasm module links only libgit2's SHA1DC (git/format/sha1.cpp), so the
  // version is that of the libgit2 sources it was built from.
  return LIBGIT2_VERSION;
#else
  int major = 0, minor = 0, revision = 0;
  git_libgit2_version(&major, &minor, &revision);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
#endif
}

}  // namespace oa
