// objectLinks() and treeLinks() read objects with the one parser of each kind:
// for every object of a repo made by git (a merge, a submodule, annotated
// tags of every kind of object) the links are what git says the object
// refers to, and content git would not read has none.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "git/format/object_links.h"
#include "git_oracle.h"

namespace oa::git {
namespace {

using testing::GitOracle;

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "<id> <type>" of each link ("any": a tag's target).
std::vector<std::string> hexes(const std::vector<ObjectLink>& links) {
  std::vector<std::string> out;
  for (const auto& link : links) out.push_back(link.id.hex() + " " + (link.type ? objectTypeName(*link.type) : "any"));
  return out;
}

TEST(ObjectLinks, EveryObjectOfAGitRepoLinksToWhatGitSays) {
  GitOracle oracle;
  auto git = [&](const std::string& args) { return oracle.gitOut(args); };
  const std::string blob = oracle.write("blob", "file\n");
  const std::string gitlink = "1234567890abcdef1234567890abcdef12345678";
  const std::string sub = GitOracle::trim(git("mktree < " + oracle.file("100644 blob " + blob + "\tinner\n")));
  const std::string tree = GitOracle::trim(git("mktree --missing < " + oracle.file("100644 blob " + blob + "\tf\n" +
                                                                                   "040000 tree " + sub + "\tdir\n" +
                                                                                   "160000 commit " + gitlink + "\tsub\n")));
  const std::string c1 = GitOracle::trim(git("commit-tree " + tree + " -m one"));
  const std::string c2 = GitOracle::trim(git("commit-tree " + sub + " -p " + c1 + " -m two"));
  const std::string c3 = GitOracle::trim(git("commit-tree " + tree + " -p " + c1 + " -p " + c2 + " -m merge"));
  git("update-ref refs/heads/main " + c3);
  git("tag -a v1 -m v1 " + c3);
  git("-c advice.nestedTag=false tag -a v1-nested -m nested v1");
  git("tag -a tree-tag -m t " + tree);
  git("tag -a blob-tag -m b " + blob);

  const auto all = words(git("cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)'"));
  ASSERT_EQ(all.size() % 2, 0u);
  std::set<std::string> typesSeen;
  for (size_t i = 0; i < all.size(); i += 2) {
    const std::string& id = all[i];
    const std::string& type = all[i + 1];
    SCOPED_TRACE(type + " " + id);
    typesSeen.insert(type);
    const Bytes data = stringToBytes(oracle.bytes(type, id));
    const auto kind = objectTypeFromName(type);
    ASSERT_TRUE(kind);
    const auto links = objectLinks(*kind, data);
    ASSERT_TRUE(links);
    std::vector<std::string> expected;
    if (type == "commit") {
      for (const auto& w : words(git("show -s --format='%T %P' " + id))) {
        expected.push_back(w + (expected.empty() ? " tree" : " commit"));
      }
    } else if (type == "tree") {
      for (const auto& line : testing::lines(git("ls-tree " + id))) {
        const auto w = words(line);
        if (w.at(1) != "commit") expected.push_back(w.at(2) + " " + w.at(1));
      }
      const auto entries = treeLinks(data);
      ASSERT_TRUE(entries);
      size_t trees = 0, gitlinks = 0, gitTrees = 0;
      for (const auto& e : *entries) {
        trees += e.isTree;
        gitlinks += e.isGitlink;
      }
      for (const auto& line : testing::lines(git("ls-tree " + id))) gitTrees += words(line).at(1) == "tree";
      EXPECT_EQ(trees, gitTrees);
      EXPECT_EQ(gitlinks, entries->size() - links->size());
    } else if (type == "tag") {
      expected = {GitOracle::trim(git("cat-file tag " + id + " | head -1 | cut -d' ' -f2")) + " any"};
    }
    auto sorted = hexes(*links);
    if (type == "tree") {
      std::sort(sorted.begin(), sorted.end());
      std::sort(expected.begin(), expected.end());
    }
    EXPECT_EQ(sorted, expected);
  }
  EXPECT_EQ(typesSeen, (std::set<std::string>{"blob", "commit", "tag", "tree"}));
}

TEST(ObjectLinks, ContentGitWouldNotReadHasNoLinks) {
  const std::string tree(40, 'a');
  const std::string people = "author A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\n";
  auto links = [](ObjectType type, const std::string& s) { return objectLinks(type, stringToBytes(s)); };
  // A malformed parent line fails the commit (before, the parents just stopped there).
  EXPECT_FALSE(links(ObjectType::Commit, "tree " + tree + "\nparent 123\n" + people));
  EXPECT_FALSE(links(ObjectType::Commit, people));
  // A tag must have its type and name lines too.
  EXPECT_FALSE(links(ObjectType::Tag, "object " + tree + "\n\nm\n"));
  EXPECT_FALSE(links(ObjectType::Tree, "100644 f"));
  EXPECT_FALSE(links(ObjectType::OfsDelta, ""));
  // Ids in either case, as git reads them; identities are not needed for links.
  const auto upper = links(ObjectType::Commit, "tree " + std::string(40, 'A') + "\n\nm\n");
  ASSERT_TRUE(upper);
  EXPECT_EQ(hexes(*upper), std::vector<std::string>{tree + " tree"});
  const auto blob = links(ObjectType::Blob, "anything");
  ASSERT_TRUE(blob);
  EXPECT_TRUE(blob->empty());
}

}  // namespace
}  // namespace oa::git
