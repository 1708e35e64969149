#include "artifacts/repo_event_queue.h"

namespace oa {

size_t RepoEventQueue::weight(const RepoEvent& event) {
  return event.payloadJson.size() + event.repoName.size() + event.namespaceName.size();
}

void RepoEventQueue::push(RepoEvent event) {
  if (!wanted_) return;
  const size_t w = weight(event);
  // An event larger than the whole budget is dropped itself (none is, by the builders' bounds).
  if (w > maxBytes_ || maxEvents_ == 0) {
    ++dropped_;
    return;
  }
  while (!events_.empty() && (events_.size() >= maxEvents_ || bytes_ + w > maxBytes_)) {
    bytes_ -= weight(events_.front());
    events_.pop_front();
    ++dropped_;
  }
  bytes_ += w;
  events_.push_back(std::move(event));
}

std::vector<RepoEvent> RepoEventQueue::take() {
  std::vector<RepoEvent> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
  events_.clear();
  bytes_ = 0;
  return out;
}

}  // namespace oa
