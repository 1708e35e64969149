// The refs a git server advertises, one codec for both ends (like go-git's
// packp.AdvRefs): upload-pack and receive-pack encode the answer to
// GET info/refs, upload-pack encodes the v2 ls-refs answer, and the fetch
// client decodes both.
//
// info/refs, protocol v0/v1 (gitprotocol-http, gitprotocol-pack "Reference
// Discovery"):
//   "# service=<service>\n" FLUSH      smart-HTTP preamble
//   ["version 1\n"]
//   "<id> <name>\0<capabilities>\n"    the first ref carries the capabilities;
//                                      an empty repo sends "<zero id> capabilities^{}"
//   "<id> <name>\n" ["<id> <name>^{}\n"] ...   "^{}": what an annotated tag peels to
//   "shallow <id>\n" ...               a shallow repo's boundary
//   FLUSH
// info/refs, protocol v2 (gitprotocol-v2 "Capability Advertisement"):
//   ["# service=<service>\n" FLUSH] "version 2\n" "<capability>\n" ... FLUSH
// ls-refs answer (gitprotocol-v2 "ls-refs"):
//   "<id> <name>[ symref-target:<ref>][ peeled:<id>]\n" ... FLUSH
//   ("unborn" instead of the id for an unborn HEAD)
//
// The decoders take a response packet by packet, as the fetch client reads
// bodies in chunks. ERR packets are left to the caller: a remote may send one
// in any response. Malformed input throws ArtifactsError(InvalidInput).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/format/object_id.h"
#include "git/format/pkt_line.h"

namespace oa::git {

struct AdvertisedRef {
  std::string name;                         // "refs/heads/main", or "HEAD"
  std::optional<ObjectId> id;               // nullopt: unborn (ls-refs only)
  std::optional<ObjectId> peeled;           // an annotated tag's target
  std::optional<std::string> symrefTarget;  // ls-refs; v0/v1 say it with a "symref=" capability
};

bool operator==(const AdvertisedRef& a, const AdvertisedRef& b);
inline bool operator!=(const AdvertisedRef& a, const AdvertisedRef& b) { return !(a == b); }

// The answer to GET info/refs?service=<service>.
struct RefAdvertisement {
  std::string service;  // "git-upload-pack": the preamble; empty: none (git http-backend's v2)
  int version = 0;      // 0, 1 ("version 1" first) or 2 (capabilities only: ls-refs lists the refs)
  std::vector<std::string> capabilities;  // v0/v1: the words after the NUL; v2: one per line
  std::vector<AdvertisedRef> refs;        // v0/v1, in order, with their ids (and peeled)
  std::vector<ObjectId> shallow;          // v0/v1
};

Bytes encodeRefAdvertisement(const RefAdvertisement& ad);

// A v2 ls-refs answer: one line per ref, then FLUSH.
Bytes encodeLsRefsResponse(const std::vector<AdvertisedRef>& refs);

class RefAdvertisementDecoder {
 public:
  enum class Status {
    NeedMore,
    Complete,            // the final FLUSH
    NotAnAdvertisement,  // not what a git smart-HTTP server sends: a web page, dumb HTTP, ...
  };
  // Which refs to keep (v0/v1 list every ref, GitHub all of refs/pull/*):
  // what is not kept costs no memory. Empty: keep all.
  using RefFilter = std::function<bool(std::string_view name)>;
  static constexpr size_t kMaxShallow = 1u << 16;  // a few MB at most

  // `service`: the preamble expected ("git-upload-pack"); it may be absent.
  explicit RefAdvertisementDecoder(std::string service, RefFilter keep = {});

  Status onPacket(const Packet& p);
  // A line only a git server sends was seen: from here on, bad input is a
  // misbehaving git server rather than something else at the URL.
  bool recognised() const { return recognised_; }
  // Valid once onPacket() returned Complete.
  RefAdvertisement& result() { return ad_; }

 private:
  enum class Expect { ServiceLine, ServiceFlush, FirstLine, V2Capabilities, Refs, Nothing };

  Status firstRefLine(const std::string& payload);
  void refLine(std::string_view line);
  void addRef(AdvertisedRef ref);

  std::string service_;
  RefFilter keep_;
  Expect expect_ = Expect::ServiceLine;
  bool recognised_ = false;
  RefAdvertisement ad_;
};

class LsRefsDecoder {
 public:
  // True at the final FLUSH.
  bool onPacket(const Packet& p);
  // In the order listed, "HEAD" and unborn refs included.
  std::vector<AdvertisedRef>& refs() { return refs_; }

 private:
  std::vector<AdvertisedRef> refs_;
};

}  // namespace oa::git
