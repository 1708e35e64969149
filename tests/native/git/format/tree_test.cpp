// The tree codec against git: trees made by `git mktree` and written byte
// for byte with `git hash-object --literally` must list as `git ls-tree`
// lists them (names, canonical modes, ids), and the parser refuses what
// ls-tree refuses; encodeTree() must write the very tree `git mktree` makes
// from the same entries (git's canonical order, modes without zero padding).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "git/format/object_links.h"
#include "git/format/sha1.h"
#include "git/format/tree.h"
#include "git_oracle.h"

namespace oa::git {
namespace {

using testing::GitOracle;
using testing::splitFields;

struct Listed {
  std::string mode;  // as ls-tree prints it: canonical, six digits
  std::string id;
  std::string name;
};

// `git ls-tree -z`: "<mode> <type> <id>\t<name>\0" per entry; nullopt when git refuses the tree.
std::optional<std::vector<Listed>> lsTree(const GitOracle& oracle, const std::string& tree) {
  auto out = oracle.tryGit("ls-tree -z " + tree);
  if (!out) return std::nullopt;
  std::vector<Listed> entries;
  for (const auto& record : splitFields(*out, '\0')) {
    if (record.empty()) continue;
    const size_t tab = record.find('\t');
    const auto head = splitFields(record.substr(0, tab), ' ');
    entries.push_back({head.at(0), head.at(2), record.substr(tab + 1)});
  }
  return entries;
}

std::string octal6(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06o", mode);
  return buf;
}

std::string rawId(const std::string& hex) {
  const auto id = ObjectId::fromHex(hex);
  return std::string(reinterpret_cast<const char*>(id->bytes.data()), 20);
}

std::string entry(const std::string& mode, const std::string& name, const std::string& hexId) {
  return mode + " " + name + std::string(1, '\0') + rawId(hexId);
}

struct TreeCase {
  std::string label;
  std::string content;
  bool parses = true;
};

class TreeParserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    oracle_ = new GitOracle();
    blob_ = oracle_->write("blob", "x\n");
  }
  static void TearDownTestSuite() {
    delete oracle_;
    oracle_ = nullptr;
  }

  static void expectLikeGit(const TreeCase& c) {
    SCOPED_TRACE(c.label);
    const std::string id = oracle_->write("tree", c.content);
    const std::string raw = oracle_->bytes("tree", id);
    ASSERT_EQ(raw, c.content);
    const auto listed = lsTree(*oracle_, id);
    EXPECT_EQ(listed.has_value(), c.parses) << "git disagrees with the table";
    const auto ours = parseTree(raw);
    ASSERT_EQ(ours.has_value(), c.parses);
    EXPECT_EQ(treeLinks(stringToBytes(raw)).has_value(), c.parses);
    EXPECT_EQ(objectLinks(ObjectType::Tree, stringToBytes(raw)).has_value(), c.parses);
    if (!ours || !listed) return;
    ASSERT_EQ(ours->size(), listed->size());
    for (size_t i = 0; i < ours->size(); ++i) {
      const auto& e = (*ours)[i];
      EXPECT_EQ(std::string(e.name), (*listed)[i].name);
      EXPECT_EQ(octal6(canonicalMode(e.mode)), (*listed)[i].mode) << "stored mode " << std::oct << e.mode;
      EXPECT_EQ(e.id.hex(), (*listed)[i].id);
      EXPECT_EQ(e.isTree(), (*listed)[i].mode == "040000");
      EXPECT_EQ(e.isGitlink(), (*listed)[i].mode == "160000");
    }
  }

  static GitOracle* oracle_;
  static std::string blob_;
};

GitOracle* TreeParserTest::oracle_ = nullptr;
std::string TreeParserTest::blob_;

TEST_F(TreeParserTest, MktreeTreesListAsGitListsThem) {
  const std::string sub = GitOracle::trim(oracle_->gitOut("mktree </dev/null"));
  const std::string gitlink = "1234567890abcdef1234567890abcdef12345678";
  // mktree sorts and writes the canonical modes.
  const std::string input = "100644 blob " + blob_ + "\tREADME.md\n" +
                            "100755 blob " + blob_ + "\trun.sh\n" +
                            "120000 blob " + blob_ + "\tlink\n" +
                            "160000 commit " + gitlink + "\tsubmodule\n" +
                            "040000 tree " + sub + "\tdir\n" +
                            "100644 blob " + blob_ + "\tname with spaces.txt\n" +
                            "100644 blob " + blob_ + "\tünïcödé 文件.txt\n";
  const std::string tree = GitOracle::trim(oracle_->gitOut("mktree --missing < " + oracle_->file(input)));
  const std::string raw = oracle_->bytes("tree", tree);
  expectLikeGit({"mktree", raw});
  const auto ours = parseTree(raw);
  ASSERT_TRUE(ours);
  ASSERT_EQ(ours->size(), 7u);
  std::vector<uint32_t> modes;
  for (const auto& e : *ours) modes.push_back(e.mode);
  // git's order: "README.md" < "dir" < "link" < "name with..." < "run.sh" < "submodule" < "ü..."
  EXPECT_EQ(modes, (std::vector<uint32_t>{0100644, 0040000, 0120000, 0100644, 0100755, 0160000, 0100644}));
}

TEST_F(TreeParserTest, HandWrittenTreesParseWhereGitReadsThem) {
  const std::string b = blob_;
  const std::vector<TreeCase> cases = {
      {"empty tree", ""},
      {"every canonical mode",
       entry("100644", "a", b) + entry("100755", "b", b) + entry("120000", "c", b) + entry("160000", "d", b) +
           entry("40000", "e", b)},
      {"zero-padded tree mode", entry("040000", "dir", b)},
      {"zero-padded file mode", entry("0100644", "f", b)},
      {"group-writable file", entry("100664", "f", b)},
      {"odd executable bits", entry("100775", "f", b)},
      {"bare file type", entry("100000", "f", b)},
      {"symlink with permissions", entry("120777", "l", b)},
      {"mode 0 is a gitlink", entry("0", "g", b)},
      {"unknown type is a gitlink", entry("170000", "g", b)},
      {"mode past 16 bits", entry("200000", "g", b)},
      {"name with spaces and UTF-8", entry("100644", "ünï cödé.txt", b)},
      {"name with a slash", entry("100644", "a/b", b)},
      {"unsorted and duplicate names", entry("100644", "z", b) + entry("100644", "a", b) + entry("100644", "a", b)},
      // Refused by git ("malformed mode", "empty filename", "too-short tree object").
      {"empty mode", entry("", "f", b), false},
      {"mode with a non-octal digit", entry("100648", "f", b), false},
      {"mode with a letter", entry("10064x", "f", b), false},
      {"signed mode", entry("+100644", "f", b), false},
      {"empty name", entry("100644", "", b), false},
      {"no NUL", "100644 name", false},
      {"short id", "100644 name" + std::string(1, '\0') + rawId(b).substr(0, 19), false},
      {"good entry then a truncated one", entry("100644", "a", b) + "100644 b", false},
      {"no space after the mode", "100644", false},
  };
  for (const auto& c : cases) expectLikeGit(c);
}

TEST_F(TreeParserTest, EncodedTreesAreTheTreesMktreeWrites) {
  const std::string sub = GitOracle::trim(oracle_->gitOut("mktree </dev/null"));
  const std::string gitlink = "1234567890abcdef1234567890abcdef12345678";
  // Names that sort differently as files and as directories ("a" sorts as
  // "a/" when a tree: after "a.txt" and "a-b", before "a0"), prefixes, bytes
  // above 0x7f, in an order mktree has to fix.
  struct Item {
    std::string mode, type, id, name;
  };
  const std::vector<std::vector<Item>> trees = {
      {},
      {{"100644", "blob", blob_, "a0"},
       {"040000", "tree", sub, "a"},
       {"100644", "blob", blob_, "a.txt"},
       {"100755", "blob", blob_, "a-b"},
       {"100644", "blob", blob_, "A"},
       {"120000", "blob", blob_, "ab"},
       {"160000", "commit", gitlink, "a_b"},
       {"040000", "tree", sub, "b"},
       {"100644", "blob", blob_, "b.c"},
       {"100644", "blob", blob_, "ünï"},
       {"100644", "blob", blob_, "zz"}},
      {{"040000", "tree", sub, "x"}, {"100644", "blob", blob_, "x.y"}, {"100644", "blob", blob_, "x-"}},
      {{"100644", "blob", blob_, "x"}, {"100644", "blob", blob_, "x.y"}, {"100644", "blob", blob_, "x-"}},
  };
  for (const auto& items : trees) {
    std::string input;
    std::vector<TreeItem> entries;
    for (const auto& i : items) {
      input += i.mode + " " + i.type + " " + i.id + "\t" + i.name + "\n";
      entries.push_back(TreeItem{i.name, static_cast<uint32_t>(std::stoul(i.mode, nullptr, 8)), *ObjectId::fromHex(i.id)});
    }
    const std::string expected = GitOracle::trim(oracle_->gitOut("mktree --missing < " + oracle_->file(input)));
    const Bytes ours = encodeTree(entries);
    SCOPED_TRACE(input);
    EXPECT_EQ(std::string(ours.begin(), ours.end()), oracle_->bytes("tree", expected));
    EXPECT_EQ(hashObject(ObjectType::Tree, ours.data(), ours.size()).hex(), expected);
  }
}

TEST(TreeOrder, NamesCompareAsGitsBaseNameCompare) {
  const ObjectId id{};
  const auto file = [&](const std::string& n) { return TreeItem{n, 0100644, id}; };
  const auto dir = [&](const std::string& n) { return TreeItem{n, 0040000, id}; };
  EXPECT_TRUE(treeOrderBefore(file("a.txt"), dir("a")));   // '.' < '/'
  EXPECT_TRUE(treeOrderBefore(dir("a"), file("a0")));      // '/' < '0'
  EXPECT_TRUE(treeOrderBefore(file("a"), file("a.txt")));  // a file's name ends first
  EXPECT_TRUE(treeOrderBefore(file("a"), dir("a")));       // same name: the file first
  EXPECT_FALSE(treeOrderBefore(dir("a"), file("a")));
  EXPECT_FALSE(treeOrderBefore(file("a"), file("a")));
  EXPECT_TRUE(treeOrderBefore(file("Z"), file("a")));      // bytewise: uppercase first
  EXPECT_TRUE(treeOrderBefore(file("z"), file("\xc3\xbc")));  // bytes above 0x7f last
}

TEST(TreeParser, StopsAtTheFirstMalformedEntryAndStaysStopped) {
  const std::string id(20, '\x11');
  const std::string good = "100644 a" + std::string(1, '\0') + id;
  const std::string withBad = good + "bad";
  TreeParser parser{std::string_view(withBad)};
  TreeEntryView e;
  ASSERT_TRUE(parser.next(e));
  EXPECT_EQ(e.name, "a");
  EXPECT_EQ(e.mode, 0100644u);
  EXPECT_FALSE(parser.next(e));
  EXPECT_TRUE(parser.malformed());
  EXPECT_FALSE(parser.next(e));

  TreeParser clean{std::string_view(good)};
  ASSERT_TRUE(clean.next(e));
  EXPECT_FALSE(clean.next(e));
  EXPECT_FALSE(clean.malformed());
}

TEST(TreeParser, CanonicalModesAreGits) {
  EXPECT_EQ(canonicalMode(0100644), 0100644u);
  EXPECT_EQ(canonicalMode(0100664), 0100644u);
  EXPECT_EQ(canonicalMode(0100700), 0100755u);
  EXPECT_EQ(canonicalMode(0120777), 0120000u);
  EXPECT_EQ(canonicalMode(0040755), 0040000u);
  EXPECT_EQ(canonicalMode(0160000), 0160000u);
  EXPECT_EQ(canonicalMode(0), 0160000u);
}

}  // namespace
}  // namespace oa::git
