#include "git/format/commit.h"

#include "base/text.h"

namespace oa::git {

std::optional<CommitView> parseCommit(std::string_view data) {
  CommitView out;
  size_t pos = 0;
  auto tree = readIdLine(data, pos, "tree ");
  // git's parse_commit_buffer() also wants a byte after the tree line.
  if (!tree || pos >= data.size()) return std::nullopt;
  out.tree = *tree;
  while (startsWith(data.substr(pos), "parent ")) {
    auto parent = readIdLine(data, pos, "parent ");
    if (!parent) return std::nullopt;
    out.parents.push_back(*parent);
  }

  std::string_view author, committer;
  bool hasAuthor = false, hasCommitter = false, hasEncoding = false;
  while (pos < data.size()) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    const std::string_view line = data.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) {
      out.message = data.substr(pos);  // pos <= size: the empty line ended in "\n"
      break;
    }
    switch (line[0]) {
      case 'a':
        if (startsWith(line, "author ")) {
          author = line.substr(7);
          hasAuthor = true;
        }
        break;
      case 'c':
        if (startsWith(line, "committer ")) {
          committer = line.substr(10);
          hasCommitter = true;
        }
        break;
      case 'e':
        if (!hasEncoding && startsWith(line, "encoding ")) {
          out.encoding = line.substr(9);
          hasEncoding = true;
        }
        break;
      default:
        break;
    }
  }
  if (hasAuthor) out.author = parseSignature(author);
  if (hasCommitter) out.committer = parseSignature(committer);
  return out;
}

Bytes encodeCommit(const CommitFields& commit) {
  std::string text;
  text.reserve(commit.message.size() + 256 + commit.parents.size() * 48);
  text.append("tree ").append(commit.tree.hex()).push_back('\n');
  for (const auto& parent : commit.parents) text.append("parent ").append(parent.hex()).push_back('\n');
  text.append("author ").append(formatSignature(commit.author)).push_back('\n');
  text.append("committer ").append(formatSignature(commit.committer)).push_back('\n');
  text.push_back('\n');
  text.append(commit.message);
  return stringToBytes(text);
}

}  // namespace oa::git
