#include "git/protocol/capabilities.h"

#include "open_artifacts/version.h"

namespace oa::git {

std::string agent() { return std::string("open-artifacts/") + kOpenArtifactsVersion; }

std::string uploadPackCapabilities(const std::string& headTarget) {
  return "multi_ack thin-pack side-band side-band-64k ofs-delta shallow deepen-since deepen-not deepen-relative "
         "no-progress include-tag multi_ack_detailed allow-tip-sha1-in-want allow-reachable-sha1-in-want no-done "
         "symref=HEAD:" + headTarget + " filter object-format=sha1 agent=" + agent();
}

std::string receivePackCapabilities() {
  return "report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta push-options "
         "object-format=sha1 agent=" + agent();
}

std::string protocolV2Capabilities() {
  return "version 2\nagent=" + agent() +
         "\nls-refs=unborn\nfetch=shallow wait-for-done filter ref-in-want sideband-all\nobject-format=sha1\n"
         "object-info\n";
}

}  // namespace oa::git
