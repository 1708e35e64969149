#include "git/protocol/fetch_request.h"

#include "base/text.h"
#include "git/format/pkt_line.h"
#include "git/protocol/command_request.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

[[noreturn]] void bad(const std::string& msg) { throwError(ErrorCode::InvalidInput, msg); }

ObjectId parseId(std::string_view hex, const char* what) {
  auto id = ObjectId::fromHex(hex);
  if (!id) bad(std::string("protocol error: bad ") + what + " '" + std::string(hex.substr(0, 64)) + "'");
  return *id;
}

int64_t parseInt(std::string_view s, const char* what, int64_t max) {
  if (s.empty() || s.size() > 18) bad(std::string("protocol error: bad ") + what);
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') bad(std::string("protocol error: bad ") + what);
    v = v * 10 + (c - '0');
  }
  if (v > max) v = max;
  return v;
}

void applyCapability(FetchRequest& r, std::string_view cap) {
  if (cap == "side-band") r.sideband = true;
  else if (cap == "side-band-64k") r.sideband64k = true;
  else if (cap == "ofs-delta") r.ofsDelta = true;
  else if (cap == "thin-pack") r.thinPack = true;
  else if (cap == "no-progress") r.noProgress = true;
  else if (cap == "include-tag") r.includeTag = true;
  else if (cap == "multi_ack") r.multiAck = true;
  else if (cap == "multi_ack_detailed") r.multiAckDetailed = true;
  else if (cap == "no-done") r.noDone = true;
  else if (cap == "deepen-relative") r.deepenRelative = true;
  // agent=, object-format=sha1, session-id=, allow-*-in-want, filter: nothing to do.
}

// Lines shared by v0 and v2: shallow/deepen*/filter. True if handled.
bool applyShallowOrFilter(FetchRequest& r, std::string_view line) {
  if (startsWith(line, "shallow ")) {
    r.shallows.push_back(parseId(line.substr(8), "shallow"));
  } else if (startsWith(line, "deepen ")) {
    r.depth = static_cast<int>(parseInt(line.substr(7), "deepen", 0x7fffffff));
    if (r.depth <= 0) bad("protocol error: deepen must be positive");
  } else if (startsWith(line, "deepen-since ")) {
    r.deepenSince = parseInt(line.substr(13), "deepen-since", INT64_MAX / 2);
  } else if (startsWith(line, "deepen-not ")) {
    r.deepenNot.emplace_back(line.substr(11));
  } else if (line == "deepen-relative") {
    r.deepenRelative = true;
  } else if (startsWith(line, "filter ")) {
    r.filter = ObjectFilter::parse(line.substr(7));
    if (!r.filter) bad("filter '" + std::string(line.substr(7, 64)) + "' not supported");
  } else {
    return false;
  }
  return true;
}

void checkBounds(const FetchRequest& r) {
  if (r.wants.size() + r.wantRefs.size() > kMaxWants) bad("protocol error: more than 100000 wants");
  if (r.haves.size() > kMaxHaves) bad("protocol error: more than 100000 haves");
  if (r.shallows.size() > kMaxShallowLines) bad("protocol error: more than 10000 shallow lines");
  if (r.deepenNot.size() > kMaxDeepenNot) bad("protocol error: more than 100 deepen-not lines");
}

// The lines both versions share, in the order git sends them.
void addShallowAndFilterLines(std::vector<std::string>& lines, const FetchRequest& r) {
  for (const auto& s : r.shallows) lines.push_back("shallow " + s.hex());
  if (r.depth > 0) lines.push_back("deepen " + std::to_string(r.depth));
  if (r.deepenSince) lines.push_back("deepen-since " + std::to_string(r.deepenSince));
  for (const auto& name : r.deepenNot) lines.push_back("deepen-not " + name);
  if (r.filter) lines.push_back("filter " + r.filter->spec());
}

}  // namespace

FetchRequest parseFetchRequestV0(const std::string& body) {
  FetchRequest r;
  PktLineReader reader;
  reader.feed(body);
  Packet p;
  bool inWants = true, first = true;
  while (reader.next(p)) {
    if (p.kind == Packet::Kind::Flush) {
      if (!inWants) r.negotiating = true;
      inWants = false;
      continue;
    }
    if (p.kind != Packet::Kind::Data) bad("protocol error: unexpected special packet");
    std::string_view line = chompNewline(p.payload);
    if (inWants) {
      if (startsWith(line, "want ")) {
        std::string_view rest = line.substr(5);
        if (rest.size() < 40) bad("protocol error: bad want");
        r.wants.push_back(parseId(rest.substr(0, 40), "want"));
        if (first && rest.size() > 40) {
          std::string_view caps = rest.substr(40);
          size_t start = 0;
          while (start < caps.size()) {
            size_t end = caps.find(' ', start);
            if (end == std::string_view::npos) end = caps.size();
            if (end > start) applyCapability(r, caps.substr(start, end - start));
            start = end + 1;
          }
        }
        first = false;
      } else if (!applyShallowOrFilter(r, line)) {
        bad("protocol error: unexpected line '" + std::string(line.substr(0, 64)) + "'");
      }
    } else if (startsWith(line, "have ")) {
      r.negotiating = true;
      r.haves.push_back(parseId(line.substr(5), "have"));
    } else if (line == "done") {
      r.negotiating = true;
      r.done = true;
      break;
    } else {
      bad("protocol error: expected have or done, got '" + std::string(line.substr(0, 64)) + "'");
    }
    checkBounds(r);
  }
  if (reader.buffered() != 0 && !r.done) bad("protocol error: truncated request");
  return r;
}

FetchRequest parseFetchArgumentsV2(const std::vector<std::string>& lines) {
  FetchRequest r;
  r.sideband64k = true;  // v2 always multiplexes the packfile section
  for (const auto& raw : lines) {
    std::string_view line = chompNewline(raw);
    if (startsWith(line, "want ")) r.wants.push_back(parseId(line.substr(5), "want"));
    else if (startsWith(line, "want-ref ")) r.wantRefs.emplace_back(line.substr(9));
    else if (startsWith(line, "have ")) r.haves.push_back(parseId(line.substr(5), "have"));
    else if (line == "done") r.done = true;
    else if (line == "thin-pack") r.thinPack = true;
    else if (line == "no-progress") r.noProgress = true;
    else if (line == "include-tag") r.includeTag = true;
    else if (line == "ofs-delta") r.ofsDelta = true;
    else if (line == "wait-for-done") r.waitForDone = true;
    else if (line == "sideband-all") r.sidebandAll = true;
    else if (!applyShallowOrFilter(r, line)) bad("unexpected line: '" + std::string(line.substr(0, 64)) + "'");
    checkBounds(r);
  }
  return r;
}

Bytes encodeFetchRequestV0(const FetchRequest& r, const std::vector<std::string>& extra) {
  std::string caps;
  auto cap = [&](bool on, const char* name) {
    if (on) caps += std::string(" ") + name;
  };
  cap(r.multiAck, "multi_ack");
  cap(r.multiAckDetailed, "multi_ack_detailed");
  cap(r.noDone, "no-done");
  cap(r.sideband, "side-band");
  cap(r.sideband64k, "side-band-64k");
  cap(r.ofsDelta, "ofs-delta");
  cap(r.thinPack, "thin-pack");
  cap(r.includeTag, "include-tag");
  cap(r.noProgress, "no-progress");
  cap(r.deepenRelative, "deepen-relative");  // a capability in v0/v1, an argument in v2
  for (const auto& e : extra) caps += " " + e;

  Bytes b;
  for (size_t i = 0; i < r.wants.size(); ++i) appendPkt(b, "want " + r.wants[i].hex() + (i == 0 ? caps : "") + "\n");
  std::vector<std::string> lines;
  addShallowAndFilterLines(lines, r);
  for (const auto& line : lines) appendPkt(b, line + "\n");
  appendFlush(b);
  if (r.negotiating || r.done) {
    for (const auto& h : r.haves) appendPkt(b, "have " + h.hex() + "\n");
    if (r.done) appendPkt(b, "done\n");
    else appendFlush(b);
  }
  return b;
}

std::vector<std::string> encodeFetchArgumentsV2(const FetchRequest& r) {
  std::vector<std::string> args;
  auto flag = [&](bool on, const char* name) {
    if (on) args.emplace_back(name);
  };
  flag(r.thinPack, "thin-pack");
  flag(r.noProgress, "no-progress");
  flag(r.ofsDelta, "ofs-delta");
  flag(r.includeTag, "include-tag");
  flag(r.waitForDone, "wait-for-done");
  flag(r.sidebandAll, "sideband-all");
  addShallowAndFilterLines(args, r);
  flag(r.deepenRelative, "deepen-relative");
  for (const auto& w : r.wants) args.push_back("want " + w.hex());
  for (const auto& ref : r.wantRefs) args.push_back("want-ref " + ref);
  for (const auto& h : r.haves) args.push_back("have " + h.hex());
  flag(r.done, "done");
  return args;
}

Bytes encodeFetchRequestV2(const FetchRequest& r, const std::vector<std::string>& capabilities) {
  return encodeCommandRequest(CommandRequest{"fetch", capabilities, encodeFetchArgumentsV2(r)});
}

}  // namespace oa::git
