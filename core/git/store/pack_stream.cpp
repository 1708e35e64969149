#include "git/store/pack_stream.h"

#include "open_artifacts/errors.h"
#include "git/format/pack_writer.h"
#include "git/format/zlib_stream.h"

namespace oa::git {

PackStream::PackStream(ObjectStore& objects, std::vector<ObjectId> ids, std::unordered_set<ObjectId> clientHas,
                       bool allowOfsDelta)
    : objects_(objects), ids_(std::move(ids)), positions_(ids_), offsets_(ids_.size(), 0),
      clientHas_(std::move(clientHas)), allowOfsDelta_(allowOfsDelta), writer_(std::make_unique<PackWriter>(static_cast<uint32_t>(ids_.size()))) {
  stats_.total = static_cast<uint32_t>(ids_.size());
}

PackStream::~PackStream() = default;

void PackStream::emit(uint32_t at, int depth) {
  if (offsets_[at] != 0) return;
  const ObjectId& id = ids_[at];
  auto rec = objects_.record(id);
  objects_.forget(id);  // sent once: a retained record is not needed again
  if (!rec) throwError(ErrorCode::InternalError, "object vanished while packing: " + id.hex());
  if (rec->isDelta && depth <= static_cast<int>(kMaxChainWeight)) {  // a chain has at most that many links
    if (const uint32_t base = positions_.find(rec->base); base != ObjectIdPositions::kNone) {
      emit(base, depth + 1);  // a delta's base must come first in the pack
      const uint64_t baseOffset = offsets_[base];
      const uint64_t offset =
          allowOfsDelta_ ? writer_->addEntry(ObjectType::OfsDelta, rec->deltaSize, rec->compressed.data(),
                                             rec->compressed.size(), baseOffset)
                         : writer_->addEntry(ObjectType::RefDelta, rec->deltaSize, rec->compressed.data(),
                                             rec->compressed.size(), 0, &rec->base);
      offsets_[at] = offset;
      ++stats_.deltas;
      ++stats_.reused;
      ++stats_.reusedDeltas;
      return;
    }
    if (clientHas_.count(rec->base)) {
      offsets_[at] = writer_->addEntry(ObjectType::RefDelta, rec->deltaSize, rec->compressed.data(),
                                       rec->compressed.size(), 0, &rec->base);
      ++stats_.deltas;
      ++stats_.reused;
      ++stats_.reusedDeltas;
      return;
    }
  }
  if (rec->isDelta) {
    // The base is not available to the client: send the object whole.
    auto resolved = objects_.read(id);
    const Bytes compressed = deflateBytes(resolved->data->data(), resolved->data->size());
    offsets_[at] = writer_->addEntry(rec->type, resolved->data->size(), compressed.data(), compressed.size());
    return;
  }
  offsets_[at] = writer_->addEntry(rec->type, rec->size, rec->compressed.data(), rec->compressed.size());
  ++stats_.reused;
}

bool PackStream::next(Bytes& out) {
  if (finished_) return false;
  // Roughly 64 KiB per call keeps chunks large enough for throughput and
  // small enough for bounded memory.
  const uint64_t start = writer_->bytesWritten();
  while (cursor_ < ids_.size() && writer_->bytesWritten() - start < 65536) emit(static_cast<uint32_t>(cursor_++), 0);
  if (cursor_ == ids_.size()) {
    writer_->finish();
    finished_ = true;
  }
  Bytes chunk = writer_->take();
  out.insert(out.end(), chunk.begin(), chunk.end());
  return true;
}

}  // namespace oa::git
