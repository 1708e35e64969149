// The events the core has built and the host has not taken yet
// (repo_events.h). Bounded: a host that never drains keeps at most
// kMaxQueuedEvents events of at most kMaxQueuedEventBytes payload in all;
// past either bound the oldest events go, and are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "artifacts/repo_events.h"

namespace oa {

constexpr size_t kMaxQueuedEvents = 1000;
// A pushed event is at most ~0.5 MB (20 commits of 4,096-unit messages and
// 1,024-unit identities, as UTF-8); typical ones are a few KB.
constexpr size_t kMaxQueuedEventBytes = 16u << 20;

class RepoEventQueue {
 public:
  explicit RepoEventQueue(size_t maxEvents = kMaxQueuedEvents, size_t maxBytes = kMaxQueuedEventBytes)
      : maxEvents_(maxEvents), maxBytes_(maxBytes) {}

  // A host with nobody to hand events to turns the queue off: nothing is
  // built or kept (a push of thousands of refs builds one event per ref).
  void setWanted(bool wanted) { wanted_ = wanted; }
  bool wanted() const { return wanted_; }
  // Past a bound the oldest events make room.
  void push(RepoEvent event);
  // Counts events that were never built (a push's refs past kMaxQueuedEvents).
  void countDropped(uint64_t n) {
    if (wanted_) dropped_ += n;
  }
  // Every queued event, oldest first; the queue is empty afterwards.
  std::vector<RepoEvent> take();

  size_t size() const { return events_.size(); }
  size_t bytes() const { return bytes_; }
  // Events dropped for room since the queue was made.
  uint64_t dropped() const { return dropped_; }

 private:
  static size_t weight(const RepoEvent& event);

  size_t maxEvents_;
  size_t maxBytes_;
  std::deque<RepoEvent> events_;
  size_t bytes_ = 0;
  uint64_t dropped_ = 0;
  bool wanted_ = true;
};

}  // namespace oa
