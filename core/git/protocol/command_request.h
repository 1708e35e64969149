// A protocol v2 request (gitprotocol-v2 "Command Request"), one codec for
// both ends: the fetch client encodes ls-refs and fetch, upload-pack parses
// every command before handing the arguments to that command's parser.
//
//   "command=<name>\n" "<capability>\n"... DELIM "<argument>\n"... FLUSH
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "open_artifacts/bytes.h"

namespace oa::git {

// Packets one request may hold: a fetch sends one line per want and have
// (the body itself is capped at 8 MiB, git_http_session.h).
constexpr size_t kMaxCommandRequestLines = 250'000;

struct CommandRequest {
  std::string command;                    // "ls-refs", "fetch", "object-info"
  std::vector<std::string> capabilities;  // "agent=...", "object-format=sha1": upload-pack needs none
  std::vector<std::string> arguments;     // without their newlines
};

Bytes encodeCommandRequest(const CommandRequest& request);
// Throws ArtifactsError(InvalidInput) for a body that is not such a request.
CommandRequest parseCommandRequest(const std::string& body);

}  // namespace oa::git
