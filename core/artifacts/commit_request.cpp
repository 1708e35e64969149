#include "artifacts/commit_request.h"

#include "artifacts/names.h"
#include "base/text.h"
#include "base/utf8.h"
#include "git/format/object_id.h"
#include "git/store/ref_store.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
const std::string kBranchPrefix = "refs/heads/";

[[noreturn]] void invalid(const std::string& message, const std::string& pointer) {
  throwError(ErrorCode::InvalidInput, message, pointer);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// What NTFS opens for `name`: an alternate stream (":...") and trailing
// spaces and dots are ignored, so ".git. " and "git~1" (.git's short name) are .git.
bool isNtfsDotGit(std::string_view name) {
  name = name.substr(0, name.find(':'));
  while (!name.empty() && (name.back() == ' ' || name.back() == '.')) name.remove_suffix(1);
  return equalsIgnoringCase(name, ".git") || equalsIgnoringCase(name, "git~1");
}

// HFS+ ignores some zero-width code points in names: ".g\u200cit" is .git.
bool isHfsDotGit(std::string_view name) {
  std::string visible;
  for (size_t i = 0; i < name.size(); ++i) {
    const auto b = [&](size_t k) { return i + k < name.size() ? static_cast<unsigned char>(name[i + k]) : 0u; };
    const bool ignorable = (b(0) == 0xe2 && b(1) == 0x80 && ((b(2) >= 0x8c && b(2) <= 0x8f) || (b(2) >= 0xaa && b(2) <= 0xae))) ||
                           (b(0) == 0xe2 && b(1) == 0x81 && b(2) >= 0xaa && b(2) <= 0xaf) ||
                           (b(0) == 0xef && b(1) == 0xbb && b(2) == 0xbf);
    if (ignorable) i += 2;
    else visible.push_back(name[i]);
  }
  return equalsIgnoringCase(visible, ".git");
}

// A segment that is .git on some filesystem git protects (NTFS also splits
// names at '\\').
bool isDotGitSegment(std::string_view segment) {
  if (isHfsDotGit(segment)) return true;
  size_t start = 0;
  for (;;) {
    const size_t backslash = segment.find('\\', start);
    if (isNtfsDotGit(segment.substr(start, backslash == std::string_view::npos ? std::string_view::npos : backslash - start))) {
      return true;
    }
    if (backslash == std::string_view::npos) return false;
    start = backslash + 1;
  }
}

bool hasControlCharacter(std::string_view text) {
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

void checkIdentity(const CommitIdentity& who, const std::string& field) {
  const auto checkText = [&](const std::string& text, const char* key, bool required) {
    const std::string pointer = field + "/" + key;
    if (required && text.empty()) invalid(std::string(key) + " is required", pointer);
    if (text.size() > kMaxCommitIdentityBytes) {
      invalid(std::string(key) + " is longer than " + std::to_string(kMaxCommitIdentityBytes) + " bytes", pointer);
    }
    if (!isValidUtf8(text)) invalid(std::string(key) + " is not valid UTF-8", pointer);
    if (text.find_first_of("<>") != std::string::npos || hasControlCharacter(text)) {
      invalid(std::string(key) + " must not contain '<', '>', newlines or other control characters", pointer);
    }
    if (!text.empty() && (text.front() == ' ' || text.back() == ' ')) {
      invalid(std::string(key) + " must not start or end with a space", pointer);
    }
  };
  checkText(who.name, "name", true);
  checkText(who.email, "email", false);
  if (who.date && (*who.date < 0 || *who.date > kMaxCommitDate)) {
    invalid("date must be Unix seconds between 0 and " + std::to_string(kMaxCommitDate), field + "/date");
  }
  if (who.timezoneOffset < -kMaxTimezoneOffsetMinutes || who.timezoneOffset > kMaxTimezoneOffsetMinutes) {
    invalid("timezoneOffset must be minutes east of UTC, at most 23:59 either way", field + "/timezoneOffset");
  }
}

void checkBranch(const std::string& branch) {
  const std::string_view name =
      startsWith(branch, kBranchPrefix) ? std::string_view(branch).substr(kBranchPrefix.size()) : std::string_view(branch);
  if (!isValidBranchName(name) || name == "HEAD" || startsWith(name, "refs/") ||
      !git::isValidRefName(kBranchPrefix + std::string(name))) {
    invalid("Invalid branch: must be a branch name (git check-ref-format) or refs/heads/<name>", "/branch");
  }
}

void checkMessage(const std::string& message) {
  if (message.find_first_not_of(" \t\r\n") == std::string::npos) invalid("message is required", "/message");
  if (message.size() > kMaxCommitMessageBytes) {
    invalid("message is longer than " + std::to_string(kMaxCommitMessageBytes) + " bytes", "/message");
  }
  if (message.find('\0') != std::string::npos) invalid("message must not contain a NUL byte", "/message");
  if (!isValidUtf8(message)) invalid("message is not valid UTF-8", "/message");
}
}  // namespace

std::optional<std::string> commitPathProblem(std::string_view path) {
  if (path.empty()) return "path is empty";
  if (path.size() > kMaxCommitPathBytes) return "path is longer than " + std::to_string(kMaxCommitPathBytes) + " bytes";
  if (path.find('\0') != std::string_view::npos) return "path contains a NUL byte";
  if (!isValidUtf8(path)) return "path is not valid UTF-8";
  if (path.front() == '/') return "path must be relative (no leading '/')";
  if (path.back() == '/') return "path must name a file (no trailing '/')";
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) return "path has an empty segment ('//')";
    if (segment == "." || segment == "..") return "path has a '.' or '..' segment";
    if (isDotGitSegment(segment)) return "path has a '.git' segment";
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

std::string branchRefName(const std::string& branch) {
  return startsWith(branch, kBranchPrefix) ? branch : kBranchPrefix + branch;
}

void checkCommitRequest(const CommitRequest& request, const CommitLimits& limits) {
  if (request.branch) checkBranch(*request.branch);
  if (request.expectedHead && !git::ObjectId::fromHex(*request.expectedHead)) {
    invalid("expectedHead must be a 40-character lowercase hex commit id (40 zeros: the branch must not exist)",
            "/expectedHead");
  }
  checkMessage(request.message);
  if (request.author) checkIdentity(*request.author, "/author");
  if (request.committer) checkIdentity(*request.committer, "/committer");
  if (request.files.size() > kMaxCommitFiles) {
    invalid("at most " + std::to_string(kMaxCommitFiles) + " files per commit", "/files");
  }
  uint64_t total = 0;
  for (size_t i = 0; i < request.files.size(); ++i) {
    const FileChange& file = request.files[i];
    const std::string at = "/files/" + std::to_string(i);
    if (auto problem = commitPathProblem(file.path)) invalid("Invalid path: " + *problem, at + "/path");
    if (!file.content) {
      if (file.executable) invalid("a deleted file has no mode", at + "/executable");
      continue;
    }
    if (file.content->size() > limits.maxFileBytes) {
      throwError(ErrorCode::MemoryLimit,
                 "file exceeds the limit of " + std::to_string(limits.maxFileBytes) + " bytes", at + "/content");
    }
    total += file.content->size();
    if (total > limits.maxTotalBytes) {
      throwError(ErrorCode::MemoryLimit,
                 "the files exceed the limit of " + std::to_string(limits.maxTotalBytes) + " bytes per commit",
                 "/files");
    }
  }
}

}  // namespace oa
