#include "git/protocol/command_request.h"

#include "base/text.h"
#include "git/format/pkt_line.h"
#include "open_artifacts/errors.h"

namespace oa::git {

Bytes encodeCommandRequest(const CommandRequest& request) {
  Bytes out;
  appendPkt(out, "command=" + request.command + "\n");
  for (const auto& cap : request.capabilities) appendPkt(out, cap + "\n");
  appendDelim(out);
  for (const auto& arg : request.arguments) appendPkt(out, arg + "\n");
  appendFlush(out);
  return out;
}

CommandRequest parseCommandRequest(const std::string& body) {
  PktLineReader reader;
  reader.feed(body);
  CommandRequest r;
  Packet p;
  bool inArguments = false, ended = false;
  size_t lines = 0;
  while (reader.next(p)) {
    if (++lines > kMaxCommandRequestLines) throwError(ErrorCode::InvalidInput, "request too large");
    if (p.kind == Packet::Kind::Flush) {
      ended = true;
      break;
    }
    if (p.kind == Packet::Kind::Delim) {
      inArguments = true;
      continue;
    }
    if (p.kind != Packet::Kind::Data) throwError(ErrorCode::InvalidInput, "unexpected special packet");
    std::string line(chompNewline(p.payload));
    if (inArguments) r.arguments.push_back(std::move(line));
    else if (startsWith(line, "command=")) r.command = line.substr(8);
    else r.capabilities.push_back(std::move(line));
  }
  if (!ended) throwError(ErrorCode::InvalidInput, "expected flush after arguments");
  return r;
}

}  // namespace oa::git
