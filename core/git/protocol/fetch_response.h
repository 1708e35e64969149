// The answer to a fetch request that ended in "done", as the fetch client
// reads it:
//
//   v2 (gitprotocol-v2 "fetch"): sections, each a header line and its lines,
//     separated by DELIM: acknowledgments, shallow-info, wanted-refs,
//     packfile-uris; then "packfile" with the pack on side-band, and FLUSH.
//   v0/v1 (gitprotocol-pack): the shallow list (ended by FLUSH), "NAK" or
//     "ACK <id>", then the pack in side-band pkt-lines ended by FLUSH or,
//     without side-band, raw to the end of the body.
//
// Like the other decoders it takes the body packet by packet and leaves ERR
// packets to the caller; malformed input throws ArtifactsError(InvalidInput),
// a band-3 message from the remote ArtifactsError(UpstreamUnavailable). The
// encoding side of this answer is still written inline in upload_pack.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "git/format/object_id.h"
#include "git/format/pkt_line.h"

namespace oa::git {

class FetchResponseDecoder {
 public:
  // Where the pack goes (the fetch client's PackIngest).
  class PackSink {
   public:
    virtual ~PackSink() = default;
    virtual void packBegins() = 0;
    virtual void packData(const uint8_t* data, size_t n) = 0;
    virtual void packEnds() = 0;
  };

  // `sideband`: v0/v1 only, whether side-band(-64k) was asked for (v2 always has it).
  FetchResponseDecoder(bool v2, bool sideband, PackSink& sink);

  // True once the response is complete.
  bool onPacket(const Packet& p);
  // v0/v1 without side-band, after "NAK"/"ACK": the rest of the body is the
  // pack itself, not pkt-lines. Hand it to rawPackData().
  bool packIsRaw() const { return expect_ == Expect::RawPack; }
  void rawPackData(const uint8_t* data, size_t n) { sink_.packData(data, n); }
  // The body ended: ends a raw pack. True if the response was complete.
  bool endOfBody();

  // The commits the remote sent without their parents ("shallow" lines less
  // "unshallow" ones).
  const std::set<ObjectId>& shallow() const { return shallow_; }

 private:
  enum class Expect {
    Section, SectionLines, SidebandPack,  // v2 (SidebandPack also v0/v1)
    ShallowListOrAck, RawPack,            // v0/v1
    Nothing,
  };

  void shallowLine(std::string_view line);
  void sidebandPacket(const std::string& payload);
  void beginPack(Expect framing);

  PackSink& sink_;
  bool sideband_;
  Expect expect_;
  std::string section_;
  std::set<ObjectId> shallow_;
};

}  // namespace oa::git
