#include "git/protocol/ref_advertisement.h"

#include <algorithm>

#include "base/text.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

constexpr std::string_view kPeeledSuffix = "^{}";
constexpr std::string_view kNoRefsName = "capabilities^{}";

[[noreturn]] void malformed(const std::string& what) { throwError(ErrorCode::InvalidInput, what); }

std::vector<std::string_view> splitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t pos = 0; pos <= s.size();) {
    const size_t end = std::min(s.find(' ', pos), s.size());
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string joinSpaces(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// "<40 hex> <name>": a v0/v1 ref line without its capabilities.
std::optional<AdvertisedRef> parseRefLine(std::string_view line) {
  if (line.size() < 42 || line[40] != ' ') return std::nullopt;
  auto id = ObjectId::fromHex(line.substr(0, 40));
  if (!id) return std::nullopt;
  return AdvertisedRef{std::string(line.substr(41)), id, std::nullopt, std::nullopt};
}

}  // namespace

bool operator==(const AdvertisedRef& a, const AdvertisedRef& b) {
  return a.name == b.name && a.id == b.id && a.peeled == b.peeled && a.symrefTarget == b.symrefTarget;
}

// ---- encoding

Bytes encodeRefAdvertisement(const RefAdvertisement& ad) {
  Bytes out;
  if (!ad.service.empty()) {
    appendPkt(out, "# service=" + ad.service + "\n");
    appendFlush(out);
  }
  if (ad.version == 2) {
    appendPkt(out, "version 2\n");
    for (const auto& cap : ad.capabilities) appendPkt(out, cap + "\n");
    appendFlush(out);
    return out;
  }
  if (ad.version == 1) appendPkt(out, "version 1\n");
  const std::string caps = joinSpaces(ad.capabilities);
  bool first = true;
  auto refLine = [&](const ObjectId& id, std::string_view name) {
    appendPkt(out, id.hex() + " " + std::string(name) + (first ? std::string(1, '\0') + caps : std::string()) + "\n");
    first = false;
  };
  for (const auto& ref : ad.refs) {
    if (!ref.id) continue;  // v0/v1 have no way to say "unborn"
    refLine(*ref.id, ref.name);
    if (ref.peeled) appendPkt(out, ref.peeled->hex() + " " + ref.name + std::string(kPeeledSuffix) + "\n");
  }
  // The capabilities need a line to ride on, even without refs.
  if (first) refLine(ObjectId{}, kNoRefsName);
  for (const auto& s : ad.shallow) appendPkt(out, "shallow " + s.hex() + "\n");
  appendFlush(out);
  return out;
}

Bytes encodeLsRefsResponse(const std::vector<AdvertisedRef>& refs) {
  Bytes out;
  for (const auto& ref : refs) {
    std::string line = (ref.id ? ref.id->hex() : std::string("unborn")) + " " + ref.name;
    if (ref.symrefTarget) line += " symref-target:" + *ref.symrefTarget;
    if (ref.peeled) line += " peeled:" + ref.peeled->hex();
    appendPkt(out, line + "\n");
  }
  appendFlush(out);
  return out;
}

// ---- decoding: info/refs

RefAdvertisementDecoder::RefAdvertisementDecoder(std::string service, RefFilter keep)
    : service_(std::move(service)), keep_(std::move(keep)) {}

RefAdvertisementDecoder::Status RefAdvertisementDecoder::onPacket(const Packet& p) {
  const bool data = p.kind == Packet::Kind::Data;
  const bool flush = p.kind == Packet::Kind::Flush;
  const std::string_view line = chompNewline(p.payload);
  switch (expect_) {
    case Expect::ServiceLine:
      if (data && line == "# service=" + service_) {
        recognised_ = true;
        ad_.service = service_;
        expect_ = Expect::ServiceFlush;
        return Status::NeedMore;
      }
      expect_ = Expect::FirstLine;  // git http-backend omits the preamble for v2
      return onPacket(p);
    case Expect::ServiceFlush:
      if (!flush) return Status::NotAnAdvertisement;
      expect_ = Expect::FirstLine;
      return Status::NeedMore;
    case Expect::FirstLine:
      if (flush && recognised_) {  // v0/v1 without refs and without capabilities
        expect_ = Expect::Nothing;
        return Status::Complete;
      }
      if (!data) return Status::NotAnAdvertisement;
      if (line == "version 2") {
        recognised_ = true;
        ad_.version = 2;
        expect_ = Expect::V2Capabilities;
        return Status::NeedMore;
      }
      if (line == "version 1") {  // v1 = v0 after this line
        recognised_ = true;
        ad_.version = 1;
        return Status::NeedMore;
      }
      return firstRefLine(p.payload);
    case Expect::V2Capabilities:
      if (flush) {
        expect_ = Expect::Nothing;
        return Status::Complete;
      }
      if (!data) malformed("unexpected packet in the capability advertisement");
      ad_.capabilities.emplace_back(line);
      return Status::NeedMore;
    case Expect::Refs:
      if (flush) {
        expect_ = Expect::Nothing;
        return Status::Complete;
      }
      if (!data) malformed("unexpected packet in the ref advertisement");
      refLine(line);
      return Status::NeedMore;
    case Expect::Nothing:
      break;
  }
  malformed("data after the end of the ref advertisement");
}

// "<id> <name>\0<capabilities>", or "<zero id> capabilities^{}\0<capabilities>".
RefAdvertisementDecoder::Status RefAdvertisementDecoder::firstRefLine(const std::string& payload) {
  const size_t nul = payload.find('\0');
  auto ref = parseRefLine(chompNewline(std::string_view(payload).substr(0, nul)));
  if (!ref) {
    if (!recognised_) return Status::NotAnAdvertisement;
    malformed("bad first ref line");
  }
  recognised_ = true;
  expect_ = Expect::Refs;
  if (nul != std::string::npos) {
    for (auto word : splitSpaces(chompNewline(std::string_view(payload).substr(nul + 1)))) {
      ad_.capabilities.emplace_back(word);
    }
  }
  if (ref->name != kNoRefsName) addRef(std::move(*ref));
  return Status::NeedMore;
}

void RefAdvertisementDecoder::refLine(std::string_view line) {
  if (startsWith(line, "shallow ")) {
    auto id = ObjectId::fromHex(line.substr(8));
    if (!id) malformed("bad shallow line");
    if (ad_.shallow.size() >= kMaxShallow) malformed("too many shallow lines");
    ad_.shallow.push_back(*id);
    return;
  }
  auto ref = parseRefLine(line);
  if (!ref) malformed("bad ref line");
  addRef(std::move(*ref));
}

void RefAdvertisementDecoder::addRef(AdvertisedRef ref) {
  const std::string_view name = ref.name;
  if (name.size() > kPeeledSuffix.size() && endsWith(name, kPeeledSuffix)) {
    // "<id> refs/tags/v1^{}" follows "refs/tags/v1": what that tag peels to.
    const std::string_view tagged = name.substr(0, name.size() - kPeeledSuffix.size());
    if (!ad_.refs.empty() && ad_.refs.back().name == tagged) ad_.refs.back().peeled = ref.id;
    return;
  }
  if (!keep_ || keep_(name)) ad_.refs.push_back(std::move(ref));
}

// ---- decoding: ls-refs

// "<id> <name>[ symref-target:<t>][ peeled:<id>]" or "unborn <name>[ symref-target:<t>]".
bool LsRefsDecoder::onPacket(const Packet& p) {
  if (p.kind == Packet::Kind::Flush) return true;
  if (p.kind != Packet::Kind::Data) malformed("unexpected packet in the ls-refs response");
  const auto words = splitSpaces(chompNewline(p.payload));
  if (words.size() < 2) malformed("bad ls-refs line");
  AdvertisedRef ref;
  ref.name = std::string(words[1]);
  if (words[0] != "unborn") {
    ref.id = ObjectId::fromHex(words[0]);
    if (!ref.id) malformed("bad ls-refs line");
  }
  for (size_t i = 2; i < words.size(); ++i) {
    if (startsWith(words[i], "symref-target:")) ref.symrefTarget = std::string(words[i].substr(14));
    if (startsWith(words[i], "peeled:")) {
      ref.peeled = ObjectId::fromHex(words[i].substr(7));
      if (!ref.peeled) malformed("bad peeled id");
    }
  }
  refs_.push_back(std::move(ref));
  return false;
}

}  // namespace oa::git
