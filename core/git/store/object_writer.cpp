#include "git/store/object_writer.h"

#include "git/format/sha1.h"

namespace oa::git {

ObjectWriter::ObjectWriter(ObjectStore& objects, WriteBatch& batch, uint64_t maxRepoBytes)
    : objects_(objects), batch_(batch), maxRepoBytes_(maxRepoBytes), bytesBefore_(objects.storedBytes()) {}

ObjectId ObjectWriter::write(ObjectType type, const Bytes& data) {
  const ObjectId id = hashObject(type, data.data(), data.size());
  if (objects_.exists(id)) return id;
  const StoredObject record = ObjectStore::wholeObject(type, data);
  addedBytes_ += ObjectStore::recordBytes(record);
  ObjectStore::requireWithinRepoLimit(bytesBefore_ + addedBytes_, maxRepoBytes_);
  objects_.stage(batch_, id, record);
  return id;
}

void ObjectWriter::finish() {
  if (addedBytes_ == 0) return;
  // Read again now (as pack ingest does): bytes a concurrent push added are kept.
  objects_.stageStoredBytes(batch_, objects_.storedBytes() + addedBytes_);
}

}  // namespace oa::git
