// What the server advertises (DESIGN.md: beyond the real service where git's
// own server offers more) and the agent string.
#pragma once

#include <string>

namespace oa::git {

std::string agent();  // "open-artifacts/<version>"

// upload-pack, protocol v0/v1 (appended after the NUL of the first ref line).
std::string uploadPackCapabilities(const std::string& headTarget);
// receive-pack, protocol v0/v1.
std::string receivePackCapabilities();
// Protocol v2 capability advertisement lines (without pkt framing).
std::string protocolV2Capabilities();

}  // namespace oa::git
