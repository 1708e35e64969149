// git-receive-pack over stateless HTTP (protocol v0/v1): command list with
// capabilities, optional push options, then a pack streamed into PackIngest.
// On finish: refs whose new history would reach a shallow commit of the
// client's are refused (git's default receive.shallowUpdate=false; the repo's
// own shallow commits are fine), a connectivity check per ref (history stops
// at the repo's shallow commits), compare-and-swap ref updates in one atomic
// batch (all-or-nothing with `atomic`), and a report-status(-v2) response, on
// side-band-64k when asked.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "git/store/fork_visibility.h"
#include "git/store/pack_ingest.h"
#include "git/format/pkt_line.h"
#include "git/store/repo_context.h"
#include "git/protocol/response_body.h"

namespace oa::git {

struct RefCommand {
  ObjectId oldId;
  ObjectId newId;
  std::string ref;
  std::string error;  // empty = ok so far
};

struct PushOutcome {
  std::vector<RefUpdate> updated;  // in command order (what a `pushed` event reports)
  bool anyRefChanged() const { return !updated.empty(); }
};

class ReceivePack {
 public:
  explicit ReceivePack(RepoContext& repo, IngestLimits limits = {});
  ~ReceivePack();

  // Body of GET info/refs?service=git-receive-pack.
  Bytes advertise(int version);

  // Request body, in chunks of any size. The pack's unpacking may stop after
  // a step's work: call resume() until it returns true before writing more.
  // Throws ArtifactsError(MemoryLimit) when the push is over a limit (the
  // request is refused as a whole, HTTP 413).
  void write(const uint8_t* data, size_t n);
  bool resume();
  // Applies the push and returns the report. Throws ArtifactsError
  // (InvalidInput) only when the command list itself is unusable (HTTP 400).
  std::unique_ptr<ResponseBody> finish();
  const PushOutcome& outcome() const { return outcome_; }
  const std::vector<std::string>& pushOptions() const { return options_; }

 private:
  void parseCommandPacket(const std::string& payload);
  void checkShallowUpdates();
  void checkConnectivity();
  void applyUpdates();
  // When the pack is exactly what the refs now reach: the clone list it
  // makes (pushed_clone_list.h), as WalkCache stores it. Best effort: the
  // refs have moved already.
  std::optional<Bytes> cloneListEntry();
  Bytes report();
  // The pack's objects go again (PackIngest::abandon), as far as is safe.
  void giveUpPack();

  enum class Phase { Commands, Options, Pack, Done };
  RepoContext& repo_;
  IngestLimits limits_;
  Phase phase_ = Phase::Commands;
  PktLineReader reader_;
  std::vector<RefCommand> commands_;
  size_t commandBytes_ = 0;
  std::vector<std::string> options_;
  bool sideband_ = false, reportV2_ = false, atomic_ = false, quiet_ = false, pushOptions_ = false;
  std::vector<ObjectId> clientShallows_;  // the client's "shallow" lines
  bool sawAnyPacket_ = false;
  std::unique_ptr<PackIngest> ingest_;
  std::string removalEpochAtStart_;  // PackIngest::removalEpoch() when the push began
  // A fork borrowing its parent's objects: what the push may refer to.
  std::optional<ForkVisibility> fork_;
  std::string unpackError_;  // empty = unpack ok
  PushOutcome outcome_;
};

}  // namespace oa::git
