#include "git/protocol/capabilities.h"

#include <algorithm>

#include "base/text.h"
#include "open_artifacts/version.h"

namespace oa::git {

std::string agent() { return std::string("open-artifacts/") + kOpenArtifactsVersion; }

std::vector<std::string> uploadPackCapabilities(const std::string& headTarget) {
  return {"multi_ack", "thin-pack", "side-band", "side-band-64k", "ofs-delta", "shallow", "deepen-since",
          "deepen-not", "deepen-relative", "no-progress", "include-tag", "multi_ack_detailed",
          "allow-tip-sha1-in-want", "allow-reachable-sha1-in-want", "no-done", "symref=HEAD:" + headTarget,
          "filter", "object-format=sha1", "agent=" + agent()};
}

std::vector<std::string> receivePackCapabilities() {
  return {"report-status", "report-status-v2", "delete-refs", "side-band-64k", "quiet", "atomic", "ofs-delta",
          "push-options", "object-format=sha1", "agent=" + agent()};
}

std::vector<std::string> protocolV2Capabilities() {
  return {"agent=" + agent(), "ls-refs=unborn", "fetch=shallow wait-for-done filter ref-in-want sideband-all",
          "object-format=sha1", "object-info"};
}

std::optional<std::string> capabilityValue(const std::vector<std::string>& caps, std::string_view name) {
  for (const auto& cap : caps) {
    const std::string_view c = cap;
    if (c == name) return std::string();
    if (c.size() > name.size() && startsWith(c, name) && c[name.size()] == '=') {
      return std::string(c.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

bool offersFeature(const std::vector<std::string>& caps, std::string_view name, std::string_view feature) {
  const auto value = capabilityValue(caps, name);
  if (!value) return false;
  const std::string_view features = *value;
  for (size_t pos = 0; pos <= features.size();) {
    const size_t end = std::min(features.find(' ', pos), features.size());
    if (end > pos && features.substr(pos, end - pos) == feature) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace oa::git
