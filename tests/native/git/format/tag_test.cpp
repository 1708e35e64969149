// parseTag() against git: annotated tags made by `git tag -a` and `git mktag`,
// and odd ones written byte for byte with `git hash-object --literally`, must
// read as `git for-each-ref` shows them (target, type, name, tagger and its
// date) with the stored message; malformed ones are refused where git
// refuses to peel them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "git/format/object_links.h"
#include "git/format/tag.h"
#include "git_oracle.h"

namespace oa::git {
namespace {

using testing::bodyAfterHeaders;
using testing::GitOracle;
using testing::rawDate;
using testing::splitFields;

struct TagCase {
  std::string label;
  std::string content;
  bool parses = true;
  bool hasTagger = true;
};

class TagParserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    oracle_ = new GitOracle();
    tree_ = GitOracle::trim(oracle_->gitOut("mktree </dev/null"));
    commit_ = GitOracle::trim(oracle_->gitOut("commit-tree " + tree_ + " -m tagged"));
    blob_ = oracle_->write("blob", "blob\n");
  }
  static void TearDownTestSuite() {
    delete oracle_;
    oracle_ = nullptr;
  }

  // Checks one tag object against git; returns its id.
  static std::string expectLikeGit(const TagCase& c) {
    SCOPED_TRACE(c.label);
    const std::string id = oracle_->write("tag", c.content);
    const std::string raw = oracle_->bytes("tag", id);
    EXPECT_EQ(raw, c.content);
    const auto ours = parseTag(std::string_view(raw));
    EXPECT_EQ(oracle_->tryGit("rev-parse --verify -q " + id + "^{}").has_value(), c.parses)
        << "git disagrees with the table";
    EXPECT_EQ(ours.has_value(), c.parses);
    EXPECT_EQ(objectLinks(ObjectType::Tag, stringToBytes(raw)).has_value(), c.parses);
    if (!ours || !c.parses) return id;
    const std::string ref = "refs/tags/case";
    oracle_->gitOut("update-ref " + ref + " " + id);
    const auto f = splitFields(
        GitOracle::trim(oracle_->gitOut("for-each-ref --format='%(object)%00%(type)%00%(tag)%00%(taggername)%00"
                                        "%(taggeremail:trim)%00%(taggerdate:raw)' " + ref)),
        '\0');
    EXPECT_EQ(f.size(), 6u);
    if (f.size() != 6u) return id;
    EXPECT_EQ(ours->target.hex(), f[0]);
    EXPECT_EQ(objectTypeName(ours->targetType), f[1]);
    EXPECT_EQ(std::string(ours->name), f[2]);
    EXPECT_EQ(ours->tagger.has_value(), c.hasTagger);
    if (ours->tagger) {
      EXPECT_EQ(std::string(ours->tagger->name), f[3]);
      EXPECT_EQ(std::string(ours->tagger->email), f[4]);
      const auto [secs, zone] = rawDate(f[5]);
      EXPECT_EQ(ours->tagger->time, secs);
      EXPECT_EQ(ours->tagger->offsetMinutes, zone);
    } else {
      EXPECT_EQ(f[3], "");
    }
    EXPECT_EQ(std::string(ours->message), bodyAfterHeaders(raw));
    if (raw.find('\0') == std::string::npos) {
      // for-each-ref ends each ref's line with "\n".
      EXPECT_EQ(std::string(ours->message) + "\n", oracle_->gitOut("for-each-ref --format='%(contents)' " + ref));
    }
    return id;
  }

  static GitOracle* oracle_;
  static std::string tree_, commit_, blob_;
};

GitOracle* TagParserTest::oracle_ = nullptr;
std::string TagParserTest::tree_;
std::string TagParserTest::commit_;
std::string TagParserTest::blob_;

TEST_F(TagParserTest, TagsMadeByGitReadAsGitShowsThem) {
  oracle_->gitOut("update-ref refs/heads/main " + commit_);
  oracle_->gitOut("tag -a v1 -m 'release v1' " + commit_);
  oracle_->gitOut("-c advice.nestedTag=false tag -a v1-nested -m 'a tag of a tag' v1");
  oracle_->gitOut("tag -a tree-tag -m 'a tag of a tree' " + tree_);
  oracle_->gitOut("tag -a blob-tag -m 'a tag of a blob' " + blob_);
  const std::string mktag = "object " + commit_ + "\ntype commit\ntag v2\n" +
                            "tagger Zoë Ünïcödé 佐藤 <zoë@例え.jp> 1700000000 -0130\n\nmulti\nline\nmessage\n";
  const std::string mktagId = GitOracle::trim(oracle_->gitOut("mktag < " + oracle_->file(mktag)));
  for (const std::string name : {"v1", "v1-nested", "tree-tag", "blob-tag"}) {
    const std::string id = GitOracle::trim(oracle_->gitOut("rev-parse refs/tags/" + name));
    expectLikeGit({name, oracle_->bytes("tag", id)});
  }
  expectLikeGit({"mktag", oracle_->bytes("tag", mktagId)});
  const auto nested = parseTag(std::string_view(oracle_->bytes("tag", GitOracle::trim(oracle_->gitOut("rev-parse v1-nested")))));
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->targetType, ObjectType::Tag);
  EXPECT_EQ(nested->target.hex(), GitOracle::trim(oracle_->gitOut("rev-parse v1")));
}

TEST_F(TagParserTest, HandWrittenTagsParseWhereGitReadsThem) {
  const std::string head = "object " + commit_ + "\ntype commit\ntag t\n";
  const std::string tagger = "tagger Tag Ger <tagger@example.com> 1700000000 +0200\n";
  const std::string sig = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n";
  const std::vector<TagCase> cases = {
      {"ordinary", head + tagger + "\nmessage\n"},
      {"signed", head + tagger + "\nmessage\n" + sig},
      {"no tagger", head + "\nold tag\n", true, false},
      {"tagger without email", head + "tagger Nobody 1 +0000\n\nm\n", true, false},
      {"no message", head + tagger},
      {"empty message", head + tagger + "\n"},
      {"message without trailing newline", head + tagger + "\nno newline"},
      {"NUL in message", head + tagger + "\na" + std::string(1, '\0') + "b\n"},
      {"extra header", head + tagger + "x-custom value\n\nm\n"},
      {"empty tag name", "object " + commit_ + "\ntype commit\ntag \n" + tagger + "\nm\n"},
      {"tag of a tree", "object " + tree_ + "\ntype tree\ntag t\n" + tagger + "\nm\n"},
      {"tag of a blob", "object " + blob_ + "\ntype blob\ntag t\n" + tagger + "\nm\n"},
      // Refused by git.
      {"empty object", "", false},
      {"no object line", "type commit\ntag t\n" + tagger + "\nm\n", false},
      {"short object id", "object " + commit_.substr(0, 39) + "\ntype commit\ntag t\n\nm\n", false},
      {"no type line", "object " + commit_ + "\ntag t\n" + tagger + "\nm\n", false},
      {"unknown type", "object " + commit_ + "\ntype banana\ntag t\n" + tagger + "\nm\n", false},
      {"delta type", "object " + commit_ + "\ntype ofs-delta\ntag t\n" + tagger + "\nm\n", false},
      {"no tag line", "object " + commit_ + "\ntype commit\n" + tagger + "\nm\n", false},
      {"tag line without newline", "object " + commit_ + "\ntype commit\ntag t", false},
  };
  for (const auto& c : cases) expectLikeGit(c);
}

}  // namespace
}  // namespace oa::git
