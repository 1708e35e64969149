#include "git/protocol/fetch_response.h"

#include "base/text.h"
#include "git/format/sideband.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
[[noreturn]] void malformed(const std::string& what) { throwError(ErrorCode::InvalidInput, what); }
}  // namespace

FetchResponseDecoder::FetchResponseDecoder(bool v2, bool sideband, PackSink& sink)
    : sink_(sink), sideband_(v2 || sideband), expect_(v2 ? Expect::Section : Expect::ShallowListOrAck) {}

bool FetchResponseDecoder::onPacket(const Packet& p) {
  const bool data = p.kind == Packet::Kind::Data;
  const bool flush = p.kind == Packet::Kind::Flush;
  const std::string_view line = chompNewline(p.payload);
  switch (expect_) {
    case Expect::Section:
      if (flush) {
        expect_ = Expect::Nothing;
      } else if (data && line == "packfile") {
        beginPack(Expect::SidebandPack);
      } else if (data && (line == "acknowledgments" || line == "shallow-info" || line == "wanted-refs" ||
                          line == "packfile-uris")) {
        section_ = std::string(line);
        expect_ = Expect::SectionLines;
      } else if (p.kind != Packet::Kind::ResponseEnd) {
        malformed("unexpected section \"" + std::string(line) + "\"");
      }
      break;
    case Expect::SectionLines:
      // Of the sections only shallow-info matters: no acknowledgments are
      // expected after "done", wanted-refs and packfile-uris are not asked for.
      if (p.kind == Packet::Kind::Delim) expect_ = Expect::Section;
      else if (flush) expect_ = Expect::Nothing;
      else if (data && section_ == "shallow-info") shallowLine(line);
      break;
    case Expect::ShallowListOrAck:
      if (flush) break;  // ends the shallow list
      if (data && (startsWith(line, "shallow ") || startsWith(line, "unshallow "))) {
        shallowLine(line);
      } else if (data && (line == "NAK" || startsWith(line, "ACK "))) {
        beginPack(sideband_ ? Expect::SidebandPack : Expect::RawPack);
      } else {
        malformed("unexpected line \"" + std::string(line) + "\" before the pack");
      }
      break;
    case Expect::SidebandPack:
      if (flush) {
        sink_.packEnds();
        expect_ = Expect::Nothing;
      } else if (data) {
        sidebandPacket(p.payload);
      } else {
        malformed("unexpected packet in the pack stream");
      }
      break;
    case Expect::RawPack:
    case Expect::Nothing:
      malformed("data after the end of the response");
  }
  return expect_ == Expect::Nothing;
}

bool FetchResponseDecoder::endOfBody() {
  if (expect_ == Expect::RawPack) {
    sink_.packEnds();
    expect_ = Expect::Nothing;
  }
  return expect_ == Expect::Nothing;
}

void FetchResponseDecoder::beginPack(Expect framing) {
  sink_.packBegins();
  expect_ = framing;
}

// "shallow <id>": sent without its parents; "unshallow <id>": with them after all.
void FetchResponseDecoder::shallowLine(std::string_view line) {
  const bool unshallow = startsWith(line, "unshallow ");
  if (!unshallow && !startsWith(line, "shallow ")) malformed("bad shallow-info line");
  auto id = ObjectId::fromHex(line.substr(unshallow ? 10 : 8));
  if (!id) malformed("bad shallow-info line");
  if (unshallow) shallow_.erase(*id);
  else shallow_.insert(*id);
}

void FetchResponseDecoder::sidebandPacket(const std::string& payload) {
  const uint8_t band = payload.empty() ? 0 : static_cast<uint8_t>(payload[0]);
  if (band == static_cast<uint8_t>(Band::Data)) {
    sink_.packData(reinterpret_cast<const uint8_t*>(payload.data()) + 1, payload.size() - 1);
  } else if (band == static_cast<uint8_t>(Band::Error)) {
    throwError(ErrorCode::UpstreamUnavailable,
               "remote error: " + std::string(chompNewline(std::string_view(payload).substr(1))));
  } else if (band != static_cast<uint8_t>(Band::Progress)) {
    malformed("bad side-band packet");
  }
}

}  // namespace oa::git
