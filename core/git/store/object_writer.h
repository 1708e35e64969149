// Objects the server makes itself (the commit API's blobs, trees and commit),
// staged into one batch that the caller commits together with the ref update
// they are for: nothing is stored unless all of it is. Each object is hashed,
// skipped when already stored, and otherwise stored whole (deflated) and
// counted against the repo's stored-size limit as a pushed object is.
#pragma once

#include <cstdint>

#include "git/format/object_id.h"
#include "git/store/object_store.h"
#include "open_artifacts/storage.h"

namespace oa::git {

class ObjectWriter {
 public:
  // `objects` counts staged objects as stored from now on (ObjectStore::stage):
  // if `batch` is dropped instead of committed, drop `objects` with it.
  ObjectWriter(ObjectStore& objects, WriteBatch& batch, uint64_t maxRepoBytes);

  // The object's id; its record is staged unless stored already. MEMORY_LIMIT
  // past the repo's stored-size limit.
  ObjectId write(ObjectType type, const Bytes& data);
  // Stages the repo's stored-bytes counter (once, after the last write()).
  void finish();
  // Bytes of records this writer staged.
  uint64_t addedBytes() const { return addedBytes_; }

 private:
  ObjectStore& objects_;
  WriteBatch& batch_;
  uint64_t maxRepoBytes_;
  uint64_t bytesBefore_;
  uint64_t addedBytes_ = 0;
};

}  // namespace oa::git
