// The commit API's argument rules (commit_request.h). Paths: git as the
// oracle, `git update-index --add` with core.protectNTFS and core.protectHFS
// on (git's verify_path()) refuses exactly the paths the table refuses,
// except the rules git does not have (length, UTF-8, NUL, which a shell cannot
// pass anyway). Every refusal names its field.
#include <gtest/gtest.h>

#include <functional>

#include "artifacts/commit_request.h"
#include "open_artifacts/errors.h"
#include "support/git_fixture.h"

namespace oa {
namespace {

using testing::run;

struct PathCase {
  std::string path;
  std::string problem;  // "" = fine
  bool gitHasTheRule = true;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

const std::vector<PathCase>& pathCases() {
  static const std::vector<PathCase> cases = {
      {"README.md", ""},
      {"a/b/c.txt", ""},
      {".gitignore", ""},
      {".github/workflows/ci.yml", ""},
      {"x/.gitkeep", ""},
      {"git", ""},
      {".gitx", ""},
      {"a.git", ""},
      {"git~2", ""},
      {"...", ""},
      {"..a", ""},
      {".a", ""},
      {"a b/c d", ""},
      {"ünïcödé/文件.txt", ""},
      {"tab\there", ""},
      {"", "path is empty"},
      {"/abs", "path must be relative (no leading '/')"},
      {"dir/", "path must name a file (no trailing '/')"},
      {"a//b", "path has an empty segment ('//')"},
      {".", "path has a '.' or '..' segment"},
      {"..", "path has a '.' or '..' segment"},
      {"a/./b", "path has a '.' or '..' segment"},
      {"a/../b", "path has a '.' or '..' segment"},
      {"../x", "path has a '.' or '..' segment"},
      {"a/..", "path has a '.' or '..' segment"},
      {".git", "path has a '.git' segment"},
      {".git/config", "path has a '.git' segment"},
      {"a/.git/hooks/pre-commit", "path has a '.git' segment"},
      {".GIT/x", "path has a '.git' segment"},
      {"a/.Git", "path has a '.git' segment"},
      {".git./x", "path has a '.git' segment"},          // NTFS drops trailing dots
      {".git /x", "path has a '.git' segment"},          // and trailing spaces
      {".git . ./x", "path has a '.git' segment"},
      {"git~1/config", "path has a '.git' segment"},     // .git's NTFS short name
      {"GIT~1", "path has a '.git' segment"},
      {".git::$INDEX_ALLOCATION/x", "path has a '.git' segment"},  // an NTFS stream of .git
      {"a\\.git", "path has a '.git' segment"},          // NTFS separates at '\'
      {".g\xe2\x80\x8cit/x", "path has a '.git' segment"},          // HFS+ ignores U+200C
      {"\xef\xbb\xbf.git", "path has a '.git' segment"},            // and U+FEFF
      {".gi\xe2\x81\xaft", "path has a '.git' segment"},            // and U+206F
      {std::string("a\0b", 3), "path contains a NUL byte", false},
      {"bad\xff", "path is not valid UTF-8", false},
      {std::string(kMaxCommitPathBytes + 1, 'x'), "path is longer than 4096 bytes", false},
      {std::string(kMaxCommitPathBytes, 'x'), ""},
  };
  return cases;
}

TEST(CommitPaths, RefusedExactlyWhereGitRefuses) {
  testing::TempDir dir;
  const std::string repo = dir.path + "/repo";
  run("git init -q " + repo);
  const std::string g = testing::git(repo) + "-c core.protectNTFS=true -c core.protectHFS=true ";
  const std::string blob = run(g + "hash-object -w --stdin </dev/null").substr(0, 40);
  for (const auto& c : pathCases()) {
    SCOPED_TRACE(c.path.size() > 80 ? c.path.substr(0, 80) + "..." : c.path);
    const auto problem = commitPathProblem(c.path);
    EXPECT_EQ(problem.value_or(""), c.problem);
    if (!c.gitHasTheRule) continue;
    const int status = std::system((g + "update-index --add --cacheinfo 100644," + blob + "," + quote(c.path) +
                                    " >/dev/null 2>&1")
                                       .c_str());
    EXPECT_EQ(status == 0, c.problem.empty()) << "git disagrees";
  }
}

// A valid request to break one field of.
CommitRequest valid() {
  CommitRequest r;
  r.branch = "main";
  r.message = "m";
  r.files.push_back(FileChange{"a.txt", stringToBytes("a"), std::nullopt});
  return r;
}

const CommitLimits kLimits{100, 250};

void expectRefused(const CommitRequest& r, ErrorCode code, const std::string& pointer, const std::string& label) {
  try {
    checkCommitRequest(r, kLimits);
    ADD_FAILURE() << label << ": accepted";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), code) << label << ": " << e.what();
    EXPECT_EQ(e.pointer(), pointer) << label << ": " << e.what();
  }
}

TEST(CommitRequestRules, EveryRefusalNamesItsField) {
  EXPECT_NO_THROW(checkCommitRequest(valid(), kLimits));
  struct Case {
    std::string label;
    std::function<void(CommitRequest&)> breakIt;
    ErrorCode code;
    std::string pointer;
  };
  const auto who = [](std::string name, std::string email) { return CommitIdentity{name, email, std::nullopt, 0}; };
  const std::vector<Case> cases = {
      {"empty branch", [](auto& r) { r.branch = ""; }, ErrorCode::InvalidInput, "/branch"},
      {"branch HEAD", [](auto& r) { r.branch = "HEAD"; }, ErrorCode::InvalidInput, "/branch"},
      {"branch refs/heads/HEAD", [](auto& r) { r.branch = "refs/heads/HEAD"; }, ErrorCode::InvalidInput, "/branch"},
      {"a tag", [](auto& r) { r.branch = "refs/tags/v1"; }, ErrorCode::InvalidInput, "/branch"},
      {"bare refs/heads/", [](auto& r) { r.branch = "refs/heads/"; }, ErrorCode::InvalidInput, "/branch"},
      {"branch with ..", [](auto& r) { r.branch = "a..b"; }, ErrorCode::InvalidInput, "/branch"},
      {"branch with a space", [](auto& r) { r.branch = "a b"; }, ErrorCode::InvalidInput, "/branch"},
      {"branch .lock", [](auto& r) { r.branch = "x.lock"; }, ErrorCode::InvalidInput, "/branch"},
      {"branch -x", [](auto& r) { r.branch = "-x"; }, ErrorCode::InvalidInput, "/branch"},
      {"short expectedHead", [](auto& r) { r.expectedHead = "abc"; }, ErrorCode::InvalidInput, "/expectedHead"},
      {"uppercase expectedHead", [](auto& r) { r.expectedHead = std::string(40, 'A'); }, ErrorCode::InvalidInput,
       "/expectedHead"},
      {"empty message", [](auto& r) { r.message = ""; }, ErrorCode::InvalidInput, "/message"},
      {"blank message", [](auto& r) { r.message = " \n\t\n"; }, ErrorCode::InvalidInput, "/message"},
      {"NUL in message", [](auto& r) { r.message = std::string("a\0b", 3); }, ErrorCode::InvalidInput, "/message"},
      {"huge message", [](auto& r) { r.message = std::string(kMaxCommitMessageBytes + 1, 'm'); },
       ErrorCode::InvalidInput, "/message"},
      {"no author name", [&](auto& r) { r.author = who("", "a@x"); }, ErrorCode::InvalidInput, "/author/name"},
      {"'<' in a name", [&](auto& r) { r.author = who("a <b", "a@x"); }, ErrorCode::InvalidInput, "/author/name"},
      {"newline in a name", [&](auto& r) { r.author = who("a\nb", "a@x"); }, ErrorCode::InvalidInput, "/author/name"},
      {"leading space", [&](auto& r) { r.author = who(" a", "a@x"); }, ErrorCode::InvalidInput, "/author/name"},
      {"'>' in an email", [&](auto& r) { r.committer = who("c", "c>@x"); }, ErrorCode::InvalidInput,
       "/committer/email"},
      {"negative date", [&](auto& r) { r.author = CommitIdentity{"a", "a@x", -1, 0}; }, ErrorCode::InvalidInput,
       "/author/date"},
      {"date past 9999", [&](auto& r) { r.author = CommitIdentity{"a", "a@x", kMaxCommitDate + 1, 0}; },
       ErrorCode::InvalidInput, "/author/date"},
      {"zone of a day", [&](auto& r) { r.committer = CommitIdentity{"a", "a@x", 0, 24 * 60}; }, ErrorCode::InvalidInput,
       "/committer/timezoneOffset"},
      {"bad path", [](auto& r) { r.files.push_back(FileChange{"x/../y", stringToBytes(""), std::nullopt}); },
       ErrorCode::InvalidInput, "/files/1/path"},
      {"a deleted file's mode", [](auto& r) { r.files.push_back(FileChange{"old", std::nullopt, true}); },
       ErrorCode::InvalidInput, "/files/1/executable"},
      {"too many files",
       [](auto& r) { r.files.assign(kMaxCommitFiles + 1, FileChange{"f", stringToBytes(""), std::nullopt}); },
       ErrorCode::InvalidInput, "/files"},
      {"a file over its limit", [](auto& r) { r.files.push_back(FileChange{"big", Bytes(101), std::nullopt}); },
       ErrorCode::MemoryLimit, "/files/1/content"},
      {"files over their limit",
       [](auto& r) {
         for (int i = 0; i < 3; ++i) r.files.push_back(FileChange{"f" + std::to_string(i), Bytes(100), std::nullopt});
       },
       ErrorCode::MemoryLimit, "/files"},
  };
  for (const auto& c : cases) {
    CommitRequest r = valid();
    c.breakIt(r);
    expectRefused(r, c.code, c.pointer, c.label);
  }
}

TEST(CommitRequestRules, AcceptsWhatGitWouldWrite) {
  CommitRequest r = valid();
  r.branch = "refs/heads/feature/ünï";
  r.expectedHead = std::string(40, '0');
  r.message = "subject\n\nbody\n";
  r.author = CommitIdentity{"Zoë 佐藤", "", 0, -kMaxTimezoneOffsetMinutes};
  r.committer = CommitIdentity{"C", "c@x", kMaxCommitDate, kMaxTimezoneOffsetMinutes};
  r.files.push_back(FileChange{"gone.txt", std::nullopt, std::nullopt});
  r.files.push_back(FileChange{"run.sh", Bytes(100), true});
  EXPECT_NO_THROW(checkCommitRequest(r, kLimits));
  EXPECT_EQ(branchRefName("main"), "refs/heads/main");
  EXPECT_EQ(branchRefName("refs/heads/main"), "refs/heads/main");
}

}  // namespace
}  // namespace oa
