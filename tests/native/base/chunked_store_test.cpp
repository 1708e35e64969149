#include <gtest/gtest.h>

#include <functional>

#include "base/chunked_store.h"
#include "open_artifacts/errors.h"
#include "support/memory_kv_store.h"

namespace oa {
namespace {

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 31);
  return b;
}

struct ChunkedFixture : ::testing::Test {
  MemoryKvStore raw;
  ChunkedStore store{raw, 100};  // small chunks so tests stay small

  void put(const std::string& key, const Bytes& value) {
    WriteBatch b;
    b.put(key, value);
    store.commit(b);
  }
  size_t largestRow() const {
    size_t m = 0;
    for (const auto& [k, v] : raw.contents()) m = std::max(m, v.size());
    return m;
  }
};

TEST_F(ChunkedFixture, RoundTripsSmallAndLargeValues) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{98}, size_t{99}, size_t{100}, size_t{101}, size_t{1000}, size_t{12345}}) {
    const std::string key = "k/" + std::to_string(n);
    put(key, pattern(n, static_cast<uint8_t>(n)));
    EXPECT_EQ(store.get(key), pattern(n, static_cast<uint8_t>(n))) << n;
  }
  EXPECT_LE(largestRow(), 100u) << "no stored row may exceed the chunk size";
}

TEST_F(ChunkedFixture, OverwriteAndDeleteLeaveNoOrphanChunks) {
  put("big", pattern(1000, 1));
  const size_t rowsWhenBig = raw.size();
  EXPECT_GT(rowsWhenBig, 10u);
  put("big", pattern(250, 2));
  EXPECT_EQ(store.get("big"), pattern(250, 2));
  EXPECT_EQ(raw.size(), 4u) << "manifest + 3 chunks";
  put("big", pattern(10, 3));
  EXPECT_EQ(raw.size(), 1u);
  put("big", pattern(500, 4));
  WriteBatch del;
  del.remove("big");
  store.commit(del);
  EXPECT_EQ(raw.size(), 0u);
  EXPECT_FALSE(store.get("big"));
}

TEST_F(ChunkedFixture, ScanReturnsWholeValuesAndHidesChunkRows) {
  put("a/1", pattern(5, 1));
  put("a/2", pattern(450, 2));
  put("a/3", pattern(7, 3));
  auto rows = store.scan("a/", "", 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].value, pattern(450, 2));
  auto all = store.scan("", "", 2);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "a/1");
  EXPECT_EQ(all[1].key, "a/2");
  auto rest = store.scan("", "a/2", 10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].key, "a/3");
}

TEST_F(ChunkedFixture, MissingChunkIsReportedAsCorruption) {
  put("big", pattern(1000, 1));
  WriteBatch b;
  b.remove("~c/big#00000003");
  raw.commit(b);
  try {
    store.get("big");
    ADD_FAILURE();
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InternalError);
  }
}

// The same batches through commit() and commitMoved() store the same rows:
// inline values, chunked ones, a chunked value replaced by an inline one
// (its chunks removed), deletes and expectations.
TEST_F(ChunkedFixture, AMovedBatchStoresWhatACopiedOneStores) {
  MemoryKvStore movedRaw;
  ChunkedStore moved{movedRaw, 100};
  const auto both = [&](const std::function<void(WriteBatch&)>& fill) {
    WriteBatch a, b;
    fill(a);
    fill(b);
    store.commit(a);
    moved.commitMoved(std::move(b));
    EXPECT_EQ(raw.contents(), movedRaw.contents());
  };
  both([](WriteBatch& b) {
    b.putNew("a", pattern(10, 1));
    b.putNew("big", pattern(450, 2));
    b.put("c", pattern(99, 3));
  });
  both([](WriteBatch& b) {
    b.expect("a", pattern(10, 1));
    b.expect("big", pattern(450, 2));
    b.put("big", pattern(20, 4));  // was chunked
    b.remove("c");
  });
  EXPECT_EQ(moved.get("big"), pattern(20, 4));
  EXPECT_EQ(movedRaw.size(), 2u) << "a and big, no chunk rows left";
  WriteBatch stale;
  stale.expect("a", pattern(10, 9));
  stale.put("d", pattern(5, 5));
  EXPECT_THROW(moved.commitMoved(std::move(stale)), StorageConflict);
  EXPECT_FALSE(moved.get("d"));
}

// What a push relies on: a value with room for the tag byte reaches the inner
// store in its own buffer, not a copy.
TEST(ChunkedStoreMoved, TagsAValueWithRoomInPlace) {
  struct PointerRecordingStore : MemoryKvStore {
    std::vector<const uint8_t*> values;
    void commit(const WriteBatch& batch) override {
      for (const auto& op : batch.ops()) values.push_back(op.value.data());
      MemoryKvStore::commit(batch);
    }
  } inner;
  ChunkedStore store(inner);
  Bytes value = pattern(1000, 7);
  value.reserve(1100);
  const uint8_t* buffer = value.data();
  WriteBatch b;
  b.putNew("o/x", std::move(value));
  store.commitMoved(std::move(b));
  ASSERT_EQ(inner.values.size(), 1u);
  EXPECT_EQ(inner.values[0], buffer);
  EXPECT_EQ(store.get("o/x"), pattern(1000, 7));
}

TEST(ChunkedStoreDefault, KeepsRowsWithinOneMiB) {
  MemoryKvStore raw;
  ChunkedStore store(raw);
  WriteBatch b;
  b.put("x", pattern(3 * 1024 * 1024 + 17, 9));
  store.commit(b);
  for (const auto& [k, v] : raw.contents()) EXPECT_LE(v.size(), kMaxValueBytes) << k;
  EXPECT_EQ(store.get("x"), pattern(3 * 1024 * 1024 + 17, 9));
}

}  // namespace
}  // namespace oa
