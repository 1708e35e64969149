#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "open_artifacts/errors.h"
#include "git/format/delta.h"
#include "git/format/pack_parser.h"
#include "git/format/pack_writer.h"
#include "git/format/sha1.h"
#include "support/git_fixture.h"
#include "git/format/zlib_stream.h"

namespace oa::git {
namespace {

using oa::testing::git;
using oa::testing::readFile;
using oa::testing::run;
using oa::testing::TempDir;
using oa::testing::writeFile;


std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<PackEntry> parse(const Bytes& pack) {
  PackParser parser;
  std::vector<PackEntry> entries;
  parser.write(pack.data(), pack.size(), [&](PackEntry&& e) { entries.push_back(std::move(e)); });
  parser.finish();
  return entries;
}

// ---- Objects written by hand ----

struct Obj {
  ObjectType type;
  Bytes data;
  ObjectId id() const { return hashObject(type, data.data(), data.size()); }
  Bytes zlib() const { return deflateBytes(data.data(), data.size()); }
};

Obj textBlob(uint32_t seed, size_t lines) {
  std::mt19937 rng(seed);
  std::string s;
  for (size_t i = 0; i < lines; ++i) s += "line " + std::to_string(i) + " " + std::to_string(rng() % 100000) + "\n";
  return {ObjectType::Blob, stringToBytes(s)};
}

Obj edited(const Obj& base, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes d = base.data;
  for (int i = 0; i < 5; ++i) {
    const size_t pos = rng() % d.size();
    const std::string ins = "edit " + std::to_string(rng()) + "\n";
    d.insert(d.begin() + pos, ins.begin(), ins.end());
  }
  return {ObjectType::Blob, d};
}

TEST(PackWriter, GitAcceptsWholeObjectsOfsAndRefDeltas) {
  TempDir dir;
  const Obj blob1 = textBlob(1, 2000);
  const Obj blob2 = edited(blob1, 2);  // OFS_DELTA on blob1
  const Obj blob3 = edited(blob1, 3);  // REF_DELTA on blob1
  const Obj blob5 = edited(blob2, 5);  // OFS_DELTA on blob2: a chain of depth 2
  const Obj blob4{ObjectType::Blob, stringToBytes("hello\n")};
  Bytes treeData;
  for (const auto& [name, obj] : std::vector<std::pair<std::string, const Obj*>>{
           {"a.txt", &blob1}, {"b.txt", &blob2}, {"c.txt", &blob3}, {"d.txt", &blob4}, {"e.txt", &blob5}}) {
    const std::string head = "100644 " + name;
    treeData.insert(treeData.end(), head.begin(), head.end());
    treeData.push_back(0);
    const ObjectId id = obj->id();
    treeData.insert(treeData.end(), id.bytes.begin(), id.bytes.end());
  }
  const Obj tree{ObjectType::Tree, treeData};
  const Obj commit{ObjectType::Commit, stringToBytes("tree " + tree.id().hex() +
                                                     "\nauthor T <t@example.com> 1700000000 +0000"
                                                     "\ncommitter T <t@example.com> 1700000000 +0000\n\nmessage\n")};
  const Obj tag{ObjectType::Tag, stringToBytes("object " + commit.id().hex() +
                                               "\ntype commit\ntag v1\ntagger T <t@example.com> 1700000000 +0000\n\nrelease\n")};

  const Bytes d2 = createDelta(blob1.data, blob2.data);
  const Bytes d3 = createDelta(blob1.data, blob3.data);
  const Bytes d5 = createDelta(blob2.data, blob5.data);
  ASSERT_LT(d2.size(), blob2.data.size() / 10);
  const Bytes z2 = deflateBytes(d2.data(), d2.size());
  const Bytes z3 = deflateBytes(d3.data(), d3.size());
  const Bytes z5 = deflateBytes(d5.data(), d5.size());
  const ObjectId blob1Id = blob1.id();

  PackWriter writer(8);
  Bytes pack;
  auto drain = [&] {
    const Bytes part = writer.take();
    pack.insert(pack.end(), part.begin(), part.end());
  };
  const Bytes z1 = blob1.zlib();
  const uint64_t off1 = writer.addEntry(ObjectType::Blob, blob1.data.size(), z1.data(), z1.size());
  EXPECT_EQ(off1, 12u);
  drain();
  const uint64_t off2 = writer.addEntry(ObjectType::OfsDelta, d2.size(), z2.data(), z2.size(), off1);
  writer.addEntry(ObjectType::RefDelta, d3.size(), z3.data(), z3.size(), 0, &blob1Id);
  drain();
  writer.addEntry(ObjectType::OfsDelta, d5.size(), z5.data(), z5.size(), off2);
  for (const Obj* o : {&blob4, &tree, &commit, &tag}) {
    const Bytes z = o->zlib();
    writer.addEntry(o->type, o->data.size(), z.data(), z.size());
    drain();
  }
  writer.finish();
  drain();
  EXPECT_EQ(writer.bytesWritten(), pack.size());
  EXPECT_TRUE(writer.take().empty());

  // git: strict indexing (fsck of every object), then verify-pack.
  const std::string repo = dir.path + "/repo";
  run("mkdir -p '" + repo + "' && " + git(repo) + "init -q");
  writeFile(dir.path + "/ours.pack", pack);
  const std::string packHash = trim(run(git(repo) + "index-pack --strict '" + dir.path + "/ours.pack'"));
  Sha1 h;
  h.update(pack.data(), pack.size() - 20);
  EXPECT_EQ(packHash, h.finish().hex());
  std::map<std::string, std::pair<std::string, int>> verified;  // id -> type, depth
  std::istringstream lines(run(git(repo) + "verify-pack -v '" + dir.path + "/ours.idx'"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string id, type;
    uint64_t size, inPack, offset;
    int depth = 0;
    if (!(f >> id >> type >> size >> inPack >> offset) || id.size() != 40) continue;
    f >> depth;
    verified[id] = {type, depth};
  }
  const std::map<std::string, std::pair<std::string, int>> expected = {
      {blob1.id().hex(), {"blob", 0}},   {blob2.id().hex(), {"blob", 1}},  {blob3.id().hex(), {"blob", 1}},
      {blob5.id().hex(), {"blob", 2}},   {blob4.id().hex(), {"blob", 0}},  {tree.id().hex(), {"tree", 0}},
      {commit.id().hex(), {"commit", 0}}, {tag.id().hex(), {"tag", 0}},
  };
  EXPECT_EQ(verified, expected);

  // And the objects read back intact through git.
  run(git(repo) + "unpack-objects --strict < '" + dir.path + "/ours.pack'");
  EXPECT_EQ(stringToBytes(run(git(repo) + "cat-file blob " + blob5.id().hex())), blob5.data);
  EXPECT_EQ(stringToBytes(run(git(repo) + "cat-file blob " + blob3.id().hex())), blob3.data);
  run(git(repo) + "update-ref refs/tags/v1 " + tag.id().hex());
  run(git(repo) + "fsck --strict --no-dangling");
  EXPECT_EQ(trim(run(git(repo) + "rev-parse v1^{tree}")), tree.id().hex());

  // Our own parser reads back exactly what was written.
  const auto entries = parse(pack);
  ASSERT_EQ(entries.size(), 8u);
  EXPECT_EQ(entries[1].type, ObjectType::OfsDelta);
  EXPECT_EQ(entries[1].baseOffset, off1);
  EXPECT_EQ(entries[1].compressed, z2);
  EXPECT_EQ(entries[2].type, ObjectType::RefDelta);
  EXPECT_EQ(entries[2].baseId, blob1Id);
  EXPECT_EQ(entries[3].baseOffset, off2);
  EXPECT_EQ(entries[7].data, tag.data);
}

// A pack rebuilt from parsed entries (stored compressed bytes, same order) is
// byte-identical to git's: headers, OFS_DELTA distances and trailer all agree.
TEST(PackWriter, RewritesGitPacksByteForByte) {
  TempDir dir;
  const std::string repo = dir.path + "/repo";
  run("mkdir -p '" + repo + "' && " + git(repo) + "init -q -b main");
  std::ostringstream s;
  Obj doc = textBlob(7, 3000);
  for (int r = 0; r < 30; ++r) {
    doc = edited(doc, 100 + r);
    const std::string text(doc.data.begin(), doc.data.end());
    s << "commit refs/heads/main\ncommitter T <t@example.com> " << 1700000000 + r << " +0000\ndata 4\nrev\n"
      << "M 100644 inline doc.txt\ndata " << text.size() << "\n" << text << "\n";
    if (r % 7 == 0) {
      std::string bin(70000, '\0');  // a large incompressible blob: multi-byte sizes and distances
      std::mt19937 rng(r);
      for (auto& c : bin) c = static_cast<char>(rng());
      s << "M 100644 inline bin" << r << "\ndata " << bin.size() << "\n" << bin << "\n";
    }
  }
  const std::string stream = s.str();
  writeFile(dir.path + "/stream", stringToBytes(stream));
  run(git(repo) + "fast-import --quiet < '" + dir.path + "/stream'");

  for (const std::string flags : {"--delta-base-offset", ""}) {
    SCOPED_TRACE(flags);
    const Bytes original =
        stringToBytes(run("echo main | " + git(repo) + "pack-objects -q --revs --stdout --window=30 " + flags));
    const auto entries = parse(original);
    size_t deltas = 0;
    PackWriter writer(static_cast<uint32_t>(entries.size()));
    for (const auto& e : entries) {
      deltas += isDeltaType(e.type);
      const uint64_t offset = writer.addEntry(e.type, e.size, e.compressed.data(), e.compressed.size(), e.baseOffset,
                                              e.type == ObjectType::RefDelta ? &e.baseId : nullptr);
      EXPECT_EQ(offset, e.offset);
    }
    writer.finish();
    EXPECT_GT(deltas, 20u);
    EXPECT_EQ(writer.take(), original);
  }
}

TEST(PackWriter, EmptyPackMatchesGit) {
  PackWriter writer(0);
  writer.finish();
  TempDir dir;
  run(git(dir.path) + "init -q");
  EXPECT_EQ(writer.take(), stringToBytes(run(git(dir.path) + "pack-objects -q --stdout < /dev/null")));
  EXPECT_EQ(writer.bytesWritten(), 32u);
}

TEST(PackWriter, EncodesHeadersLikeGit) {
  const Bytes z = deflateBytes(nullptr, 0);
  PackWriter writer(1);
  // Blob of 0x12345 bytes: 4 size bits in the type byte, then 7 per byte.
  writer.addEntry(ObjectType::Blob, 0x12345, z.data(), z.size());
  const Bytes header = writer.take();
  ASSERT_GE(header.size(), 15u);
  EXPECT_EQ(Bytes(header.begin(), header.begin() + 12), (Bytes{'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 1}));
  EXPECT_EQ(Bytes(header.begin() + 12, header.begin() + 15), (Bytes{0xb5, 0xb4, 0x24}));
}

TEST(PackWriter, OfsDistancesUseGitsBiasedEncoding) {
  // Distances on the edges of the 1- to 4-byte encodings (each extra
  // byte adds a bias of one, so 2 bytes cover 128..16511).
  TempDir dir;
  for (uint64_t distance : {uint64_t(127), uint64_t(128), uint64_t(16511), uint64_t(16512), uint64_t(2113663),
                            uint64_t(2113664)}) {
    // Size a stored (level 0) blob so its whole entry spans exactly `distance`:
    // the span grows with the length but jumps at stored-block boundaries, so
    // converge, then look around the estimate.
    auto spanOf = [](uint64_t len) {
      const Bytes filler(len, 'x');
      PackWriter w(1);
      const Bytes z = deflateBytes(filler.data(), filler.size(), 0);
      w.addEntry(ObjectType::Blob, len, z.data(), z.size());
      return w.bytesWritten() - 12;
    };
    uint64_t len = distance - 20;
    for (int i = 0; i < 5; ++i) len += distance - spanOf(len);
    bool found = false;
    for (uint64_t l = len - 10; l <= len + 10 && !found; ++l) {
      if (spanOf(l) != distance) continue;
      found = true;
      const Bytes filler(l, 'x');
      const Bytes z = deflateBytes(filler.data(), filler.size(), 0);
      PackWriter writer(2);
      const uint64_t first = writer.addEntry(ObjectType::Blob, filler.size(), z.data(), z.size());
      const Bytes d = createDelta(filler, filler);
      const Bytes zd = deflateBytes(d.data(), d.size());
      const uint64_t second = writer.addEntry(ObjectType::OfsDelta, d.size(), zd.data(), zd.size(), first);
      EXPECT_EQ(second - first, distance);
      writer.finish();
      const Bytes pack = writer.take();
      const size_t distanceBytes = distance < 128 ? 1 : distance < 16512 ? 2 : distance < 2113664 ? 3 : 4;
      // Type/size header of the delta, then the distance bytes, then its stream.
      const size_t sizeBytes = d.size() < 16 ? 1 : d.size() < 2048 ? 2 : 3;
      EXPECT_EQ(pack.size() - 20 - second, sizeBytes + distanceBytes + zd.size()) << distance;
      const auto entries = parse(pack);
      ASSERT_EQ(entries.size(), 2u);
      EXPECT_EQ(entries[1].offset, second);
      EXPECT_EQ(entries[1].baseOffset, first) << distance;
      // git finds the same base (it would fail on a wrong distance).
      writeFile(dir.path + "/d.pack", pack);
      EXPECT_NO_THROW(run(git(dir.path) + "index-pack '" + dir.path + "/d.pack' >/dev/null && rm -f '" + dir.path + "'/d.*"));
    }
    EXPECT_TRUE(found) << distance;
  }
}

TEST(PackWriter, RejectsMisuse) {
  const Bytes z = deflateBytes(reinterpret_cast<const uint8_t*>("x"), 1);
  const ObjectId id;
  auto expectInvalid = [](auto fn, const char* message) {
    try {
      fn();
      ADD_FAILURE() << "expected ArtifactsError: " << message;
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  {
    PackWriter w(2);
    w.addEntry(ObjectType::Blob, 1, z.data(), z.size());
    expectInvalid([&] { w.finish(); }, "1 entries written, 2 announced");
  }
  {
    PackWriter w(1);
    const uint64_t off = w.addEntry(ObjectType::Blob, 1, z.data(), z.size());
    expectInvalid([&] { w.addEntry(ObjectType::Blob, 1, z.data(), z.size()); }, "more entries than the 1 announced");
    w.finish();
    expectInvalid([&] { w.finish(); }, "finish() called twice");
    expectInvalid([&] { w.addEntry(ObjectType::OfsDelta, 1, z.data(), z.size(), off); }, "after finish()");
  }
  {
    PackWriter w(5);
    const uint64_t off = w.addEntry(ObjectType::Blob, 1, z.data(), z.size());
    expectInvalid([&] { w.addEntry(ObjectType::OfsDelta, 1, z.data(), z.size(), w.bytesWritten()); }, "is not an earlier entry");
    expectInvalid([&] { w.addEntry(ObjectType::OfsDelta, 1, z.data(), z.size(), w.bytesWritten() + 10); }, "is not an earlier entry");
    expectInvalid([&] { w.addEntry(ObjectType::OfsDelta, 1, z.data(), z.size(), 11); }, "is not an earlier entry");
    expectInvalid([&] { w.addEntry(ObjectType::RefDelta, 1, z.data(), z.size()); }, "needs its base id");
    expectInvalid([&] { w.addEntry(static_cast<ObjectType>(5), 1, z.data(), z.size()); }, "invalid object type 5");
    expectInvalid([&] { w.addEntry(static_cast<ObjectType>(0), 1, z.data(), z.size()); }, "invalid object type 0");
    expectInvalid([&] { w.addEntry(ObjectType::Blob, 1, z.data(), 0); }, "needs its zlib stream");
    // Failed calls wrote nothing: the pack is still consistent.
    w.addEntry(ObjectType::OfsDelta, 1, z.data(), z.size(), off);
    w.addEntry(ObjectType::RefDelta, 1, z.data(), z.size(), 0, &id);
    EXPECT_EQ(w.bytesWritten(), 12 + (1 + z.size()) + (1 + 1 + z.size()) + (1 + 20 + z.size()));
  }
}

}  // namespace
}  // namespace oa::git
