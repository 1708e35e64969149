#include "git/format/tree.h"

#include <algorithm>

namespace oa::git {

bool TreeParser::parseMode(const char*& p, const char* end, uint32_t& mode) {
  const char* q = p;
  uint32_t value = 0;
  for (; q < end && *q >= '0' && *q <= '7'; ++q) {
    if (value > (UINT32_MAX >> 3)) return false;
    value = (value << 3) | static_cast<uint32_t>(*q - '0');
  }
  if (q == p || q >= end || *q != ' ') return false;
  mode = value;
  p = q + 1;
  return true;
}

std::optional<std::vector<TreeEntryView>> parseTree(std::string_view data) {
  std::vector<TreeEntryView> out;
  out.reserve(data.size() / 28 + 1);  // entries are 28+ bytes: one allocation, not a growth series
  TreeParser parser(data);
  TreeEntryView entry;
  while (parser.next(entry)) out.push_back(entry);
  if (parser.malformed()) return std::nullopt;
  return out;
}

bool treeOrderBefore(const TreeItem& a, const TreeItem& b) {
  const size_t common = std::min(a.name.size(), b.name.size());
  const int c = std::memcmp(a.name.data(), b.name.data(), common);
  if (c != 0) return c < 0;
  // One name is a prefix of the other: compare the next byte, a tree's name
  // going on with '/' and a file's ending (NUL, below any byte a name has).
  const auto next = [common](const TreeItem& e) -> unsigned {
    if (e.name.size() > common) return static_cast<unsigned char>(e.name[common]);
    return e.isTree() ? '/' : 0;
  };
  return next(a) < next(b);
}

Bytes encodeTree(std::vector<TreeItem> entries) {
  std::sort(entries.begin(), entries.end(), treeOrderBefore);
  Bytes out;
  size_t size = 0;
  for (const auto& e : entries) size += e.name.size() + 28;
  out.reserve(size);
  for (const auto& e : entries) {
    char digits[12];
    int n = 0;
    uint32_t mode = e.mode;
    do {
      digits[n++] = static_cast<char>('0' + (mode & 7));
      mode >>= 3;
    } while (mode);
    while (n) out.push_back(static_cast<uint8_t>(digits[--n]));
    out.push_back(' ');
    out.insert(out.end(), e.name.begin(), e.name.end());
    out.push_back(0);
    out.insert(out.end(), e.id.bytes.begin(), e.id.bytes.end());
  }
  return out;
}

}  // namespace oa::git
