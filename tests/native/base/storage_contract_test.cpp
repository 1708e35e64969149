// The storage contract's conditional batch (storage.h WriteBatch::expect),
// against every native KvStore: the tests' MemoryKvStore (the reference the JS
// stores match, tests/js/storage_contract.test.mjs) and ChunkedStore over it
// with values small and chunked.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>

#include "base/chunked_store.h"
#include "support/memory_kv_store.h"

namespace oa {
namespace {

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

struct StoreUnderTest {
  std::string name;
  std::function<KvStore&(MemoryKvStore& raw, std::unique_ptr<KvStore>& owned)> open;
};

void PrintTo(const StoreUnderTest& store, std::ostream* os) { *os << store.name; }

class StorageContract : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override { store_ = &GetParam().open(raw_, owned_); }
  KvStore& store() { return *store_; }

  MemoryKvStore raw_;
  std::unique_ptr<KvStore> owned_;
  KvStore* store_ = nullptr;
};

// 40 bytes: inline in the plain stores, five chunks in the chunked one.
const std::string kLong = "a value long enough to need five chunks.";

TEST_P(StorageContract, ABatchWhoseExpectationsHoldApplies) {
  WriteBatch seed;
  seed.put("k", kLong);
  seed.put("small", std::string_view("v"));
  store().commit(seed);

  WriteBatch batch;
  batch.expect("k", b(kLong));
  batch.expect("small", b("v"));
  batch.expect("new", std::nullopt);
  batch.put("new", std::string_view("n"));
  batch.put("k", std::string_view("changed"));
  batch.remove("small");
  store().commit(batch);
  EXPECT_EQ(store().get("new"), b("n"));
  EXPECT_EQ(store().get("k"), b("changed"));
  EXPECT_FALSE(store().get("small"));
  EXPECT_EQ(store().scan("", "", 10).size(), 2u) << "expect ops write nothing themselves";
}

TEST_P(StorageContract, AnExpectationThatFailsWritesNothingAndThrowsStorageConflict) {
  WriteBatch seed;
  seed.put("k", kLong);
  seed.put("present", std::string_view("p"));
  store().commit(seed);
  const auto before = raw_.contents();

  auto refused = [&](std::function<void(WriteBatch&)> expectation) {
    WriteBatch batch;
    batch.put("written", std::string_view("w"));
    batch.remove("present");
    batch.put("k", std::string_view("overwritten"));
    expectation(batch);  // last: checked before any write all the same
    EXPECT_THROW(store().commit(batch), StorageConflict);
    EXPECT_EQ(raw_.contents(), before);
  };
  refused([](WriteBatch& w) { w.expect("present", std::nullopt); });          // present, expected absent
  refused([](WriteBatch& w) { w.expect("missing", b("x")); });                // absent, expected a value
  refused([](WriteBatch& w) { w.expect("present", b("q")); });                // another value
  refused([](WriteBatch& w) { w.expect("present", b("")); });                 // empty is not absent
  refused([](WriteBatch& w) { w.expect("k", b(kLong + "!")); });              // a longer value
  refused([](WriteBatch& w) { w.expect("k", b(kLong.substr(0, 39))); });     // a shorter one
  refused([](WriteBatch& w) { w.expect("k", b("a value long enough to need five chunkS.")); });  // last chunk differs
  refused([](WriteBatch& w) {
    w.expect("present", b("p"));  // one holds, the other not: still nothing
    w.expect("k", std::nullopt);
  });
}

TEST_P(StorageContract, ExpectationsSeeTheStoreBeforeTheBatchsOwnWrites) {
  WriteBatch batch;
  batch.put("k", std::string_view("v"));
  batch.expect("k", std::nullopt);  // absent before the batch, whatever the put before it
  store().commit(batch);
  EXPECT_EQ(store().get("k"), b("v"));
}

INSTANTIATE_TEST_SUITE_P(
    Stores, StorageContract,
    ::testing::Values(
        StoreUnderTest{"Memory", [](MemoryKvStore& raw, std::unique_ptr<KvStore>&) -> KvStore& { return raw; }},
        StoreUnderTest{"Chunked",
                       [](MemoryKvStore& raw, std::unique_ptr<KvStore>& owned) -> KvStore& {
                         owned = std::make_unique<ChunkedStore>(raw, 8);
                         return *owned;
                       }}),
    [](const ::testing::TestParamInfo<StoreUnderTest>& info) { return info.param.name; });

}  // namespace
}  // namespace oa
