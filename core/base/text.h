// Prefix and suffix tests on text, written once (std::string_view has
// starts_with/ends_with only from C++20).
//
// Include it from .cpp files only: files outside core/git still carry local
// copies in anonymous namespaces, and an unqualified call would become
// ambiguous if this header reached them through another header.
#pragma once

#include <string_view>

namespace oa {

inline bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

inline bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace oa
