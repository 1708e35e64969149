#include "git/format/sideband.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

template <typename Out>
void appendSidebandTo(Out& out, Band band, std::string_view data, size_t maxData) {
  if (maxData == 0 || maxData > kSideband64kMaxData) {
    throwError(ErrorCode::InvalidInput, "sideband: data per packet must be 1.." +
                                            std::to_string(kSideband64kMaxData) + ", got " +
                                            std::to_string(maxData));
  }
  std::string payload;
  payload.reserve(std::min(data.size(), maxData) + 1);
  while (!data.empty()) {
    size_t n = std::min(data.size(), maxData);
    payload.assign(1, static_cast<char>(band));
    payload.append(data.data(), n);
    appendPkt(out, payload);
    data.remove_prefix(n);
  }
}

}  // namespace

void appendSideband(std::string& out, Band band, std::string_view data, size_t maxData) {
  appendSidebandTo(out, band, data, maxData);
}
void appendSideband(Bytes& out, Band band, std::string_view data, size_t maxData) {
  appendSidebandTo(out, band, data, maxData);
}
void appendSideband(Bytes& out, Band band, const uint8_t* data, size_t n, size_t maxData) {
  appendSidebandTo(out, band, std::string_view(reinterpret_cast<const char*>(data), n), maxData);
}

ProgressMeter::ProgressMeter(std::string title, uint64_t total, uint64_t unknownStep)
    : title_(std::move(title)), total_(total), unknownStep_(unknownStep == 0 ? 1 : unknownStep) {}

std::string ProgressMeter::update(uint64_t n) {
  last_ = n;
  // Percent for a known total; otherwise the count rounded down to the step.
  int64_t shown = static_cast<int64_t>(total_ ? n * 100 / total_ : n / unknownStep_);
  if (shown == lastShown_) return "";
  lastShown_ = shown;
  return format(n, "\r");
}

std::string ProgressMeter::done() { return format(last_, ", done.\n"); }

std::string ProgressMeter::done(uint64_t n) {
  last_ = n;
  return done();
}

std::string ProgressMeter::format(uint64_t n, const char* eol) const {
  char counters[64];
  if (total_) {
    // n * 100 wraps only beyond ~1.8e17 objects; git computes it the same way.
    std::snprintf(counters, sizeof counters, "%3u%% (%" PRIu64 "/%" PRIu64 ")",
                  static_cast<unsigned>(n * 100 / total_), n, total_);
  } else {
    std::snprintf(counters, sizeof counters, "%" PRIu64, n);
  }
  return title_ + ": " + counters + eol;
}

}  // namespace oa::git
