#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "open_artifacts/errors.h"
#include "git/format/delta.h"
#include "git/format/pack_parser.h"
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


// A history where one text file changes a little per commit (long delta
// chains), a second changes now and then, and binary blobs appear, all
// written by `git fast-import` in one process, plus an annotated tag.
void buildHistory(const std::string& repo, int revisions) {
  run("mkdir -p '" + repo + "'");
  run(git(repo) + "init -q -b main");
  std::mt19937 rng(1234);
  std::vector<std::string> doc;
  for (int i = 0; i < 400; ++i) doc.push_back("line " + std::to_string(i) + ": " + std::to_string(rng()) + "\n");
  std::ostringstream s;
  auto inlineFile = [&](const std::string& path, const std::string& content) {
    s << "M 100644 inline " << path << "\ndata " << content.size() << "\n" << content << "\n";
  };
  for (int r = 0; r < revisions; ++r) {
    for (int k = 0; k < 3; ++k) doc[rng() % doc.size()] = "edited in " + std::to_string(r) + ": " + std::to_string(rng()) + "\n";
    doc.insert(doc.begin() + rng() % doc.size(), "inserted " + std::to_string(rng()) + "\n");
    const std::string msg = "revision " + std::to_string(r) + "\n";
    s << "commit refs/heads/main\ncommitter T <t@example.com> " << 1700000000 + r * 60 << " +0000\ndata " << msg.size()
      << "\n" << msg;
    std::string text;
    for (const auto& l : doc) text += l;
    inlineFile("doc/a.txt", text);
    if (r % 3 == 0) inlineFile("b.txt", "small file, version " + std::to_string(r / 3) + "\n" + text.substr(0, 2000));
    if (r % 10 == 0) {
      std::string bin(3000 + rng() % 5000, '\0');
      for (auto& c : bin) c = static_cast<char>(rng());
      inlineFile("bin/" + std::to_string(r) + ".dat", bin);
    }
  }
  s << "tag v1\nfrom refs/heads/main\ntagger T <t@example.com> 1700000000 +0000\ndata 8\nrelease\n";
  const std::string str = s.str();
  writeFile(repo + "/stream", Bytes(str.begin(), str.end()));
  run(git(repo) + "fast-import --quiet < '" + repo + "/stream'");
  run(git(repo) + "reset -q --hard main");
}

// ---- Parsing and resolving ----

// chunk 0 = random chunk sizes.
std::vector<PackEntry> parse(const Bytes& pack, size_t chunk, PackLimits limits = {}) {
  PackParser parser(limits);
  std::vector<PackEntry> entries;
  std::mt19937 rng(99);
  size_t pos = 0;
  while (pos < pack.size()) {
    const size_t take = std::min(pack.size() - pos, chunk ? chunk : 1 + rng() % 3000);
    parser.write(pack.data() + pos, take, [&](PackEntry&& e) { entries.push_back(std::move(e)); });
    pos += take;
  }
  parser.finish();
  EXPECT_EQ(parser.entriesParsed(), entries.size());
  EXPECT_EQ(parser.objectCount(), entries.size());
  EXPECT_EQ(parser.bytesConsumed(), pack.size());
  return entries;
}

struct Object {
  ObjectType type;
  Bytes data;
};

struct Resolved {
  ObjectId id;
  ObjectType type;
  uint64_t size;
  uint64_t offset;
  int depth;  // 0 for whole objects
};

// Resolves every delta (bases may come later in the pack or, for thin packs,
// from `external`), hashes every object, and returns them by id.
std::map<ObjectId, Resolved> resolve(const std::vector<PackEntry>& entries,
                                     const std::function<std::optional<Object>(const ObjectId&)>& external = {}) {
  std::unordered_map<uint64_t, std::pair<Object, int>> byOffset;  // object and depth
  std::unordered_map<ObjectId, std::pair<Object, int>> byId;
  std::map<ObjectId, Resolved> out;
  std::vector<const PackEntry*> pending;
  for (const auto& e : entries) pending.push_back(&e);
  while (!pending.empty()) {
    std::vector<const PackEntry*> next;
    for (const PackEntry* e : pending) {
      const std::pair<Object, int>* base = nullptr;
      std::pair<Object, int> externalBase;
      if (e->type == ObjectType::OfsDelta) {
        auto it = byOffset.find(e->baseOffset);
        if (it != byOffset.end()) base = &it->second;
      } else if (e->type == ObjectType::RefDelta) {
        auto it = byId.find(e->baseId);
        if (it != byId.end()) {
          base = &it->second;
        } else if (external) {
          if (auto obj = external(e->baseId)) {
            externalBase = {std::move(*obj), 0};
            base = &externalBase;
          }
        }
      }
      Object obj;
      int depth = 0;
      if (!isDeltaType(e->type)) {
        obj = {e->type, e->data};
      } else if (base) {
        obj = {base->first.type, applyDelta(base->first.data, e->data.data(), e->data.size(), 1 << 30)};
        depth = base->second + 1;
      } else {
        next.push_back(e);
        continue;
      }
      const ObjectId id = hashObject(obj.type, obj.data.data(), obj.data.size());
      out[id] = {id, obj.type, obj.data.size(), e->offset, depth};
      byOffset[e->offset] = {obj, depth};
      byId[id] = {std::move(obj), depth};
    }
    if (next.size() == pending.size()) throw std::runtime_error("unresolvable deltas");
    pending.swap(next);
  }
  return out;
}

struct VerifyLine {
  ObjectType type;
  uint64_t size, sizeInPack, offset;
  int depth;
  std::string base;
};

// `git verify-pack -v` lines: "<id> <type> <size> <size-in-pack> <offset> [<depth> <base>]".
std::map<ObjectId, VerifyLine> verifyPack(const std::string& repo, const std::string& idx) {
  std::map<ObjectId, VerifyLine> out;
  std::istringstream lines(run(git(repo) + "verify-pack -v '" + idx + "'"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string hex, type;
    VerifyLine v{};
    if (!(f >> hex >> type >> v.size >> v.sizeInPack >> v.offset)) continue;
    auto id = ObjectId::fromHex(hex);
    auto t = objectTypeFromName(type);
    if (!id || !t) continue;
    v.type = *t;
    if (!(f >> v.depth >> v.base)) v.depth = 0;
    out[*id] = v;
  }
  return out;
}

// Every check that ties our parse of `pack` to git's own index of it.
void expectMatchesGit(const std::string& repo, const Bytes& pack, const std::string& idx,
                      const std::vector<PackEntry>& entries) {
  const auto ours = resolve(entries);
  const auto theirs = verifyPack(repo, idx);
  ASSERT_FALSE(theirs.empty());
  ASSERT_EQ(ours.size(), theirs.size());
  std::unordered_map<uint64_t, ObjectId> idAtOffset;
  for (const auto& [id, r] : ours) idAtOffset[r.offset] = id;
  for (const auto& [id, v] : theirs) {
    auto it = ours.find(id);
    ASSERT_NE(it, ours.end()) << id.hex();
    EXPECT_EQ(it->second.type, v.type) << id.hex();
    EXPECT_EQ(it->second.offset, v.offset) << id.hex();
    EXPECT_EQ(it->second.depth, v.depth) << id.hex();
  }
  // Entry by entry: the compressed bytes are exactly the tail of the entry's
  // span in the pack, and the span's size is git's "size-in-pack".
  for (size_t i = 0; i < entries.size(); ++i) {
    const PackEntry& e = entries[i];
    const uint64_t end = i + 1 < entries.size() ? entries[i + 1].offset : pack.size() - 20;
    ASSERT_LE(e.compressed.size(), end - e.offset);
    EXPECT_TRUE(std::equal(e.compressed.begin(), e.compressed.end(), pack.begin() + (end - e.compressed.size())));
    EXPECT_EQ(inflateBytes(e.compressed.data(), e.compressed.size(), e.size), e.data);
    const ObjectId id = idAtOffset.at(e.offset);
    EXPECT_EQ(theirs.at(id).sizeInPack, end - e.offset);
    EXPECT_EQ(theirs.at(id).size, e.size);  // verify-pack prints the delta's own size for deltas
    if (e.type == ObjectType::OfsDelta) {
      EXPECT_EQ(idAtOffset.at(e.baseOffset).hex(), theirs.at(id).base);
    } else if (e.type == ObjectType::RefDelta) {
      EXPECT_EQ(e.baseId.hex(), theirs.at(id).base);
    }
  }
}

std::string onlyPack(const std::string& repo) {
  std::string name = run("ls '" + repo + "'/.git/objects/pack/*.pack");
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

size_t countType(const std::vector<PackEntry>& entries, ObjectType t) {
  size_t n = 0;
  for (const auto& e : entries) n += e.type == t;
  return n;
}

bool sameEntries(const std::vector<PackEntry>& a, const std::vector<PackEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].offset != b[i].offset || a[i].type != b[i].type || a[i].size != b[i].size ||
        a[i].baseOffset != b[i].baseOffset || a[i].baseId != b[i].baseId || a[i].compressed != b[i].compressed ||
        a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

// ---- Real packs from git ----

class PackParserGit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    repo_ = dir_->path + "/repo";
    buildHistory(repo_, 60);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
  static std::string repo_;
};
TempDir* PackParserGit::dir_ = nullptr;
std::string PackParserGit::repo_;

TEST_F(PackParserGit, RepackWithDeepOfsDeltaChainsMatchesVerifyPack) {
  run(git(repo_) + "repack -adfq --window=50 --depth=50");
  const std::string packPath = onlyPack(repo_);
  const Bytes pack = readFile(packPath);
  const auto entries = parse(pack, 64 * 1024);
  EXPECT_GT(countType(entries, ObjectType::OfsDelta), 50u);
  EXPECT_EQ(countType(entries, ObjectType::RefDelta), 0u);
  EXPECT_EQ(countType(entries, ObjectType::Tag), 1u);
  expectMatchesGit(repo_, pack, packPath.substr(0, packPath.size() - 5) + ".idx", entries);
  int maxDepth = 0;
  for (const auto& [id, r] : resolve(entries)) maxDepth = std::max(maxDepth, r.depth);
  EXPECT_GT(maxDepth, 5);

  // Any chunking yields the very same entries: 1 byte, random, whole pack.
  EXPECT_TRUE(sameEntries(parse(pack, 1), entries));
  EXPECT_TRUE(sameEntries(parse(pack, 0), entries));
  EXPECT_TRUE(sameEntries(parse(pack, pack.size()), entries));
}

TEST_F(PackParserGit, PackObjectsRefDeltaAndOfsDelta) {
  for (const std::string flags : {"--no-reuse-delta --delta-base-offset", "--no-reuse-delta", ""}) {
    SCOPED_TRACE(flags);
    const std::string out = dir_->path + "/po";
    run("rm -f '" + out + "'*; echo main | " + git(repo_) + "pack-objects -q --revs --window=20 " + flags +
        " --stdout > '" + out + ".pack'");
    run(git(repo_) + "index-pack '" + out + ".pack'");
    const Bytes pack = readFile(out + ".pack");
    const auto entries = parse(pack, 64 * 1024);
    const bool ofs = flags.find("delta-base-offset") != std::string::npos;
    EXPECT_GT(countType(entries, ofs ? ObjectType::OfsDelta : ObjectType::RefDelta), 20u);
    EXPECT_EQ(countType(entries, ofs ? ObjectType::RefDelta : ObjectType::OfsDelta), 0u);
    expectMatchesGit(repo_, pack, out + ".idx", entries);
  }
}

TEST_F(PackParserGit, ThinPackResolvesAgainstTheRepository) {
  const Bytes pack =
      stringToBytes(run("printf 'main\\n^main~10\\n' | " + git(repo_) + "pack-objects -q --revs --thin --stdout"));
  const auto entries = parse(pack, 1000);
  std::set<ObjectId> external;
  auto fromRepo = [&](const ObjectId& id) -> std::optional<Object> {
    external.insert(id);
    std::string type = run(git(repo_) + "cat-file -t " + id.hex());
    type.pop_back();
    return Object{*objectTypeFromName(type), stringToBytes(run(git(repo_) + "cat-file " + type + " " + id.hex()))};
  };
  const auto ours = resolve(entries, fromRepo);
  EXPECT_GT(countType(entries, ObjectType::RefDelta), 0u);
  EXPECT_FALSE(external.empty());  // really thin: some bases live only in the repo
  std::set<std::string> expected;
  std::istringstream lines(run(git(repo_) + "rev-list --objects main ^main~10"));
  for (std::string line; std::getline(lines, line);) expected.insert(line.substr(0, 40));
  std::set<std::string> got;
  for (const auto& [id, r] : ours) got.insert(id.hex());
  EXPECT_EQ(got, expected);
  for (const auto& id : external) EXPECT_FALSE(expected.count(id.hex())) << id.hex();
}

TEST_F(PackParserGit, EntriesArriveWhileThePackStreams) {
  const Bytes pack = stringToBytes(run("echo main | " + git(repo_) + "pack-objects -q --revs --stdout"));
  PackParser parser;
  size_t seen = 0;
  parser.write(pack.data(), pack.size() / 2, [&](PackEntry&&) { ++seen; });
  EXPECT_GT(seen, 0u);
  EXPECT_LT(seen, parser.objectCount());
  EXPECT_EQ(parser.entriesParsed(), seen);
  EXPECT_EQ(parser.bytesConsumed(), pack.size() / 2);
  parser.write(pack.data() + pack.size() / 2, pack.size() - pack.size() / 2, [&](PackEntry&&) { ++seen; });
  parser.finish();
  EXPECT_EQ(seen, parser.objectCount());
}

TEST_F(PackParserGit, LimitsApplyToRealPacks) {
  const Bytes pack = stringToBytes(run("echo main | " + git(repo_) + "pack-objects -q --revs --stdout"));
  PackLimits small;
  small.maxObjectSize = 1000;  // the binary blobs are 3-8 KB
  try {
    parse(pack, 64 * 1024, small);
    FAIL() << "expected ArtifactsError";
  } catch (const ArtifactsError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the limit of 1000"), std::string::npos) << e.what();
  }
}

Bytes packOf(const std::vector<Bytes>& entries, int count = -1, uint32_t version = 2, const char* magic = "PACK");

TEST(PackParser, EmptyPacksAreValid) {
  EXPECT_TRUE(parse(packOf({}), 1).empty());
  TempDir dir;
  run(git(dir.path) + "init -q");
  const Bytes fromGit = stringToBytes(run(git(dir.path) + "pack-objects -q --stdout < /dev/null"));
  ASSERT_EQ(fromGit.size(), 32u);
  EXPECT_TRUE(parse(fromGit, 1).empty());
  EXPECT_TRUE(parse(fromGit, 64 * 1024).empty());
}

// ---- Malformed packs ----

Bytes entryHeader(unsigned type, uint64_t size) {
  Bytes out;
  uint8_t c = static_cast<uint8_t>((type << 4) | (size & 0x0f));
  size >>= 4;
  while (size) {
    out.push_back(c | 0x80);
    c = size & 0x7f;
    size >>= 7;
  }
  out.push_back(c);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes zlibOf(const std::string& s) { return deflateBytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

Bytes blobEntry(const std::string& content) { return cat({entryHeader(3, content.size()), zlibOf(content)}); }

// OFS_DELTA distance encoding, as git writes it.
Bytes ofsDistance(uint64_t d) {
  uint8_t buf[16];
  size_t pos = sizeof buf - 1;
  buf[pos] = d & 0x7f;
  while (d >>= 7) buf[--pos] = 0x80 | (--d & 0x7f);
  return Bytes(buf + pos, buf + sizeof buf);
}

Bytes withTrailer(Bytes pack) {
  Sha1 h;
  h.update(pack.data(), pack.size());
  const ObjectId id = h.finish();
  pack.insert(pack.end(), id.bytes.begin(), id.bytes.end());
  return pack;
}

Bytes packOf(const std::vector<Bytes>& entries, int count, uint32_t version, const char* magic) {
  const uint32_t n = count < 0 ? static_cast<uint32_t>(entries.size()) : static_cast<uint32_t>(count);
  Bytes pack(magic, magic + 4);
  for (uint32_t v : {version, n}) {
    for (int i = 3; i >= 0; --i) pack.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  for (const auto& e : entries) pack.insert(pack.end(), e.begin(), e.end());
  return withTrailer(pack);
}

// Feeds `pack` in `chunk`-byte writes, then finish(); returns the
// InvalidInput message, or "(no error)".
std::string parseError(const Bytes& pack, size_t chunk, PackLimits limits = {}) {
  PackParser parser(limits);
  try {
    for (size_t pos = 0; pos < pack.size(); pos += chunk) {
      parser.write(pack.data() + pos, std::min(chunk, pack.size() - pos), [](PackEntry&&) {});
    }
    parser.finish();
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput) << e.what();
    // A failed parser stays failed.
    EXPECT_THROW(parser.write(pack.data(), 1, [](PackEntry&&) {}), ArtifactsError);
    EXPECT_THROW(parser.finish(), ArtifactsError);
    return e.what();
  }
  return "(no error)";
}

TEST(PackParser, RejectsMalformedPacks) {
  const Bytes good = packOf({blobEntry("hello"), blobEntry("world")});
  ASSERT_EQ(parseError(good, 1), "(no error)");

  Bytes badTrailer = good;
  badTrailer.back() ^= 1;
  Bytes extra = good;
  extra.push_back(0);
  Bytes badCrc = blobEntry("hello");
  badCrc.back() ^= 0xff;  // Adler-32 of the zlib stream

  // Empty stored blocks add input without output: a stream that never ends.
  Bytes padded = {0x78, 0x01};
  for (int i = 0; i < 300; ++i) padded.insert(padded.end(), {0x00, 0x00, 0x00, 0xff, 0xff});
  padded.insert(padded.end(), {0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01});
  const Bytes emptyBlobOk = {0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};
  ASSERT_EQ(parseError(packOf({cat({entryHeader(3, 0), emptyBlobOk})}), 1), "(no error)");

  const Bytes delta = {10, 3, 0x03, 'a', 'b', 'c'};  // base 10 bytes -> "abc"
  const std::string deltaStr(delta.begin(), delta.end());
  PackLimits tiny;
  tiny.maxObjects = 1;
  tiny.maxObjectSize = 50;
  tiny.maxDeltaResultSize = 100;

  struct Case {
    const char* name;
    Bytes pack;
    const char* message;
    PackLimits limits = {};
  };
  const Case cases[] = {
      {"bad magic", packOf({blobEntry("x")}, -1, 2, "PACX"), "must start with \"PACK\""},
      {"version 1", packOf({blobEntry("x")}, -1, 1), "unsupported pack version 1"},
      {"version 4", packOf({blobEntry("x")}, -1, 4), "unsupported pack version 4"},
      {"too many objects", good, "announces 2 objects, over the limit of 1", tiny},
      {"type 0", packOf({cat({entryHeader(0, 5), zlibOf("hello")})}), "offset 12: invalid object type 0"},
      {"type 5", packOf({cat({entryHeader(5, 5), zlibOf("hello")})}), "invalid object type 5"},
      {"size varint overflow",
       packOf({{0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}}), "size does not fit in 64 bits"},
      {"size varint endless",
       packOf({{0xb0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}}), "does not fit in 64 bits"},
      {"object over limit", packOf({blobEntry(std::string(51, 'x'))}), "51 bytes exceeds the limit of 50", tiny},
      {"ofs-delta before pack start", packOf({cat({entryHeader(6, 6), ofsDistance(1), zlibOf(deltaStr)})}),
       "points before the first entry"},
      {"ofs-delta too far back",
       packOf({blobEntry("0123456789"), cat({entryHeader(6, 6), ofsDistance(100), zlibOf(deltaStr)})}),
       "points before the first entry"},
      {"ofs-delta at itself", packOf({blobEntry("0123456789"), cat({entryHeader(6, 6), {0x00}, zlibOf(deltaStr)})}),
       "points at the entry itself"},
      {"ofs-delta offset overflow",
       packOf({blobEntry("0123456789"),
               cat({entryHeader(6, 6), {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}})}),
       "ofs-delta base offset overflows"},
      {"delta result over limit", packOf({cat({entryHeader(7, 3), Bytes(20, 0xab), zlibOf("\x0a\xe8\x07")})}),
       "delta result of 1000 bytes exceeds the limit of 100", tiny},
      {"delta header truncated", packOf({cat({entryHeader(7, 1), Bytes(20, 0xab), zlibOf("\x8a")})}),
       "delta is truncated in its base size"},
      {"zlib garbage", packOf({cat({entryHeader(3, 5), {0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0xff}})}),
       "invalid zlib stream"},
      {"zlib bad checksum", packOf({badCrc}), "incorrect data check"},
      {"inflates short", packOf({cat({entryHeader(3, 10), zlibOf("hello")})}),
       "inflates to 5 bytes, but its header says 10"},
      {"inflates long", packOf({cat({entryHeader(3, 5), zlibOf("hello world")})}), "inflates to more than 5 bytes"},
      {"compressed implausibly large", packOf({cat({entryHeader(3, 0), padded})}), "implausibly larger"},
      {"checksum mismatch", badTrailer, "pack checksum mismatch"},
      {"extra bytes", extra, "unexpected bytes after the pack's trailing checksum"},
      {"missing objects", packOf({blobEntry("hello")}, 2), "1 of 2 objects arrived"},
      {"truncated header", Bytes(good.begin(), good.begin() + 5), "5 of the 12 header bytes"},
      {"truncated in entry", Bytes(good.begin(), good.begin() + 20), "0 of 2 objects arrived"},
      {"truncated trailer", Bytes(good.begin(), good.end() - 1), "trailing checksum is missing"},
      {"no trailer", Bytes(good.begin(), good.end() - 20), "trailing checksum is missing"},
      {"empty input", {}, "0 of the 12 header bytes"},
  };
  for (const auto& c : cases) {
    for (size_t chunk : {size_t(1), size_t(7), size_t(65536)}) {
      const std::string message = parseError(c.pack, chunk, c.limits);
      EXPECT_NE(message.find(c.message), std::string::npos) << c.name << " (chunk " << chunk << "): " << message;
    }
  }
}

TEST(PackParser, AcceptsVersion3AndHandCraftedDeltas) {
  const Bytes delta = {10, 5, 0x03, 'a', 'b', 'c', 0x90, 2};  // base 10 bytes -> "abc" + base[0..2)
  const std::string deltaStr(delta.begin(), delta.end());
  const Bytes base = blobEntry("0123456789");
  const ObjectId baseId = hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>("0123456789"), 10);
  for (uint32_t version : {2u, 3u}) {
    const Bytes pack = packOf({base, cat({entryHeader(6, delta.size()), ofsDistance(12 + base.size() - 12), zlibOf(deltaStr)}),
                               cat({entryHeader(7, delta.size()), Bytes(baseId.bytes.begin(), baseId.bytes.end()), zlibOf(deltaStr)})},
                              -1, version);
    const auto entries = parse(pack, 1);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[1].type, ObjectType::OfsDelta);
    EXPECT_EQ(entries[1].baseOffset, 12u);
    EXPECT_EQ(entries[2].type, ObjectType::RefDelta);
    EXPECT_EQ(entries[2].baseId, baseId);
    EXPECT_EQ(entries[2].size, delta.size());
    EXPECT_EQ(entries[2].data, delta);
    const auto objects = resolve(entries);
    const ObjectId target = hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>("abc01"), 5);
    ASSERT_EQ(objects.size(), 2u);  // both deltas produce the same blob
    EXPECT_TRUE(objects.count(target));
  }
}

TEST(PackParser, CallbackErrorsStopTheParser) {
  const Bytes pack = packOf({blobEntry("hello"), blobEntry("world")});
  PackParser parser;
  EXPECT_THROW(parser.write(pack.data(), pack.size(), [](PackEntry&&) { throw std::runtime_error("storage full"); }),
               std::runtime_error);
  try {
    parser.write(pack.data(), 1, [](PackEntry&&) {});
    FAIL();
  } catch (const ArtifactsError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot continue"), std::string::npos);
  }
}

}  // namespace
}  // namespace oa::git
