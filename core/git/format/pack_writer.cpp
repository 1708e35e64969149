#include "git/format/pack_writer.h"

#include <string>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
[[noreturn]] void fail(const std::string& message) { throwError(ErrorCode::InvalidInput, message); }
constexpr uint64_t kPackHeaderSize = 12;
}  // namespace

PackWriter::PackWriter(uint32_t objectCount) : objectCount_(objectCount) {
  const uint8_t header[12] = {'P', 'A', 'C', 'K', 0, 0, 0, 2,
                              static_cast<uint8_t>(objectCount >> 24), static_cast<uint8_t>(objectCount >> 16),
                              static_cast<uint8_t>(objectCount >> 8), static_cast<uint8_t>(objectCount)};
  append(header, sizeof header);
}

void PackWriter::append(const uint8_t* data, size_t n) {
  pending_.insert(pending_.end(), data, data + n);
  sha_.update(data, n);
  bytesWritten_ += n;
}

uint64_t PackWriter::addEntry(ObjectType type, uint64_t inflatedSize, const uint8_t* compressed, size_t n,
                              uint64_t baseOffset, const ObjectId* baseId) {
  if (finished_) fail("pack writer: entry added after finish()");
  if (entriesWritten_ == objectCount_) {
    fail("pack writer: more entries than the " + std::to_string(objectCount_) + " announced");
  }
  const unsigned typeBits = static_cast<unsigned>(type);
  if (typeBits == 0 || typeBits == 5 || typeBits > 7) fail("pack writer: invalid object type " + std::to_string(typeBits));
  if (n == 0) fail("pack writer: an entry needs its zlib stream");
  const uint64_t offset = bytesWritten_;

  // Header: type and size, low 4 size bits first, then 7 bits per byte.
  uint8_t header[10 + 10];
  size_t len = 0;
  uint64_t size = inflatedSize;
  uint8_t c = static_cast<uint8_t>((typeBits << 4) | (size & 0x0f));
  size >>= 4;
  while (size) {
    header[len++] = c | 0x80;
    c = size & 0x7f;
    size >>= 7;
  }
  header[len++] = c;

  if (type == ObjectType::OfsDelta) {
    // Base distance, big-endian 7-bit groups with the "+1 per continuation"
    // bias (encode_in_pack_object_header's counterpart in git).
    if (baseOffset < kPackHeaderSize || baseOffset >= offset) {
      fail("pack writer: ofs-delta base offset " + std::to_string(baseOffset) + " is not an earlier entry");
    }
    uint64_t distance = offset - baseOffset;
    uint8_t buf[10];
    size_t pos = sizeof buf - 1;
    buf[pos] = distance & 0x7f;
    while (distance >>= 7) buf[--pos] = 0x80 | (--distance & 0x7f);
    for (size_t i = pos; i < sizeof buf; ++i) header[len++] = buf[i];
    append(header, len);
  } else if (type == ObjectType::RefDelta) {
    if (!baseId) fail("pack writer: a ref-delta needs its base id");
    append(header, len);
    append(baseId->bytes.data(), baseId->bytes.size());
  } else {
    append(header, len);
  }
  append(compressed, n);
  ++entriesWritten_;
  return offset;
}

void PackWriter::finish() {
  if (finished_) fail("pack writer: finish() called twice");
  if (entriesWritten_ != objectCount_) {
    fail("pack writer: " + std::to_string(entriesWritten_) + " entries written, " + std::to_string(objectCount_) +
         " announced");
  }
  const ObjectId trailer = sha_.finish();
  pending_.insert(pending_.end(), trailer.bytes.begin(), trailer.bytes.end());
  bytesWritten_ += trailer.bytes.size();
  finished_ = true;
}

Bytes PackWriter::take() {
  Bytes out;
  out.swap(pending_);
  return out;
}

}  // namespace oa::git
