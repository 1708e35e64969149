// ObjectStore's cache of resolved objects: what it counts and what it keeps.
#include <gtest/gtest.h>

#include "git/format/sha1.h"
#include "git/store/object_store.h"
#include "support/memory_kv_store.h"

namespace oa::git {
namespace {

ObjectId idOf(const std::string& text) {
  return hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// Objects remembered but never stored: read() finds them only in the cache.
std::shared_ptr<const Bytes> buffer(size_t size, size_t capacity) {
  Bytes b(size, 7);
  b.reserve(capacity);
  return std::make_shared<const Bytes>(std::move(b));
}

TEST(ObjectStoreCache, ABufferCountsWhatItHoldsNotItsObjectsSize) {
  MemoryKvStore kv;
  ObjectStore objects(kv, 1000);
  objects.remember(idOf("a"), ObjectType::Blob, buffer(10, 900));
  objects.remember(idOf("b"), ObjectType::Blob, buffer(10, 900));
  EXPECT_FALSE(objects.read(idOf("a"))) << "two 900-byte buffers do not fit a 1000-byte cache";
  ASSERT_TRUE(objects.read(idOf("b")));
  EXPECT_EQ(objects.read(idOf("b"))->data->size(), 10u);
}

TEST(ObjectStoreCache, ALowerLimitEvictsAndKeepsTheLargeObjectThreshold) {
  MemoryKvStore kv;
  ObjectStore objects(kv, 4000);  // objects over 1000 bytes go to the single large slot
  objects.remember(idOf("a"), ObjectType::Blob, buffer(300, 300));
  objects.remember(idOf("b"), ObjectType::Blob, buffer(300, 300));
  objects.setCacheLimit(400);
  EXPECT_FALSE(objects.read(idOf("a"))) << "evicted, oldest first";
  EXPECT_TRUE(objects.read(idOf("b")));
  // 600 bytes: not a large object for this store, so it competes for the 400 bytes like any other.
  objects.remember(idOf("c"), ObjectType::Blob, buffer(600, 600));
  EXPECT_FALSE(objects.read(idOf("c")));
  objects.setCacheLimit(4000);
  objects.remember(idOf("c"), ObjectType::Blob, buffer(600, 600));
  EXPECT_TRUE(objects.read(idOf("c")));
}

}  // namespace
}  // namespace oa::git
