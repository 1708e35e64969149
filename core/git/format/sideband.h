// Side-band multiplexing (gitprotocol-pack "side-band, side-band-64k"): once
// negotiated, upload-pack sends the pack, progress text and a fatal error as
// pkt-lines whose first payload byte names the band.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "git/format/pkt_line.h"

namespace oa::git {

enum class Band : uint8_t { Data = 1, Progress = 2, Error = 3 };

// Whole pkt-line limits (header and band byte included) and the data bytes
// that fit: "side-band" 1000 -> 995, "side-band-64k" 65520 -> 65515, as in
// git's send_sideband().
constexpr size_t kSidebandPktLength = 1000;
constexpr size_t kSidebandMaxData = kSidebandPktLength - 5;       // 995
constexpr size_t kSideband64kPktLength = kMaxPktLength;           // 65520
constexpr size_t kSideband64kMaxData = kSideband64kPktLength - 5;  // 65515

// Appends `data` on `band` as pkt-lines carrying at most `maxData` data bytes
// each. Empty data appends nothing. Throws ArtifactsError(InvalidInput) when
// maxData is 0 or above kSideband64kMaxData.
void appendSideband(std::string& out, Band band, std::string_view data, size_t maxData = kSideband64kMaxData);
void appendSideband(Bytes& out, Band band, std::string_view data, size_t maxData = kSideband64kMaxData);
void appendSideband(Bytes& out, Band band, const uint8_t* data, size_t n, size_t maxData = kSideband64kMaxData);

// Git-style progress text for band 2, formatted like git's progress.c:
//   "Counting objects:  45% (450/1000)\r" ... "Counting objects: 100% (1000/1000), done.\n"
// update() returns "" unless the shown percentage changed, so calling it per
// object is cheap and the client sees at most ~101 lines. With total 0 (unknown)
// it shows the bare count, at most once per `unknownStep` objects.
class ProgressMeter {
 public:
  ProgressMeter(std::string title, uint64_t total, uint64_t unknownStep = 1000);

  std::string update(uint64_t n);
  // The final line at the last value passed to update() (or at `n`).
  std::string done();
  std::string done(uint64_t n);

 private:
  std::string format(uint64_t n, const char* eol) const;

  std::string title_;
  uint64_t total_;
  uint64_t unknownStep_;
  uint64_t last_ = 0;
  int64_t lastShown_ = -1;  // percent (or count) last emitted, -1 = none yet
};

}  // namespace oa::git
