// Capabilities: what our server advertises (DESIGN.md: beyond the real
// service where git's own server offers more), the agent string, and reading
// what a remote advertised.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oa::git {

std::string agent();  // "open-artifacts/<version>"

// upload-pack, protocol v0/v1: the words after the NUL of the first ref line.
std::vector<std::string> uploadPackCapabilities(const std::string& headTarget);
// receive-pack, protocol v0/v1.
std::vector<std::string> receivePackCapabilities();
// Protocol v2: the lines after "version 2" ("agent=...", "fetch=shallow ...").
std::vector<std::string> protocolV2Capabilities();

// A remote's capabilities, as RefAdvertisement holds them: v0/v1 words
// ("side-band-64k", "symref=HEAD:refs/heads/main") or v2 lines ("fetch=shallow
// filter"). The value of the first "<name>=<value>" ("" for a bare "<name>"),
// nullopt when `name` is not offered.
std::optional<std::string> capabilityValue(const std::vector<std::string>& caps, std::string_view name);
inline bool hasCapability(const std::vector<std::string>& caps, std::string_view name) {
  return capabilityValue(caps, name).has_value();
}
// v2: whether "<name>=<features>" lists `feature` ("fetch=shallow filter" offers "shallow").
bool offersFeature(const std::vector<std::string>& caps, std::string_view name, std::string_view feature);

}  // namespace oa::git
