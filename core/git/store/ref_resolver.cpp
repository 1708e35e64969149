#include "git/store/ref_resolver.h"

#include "base/text.h"

namespace oa::git {

std::vector<std::string> refCandidates(std::string_view name, RefScope scope) {
  if (name == "HEAD") return {"HEAD"};
  if (ObjectId::fromHex(name)) return {};
  std::vector<std::string> names;
  if (startsWith(name, "refs/")) {
    const bool inScope =
        scope == RefScope::AnyRef || startsWith(name, "refs/heads/") || startsWith(name, "refs/tags/");
    if (inScope) names.emplace_back(name);
  } else {
    names.push_back("refs/heads/" + std::string(name));
    names.push_back("refs/tags/" + std::string(name));
  }
  std::vector<std::string> valid;
  for (auto& n : names) {
    if (isValidRefName(n)) valid.push_back(std::move(n));
  }
  return valid;
}

std::optional<ObjectId> resolveRevision(RefStore& refs, std::string_view name, RefScope scope) {
  if (auto id = ObjectId::fromHex(name)) return id;
  for (const auto& candidate : refCandidates(name, scope)) {
    if (auto id = refs.resolve(candidate)) return id;
  }
  return std::nullopt;
}

}  // namespace oa::git
