// The commit codec against git. parseCommit(): every case is written byte
// for byte with `git hash-object --literally`, and the parser must read it as
// `git show --format=...` does (tree, parents, identities, dates and zones,
// encoding) or refuse it where git refuses it; the message is the stored
// bytes after the first empty line. encodeCommit(): the commit
// `git commit-tree` makes from the same fields, to the byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "git/format/commit.h"
#include "git/format/sha1.h"
#include "git_oracle.h"

namespace oa::git {
namespace {

using testing::bodyAfterHeaders;
using testing::GitOracle;
using testing::rawDate;
using testing::splitFields;

struct CommitCase {
  std::string label;
  std::string content;
  bool parses = true;
  bool hasAuthor = true;
  bool hasCommitter = true;
};

class CommitParserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    oracle_ = new GitOracle();
    tree_ = GitOracle::trim(oracle_->gitOut("mktree </dev/null"));
    for (int i = 0; i < 16; ++i) {
      parents_.push_back(GitOracle::trim(oracle_->gitOut("commit-tree " + tree_ + " -m p" + std::to_string(i))));
    }
  }
  static void TearDownTestSuite() {
    delete oracle_;
    oracle_ = nullptr;
    parents_.clear();
  }

  static std::string treeLine() { return "tree " + tree_ + "\n"; }
  static std::string parentLine(int i) { return "parent " + parents_.at(i) + "\n"; }

  static std::vector<CommitCase> cases() {
    const std::string author = "author Alice Example <alice@example.com> 1700000000 +0100\n";
    const std::string committer = "committer Bob Builder <bob@example.com> 1700000500 -0130\n";
    const std::string people = author + committer;
    std::string octopus = treeLine();
    for (int i = 0; i < 16; ++i) octopus += parentLine(i);
    const std::string sig =
        "gpgsig -----BEGIN PGP SIGNATURE-----\n"
        " \n"
        " iQEzBAABCAAdFiEE0123456789abcdefghijklmnopqrstuvwxyz\n"
        " author Mallory <mallory@example.com> 1 +0000\n"
        " committer Mallory <mallory@example.com> 1 +0000\n"
        " -----END PGP SIGNATURE-----\n";
    const std::string mergetag =
        "mergetag object " + parents_[1] + "\n"
        " type commit\n"
        " tag v1.0\n"
        " tagger Tag Ger <tagger@example.com> 1700000100 +0000\n"
        " \n"
        " release v1.0\n";
    return {
        {"ordinary", treeLine() + parentLine(0) + people + "\nsubject\n\nbody line\n"},
        {"root commit", treeLine() + people + "\nfirst\n"},
        {"merge", treeLine() + parentLine(0) + parentLine(1) + people + "\nmerge\n"},
        {"16 parents", octopus + people + "\noctopus\n"},
        {"utf-8 names with spaces",
         treeLine() + "author Zoë Ünïcödé 佐藤 <zoë@例え.jp> 1700000500 +0900\n"
                      "committer  Leading  Spaces   <  spaced@example.com > 1700000900 -0330\n\nünïcode ✓\n"},
        {"crud around names", treeLine() + "author .Dot, Name. <\"q\"@example.com> 1 +0000\n" + committer + "\nm\n"},
        {"gpgsig", treeLine() + parentLine(0) + people + sig + "\nsigned\n"},
        {"mergetag and gpgsig", treeLine() + parentLine(0) + parentLine(1) + people + mergetag + sig + "\nmerge v1.0\n"},
        {"encoding header", treeLine() + people + "encoding ISO-8859-1\n\ncaf\xe9\n"},
        {"unknown headers", treeLine() + people + "x-custom some value\nx-other\n\nm\n"},
        {"NUL in message", treeLine() + people + "\nbefore" + std::string(1, '\0') + "after\n"},
        {"message without trailing newline", treeLine() + people + "\nno newline"},
        {"two trailing newlines", treeLine() + people + "\nkeeps one\n\n"},
        {"empty message", treeLine() + people + "\n"},
        {"no blank line", treeLine() + people},
        {"header-like lines in the message", treeLine() + people + "\nsubject\nauthor Evil <e@x> 9 +0000\n\nx\n"},
        {"no author", treeLine() + committer + "\nm\n", true, false, true},
        {"no committer", treeLine() + author + "\nm\n", true, true, false},
        {"no identities", treeLine() + "\nm\n", true, false, false},
        {"identity without email", treeLine() + "author Nobody 1700000000 +0000\n" + committer + "\nm\n", true, false,
         true},
        {"two authors: the last counts", treeLine() + author + "author Second <second@example.com> 5 +0200\n" +
                                             committer + "\nm\n"},
        {"committer before author", treeLine() + committer + author + "\nm\n"},
        {"zones", treeLine() + "author A <a@x> 100 +1400\ncommitter C <c@x> 200 +0545\n\nm\n"},
        {"date without zone", treeLine() + "author A <a@x> 100\ncommitter C <c@x> 200 +0000\n\nm\n"},
        {"date that is not a number", treeLine() + "author A <a@x> soon +0000\ncommitter C <c@x> 200 +0000\n\nm\n"},
        {"negative date", treeLine() + "author A <a@x> -5 +0000\ncommitter C <c@x> 200 +0000\n\nm\n"},
        {"date past 64 bits", treeLine() + "author A <a@x> 99999999999999999999999 +0000\n" + committer + "\nm\n"},
        {"extra spaces around the date", treeLine() + "author A <a@x>   77   -0200\n" + committer + "\nm\n"},
        {"a '>' inside the email", treeLine() + "author A <a>b@x> 5 +0000\n" + committer + "\nm\n"},
        {"empty name and email", treeLine() + "author <> 5 +0000\n" + committer + "\nm\n"},
        {"uppercase tree id", "tree " + std::string("4B825DC642CB6EB9A060E54BF8D69288FBEE4904") + "\n" + people + "\nm\n"},
        // Refused by git ("bogus commit object", "bad parents").
        {"empty object", "", false},
        {"no tree line", people + "\nm\n", false},
        {"short tree id", "tree " + tree_.substr(0, 39) + "\n" + people + "\nm\n", false},
        {"tree id not hex", "tree " + std::string(40, 'g') + "\n" + people + "\nm\n", false},
        {"tree line alone", treeLine(), false},
        {"tree line without newline", "tree " + tree_, false},
        {"parent before tree", parentLine(0) + treeLine() + people + "\nm\n", false},
        {"short parent id", treeLine() + "parent 1234\n" + people + "\nm\n", false},
        {"bad second parent", treeLine() + parentLine(0) + "parent " + std::string(40, 'z') + "\n" + people + "\nm\n",
         false},
    };
  }

  static GitOracle* oracle_;
  static std::string tree_;
  static std::vector<std::string> parents_;
};

GitOracle* CommitParserTest::oracle_ = nullptr;
std::string CommitParserTest::tree_;
std::vector<std::string> CommitParserTest::parents_;

std::string joined(const std::vector<ObjectId>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : " ") + id.hex();
  return out;
}

void expectPerson(const std::optional<Signature>& ours, bool present, const std::string& name,
                  const std::string& email, const std::string& date, const std::string& what) {
  ASSERT_EQ(ours.has_value(), present) << what;
  if (!present) {
    EXPECT_EQ(name, "") << what << ": git shows an absent identity as empty";
    EXPECT_EQ(email, "") << what;
    return;
  }
  EXPECT_EQ(std::string(ours->name), name) << what;
  EXPECT_EQ(std::string(ours->email), email) << what;
  const auto [secs, zone] = rawDate(date);
  EXPECT_EQ(ours->time, secs) << what;
  EXPECT_EQ(ours->offsetMinutes, zone) << what;
}

TEST_F(CommitParserTest, ReadsEveryCaseAsGitDoes) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.label);
    const std::string id = oracle_->write("commit", c.content);
    const std::string raw = oracle_->bytes("commit", id);
    ASSERT_EQ(raw, c.content);
    const auto ours = parseCommit(std::string_view(raw));
    const auto shown = oracle_->tryGit("show -s --date=raw --pretty=format:%T%x00%P%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%e " + id);
    EXPECT_EQ(shown.has_value(), c.parses) << "git disagrees with the table";
    ASSERT_EQ(ours.has_value(), c.parses);
    if (!ours || !shown) continue;
    const auto f = splitFields(*shown, '\0');
    ASSERT_EQ(f.size(), 9u) << *shown;
    EXPECT_EQ(ours->tree.hex(), f[0]);
    EXPECT_EQ(joined(ours->parents), f[1]);
    expectPerson(ours->author, c.hasAuthor, f[2], f[3], f[4], "author");
    expectPerson(ours->committer, c.hasCommitter, f[5], f[6], f[7], "committer");
    EXPECT_EQ(std::string(ours->encoding), f[8]);
    EXPECT_EQ(std::string(ours->message), bodyAfterHeaders(raw));
    // %B is the message as git prints it: the same bytes unless a NUL cuts
    // it or an encoding header makes git re-encode it.
    if (raw.find('\0') == std::string::npos && ours->encoding.empty()) {
      EXPECT_EQ(std::string(ours->message), oracle_->gitOut("show -s --pretty=format:%B " + id));
    }
  }
}

TEST_F(CommitParserTest, SpotChecks) {
  const std::string sixteen = [] {
    std::string s = treeLine();
    for (int i = 0; i < 16; ++i) s += parentLine(i);
    return s + "author A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\n";
  }();
  auto octopus = parseCommit(std::string_view(sixteen));
  ASSERT_TRUE(octopus);
  ASSERT_EQ(octopus->parents.size(), 16u);
  EXPECT_EQ(octopus->parents.front().hex(), parents_.front());
  EXPECT_EQ(octopus->parents.back().hex(), parents_.back());

  const std::string withNul = treeLine() + "committer C <c@x> 2 -0130\n\na" + std::string(1, '\0') + "b";
  auto nul = parseCommit(std::string_view(withNul));
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->message, std::string_view("a\0b", 3));
  EXPECT_FALSE(nul->author);
  ASSERT_TRUE(nul->committer);
  EXPECT_EQ(nul->committer->time, 2);
  EXPECT_EQ(nul->committer->offsetMinutes, -90);

  const Bytes asBytes = stringToBytes(withNul);
  auto fromBytes = parseCommit(asBytes);
  ASSERT_TRUE(fromBytes);
  EXPECT_EQ(fromBytes->message.size(), 3u);
}

TEST_F(CommitParserTest, EncodedCommitsAreTheCommitsCommitTreeWrites) {
  struct Case {
    std::vector<int> parents;
    std::string author, authorDate, committer, committerDate, message;
    Signature authorSig, committerSig;
  };
  const std::vector<Case> cases = {
      {{}, "A U Thor <author@example.com>", "@1700000000 +0000", "C O Mitter <c@example.com>", "@1700000500 +0000",
       "root\n", {"A U Thor", "author@example.com", 1700000000, 0}, {"C O Mitter", "c@example.com", 1700000500, 0}},
      {{0}, "Zoë 佐藤 <zoë@例え.jp>", "@1700000500 +0930", "Bot <bot@ci>", "@1 -0330", "ünïcode ✓\n\nbody\n",
       {"Zoë 佐藤", "zoë@例え.jp", 1700000500, 570}, {"Bot", "bot@ci", 1, -210}},
      {{0, 1, 2}, "Merger <m@x>", "@0 +1400", "Merger <m@x>", "@253402300799 -1200", "merge\n",
       {"Merger", "m@x", 0, 840}, {"Merger", "m@x", 253402300799, -720}},
  };
  for (const auto& c : cases) {
    std::string args = "commit-tree " + tree_;
    CommitFields fields;
    fields.tree = *ObjectId::fromHex(tree_);
    for (int p : c.parents) {
      args += " -p " + parents_.at(p);
      fields.parents.push_back(*ObjectId::fromHex(parents_.at(p)));
    }
    const auto who = [](const std::string& id) {
      const size_t lt = id.find(" <");
      return std::make_pair(id.substr(0, lt), id.substr(lt + 2, id.size() - lt - 3));
    };
    const auto [an, ae] = who(c.author);
    const auto [cn, ce] = who(c.committer);
    const std::string env = "GIT_AUTHOR_NAME='" + an + "' GIT_AUTHOR_EMAIL='" + ae + "' GIT_AUTHOR_DATE='" +
                            c.authorDate + "' GIT_COMMITTER_NAME='" + cn + "' GIT_COMMITTER_EMAIL='" + ce +
                            "' GIT_COMMITTER_DATE='" + c.committerDate + "' ";
    // The oracle's git with this case's identities (later env assignments win).
    std::string git = oracle_->g();
    git.insert(git.find("git -C"), env);
    const std::string id = GitOracle::trim(testing::run(git + args + " < " + oracle_->file(c.message)));
    fields.author = c.authorSig;
    fields.committer = c.committerSig;
    fields.message = c.message;
    const Bytes ours = encodeCommit(fields);
    SCOPED_TRACE(c.message);
    EXPECT_EQ(std::string(ours.begin(), ours.end()), oracle_->bytes("commit", id));
    EXPECT_EQ(hashObject(ObjectType::Commit, ours.data(), ours.size()).hex(), id);
  }
}

TEST(SignatureFormat, WritesWhatTheParserReads) {
  const Signature s{"Name With Spaces", "e@x", 1700000000, -570};
  EXPECT_EQ(formatSignature(s), "Name With Spaces <e@x> 1700000000 -0930");
  EXPECT_EQ(formatSignature({"A", "", 0, 0}), "A <> 0 +0000");
  EXPECT_EQ(formatSignature({"A", "a", 5, 23 * 60 + 59}), "A <a> 5 +2359");
  const std::string line = formatSignature(s);
  const auto back = parseSignature(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, s.name);
  EXPECT_EQ(back->email, s.email);
  EXPECT_EQ(back->time, s.time);
  EXPECT_EQ(back->offsetMinutes, s.offsetMinutes);
}

TEST(SignatureParser, SplitsLikeGit) {
  auto s = parseSignature("  Name  With Spaces \t<e@x>  1700000000   +0530");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "  Name  With Spaces");
  EXPECT_EQ(s->email, "e@x");
  EXPECT_EQ(s->time, 1700000000);
  EXPECT_EQ(s->offsetMinutes, 330);
  EXPECT_FALSE(parseSignature("no email 1 +0000"));
  EXPECT_FALSE(parseSignature("unclosed <e@x 1 +0000"));
  auto noDate = parseSignature("A <a@x>");
  ASSERT_TRUE(noDate);
  EXPECT_EQ(noDate->time, 0);
  auto max = parseSignature("A <a@x> 9223372036854775807 -1200");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->time, INT64_MAX);
  EXPECT_EQ(max->offsetMinutes, -720);
  auto over = parseSignature("A <a@x> 9223372036854775808 -1200");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->time, 0);
  EXPECT_EQ(over->offsetMinutes, 0);
}

}  // namespace
}  // namespace oa::git
