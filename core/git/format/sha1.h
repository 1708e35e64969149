// SHA-1 in two flavours. Sha1 is plain FIPS 180-1, streamed, for pack
// trailers (a checksum of bytes we already validate). hashObject computes git
// object ids with libgit2's collision-detecting SHA-1 (SHA1DC), because ids of
// pushed objects are what an attacker would try to collide.
#pragma once

#include <cstddef>
#include <cstdint>

#include "git/format/object_id.h"

namespace oa::git {

class Sha1 {
 public:
  Sha1();
  void update(const void* data, size_t n);
  // The digest of everything updated so far; the object is reset afterwards.
  ObjectId finish();

 private:
  void reset();
  void compress(const uint8_t block[64]);

  uint32_t state_[5];
  uint64_t length_ = 0;  // bytes
  uint8_t buffer_[64];
  size_t buffered_ = 0;
};

// Git's id of an object: SHA-1("<type> <n>\0" + data). `type` must be Commit,
// Tree, Blob or Tag (a delta is not an object); otherwise InvalidInput.
ObjectId hashObject(ObjectType type, const uint8_t* data, size_t n);

}  // namespace oa::git
