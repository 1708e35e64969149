#include "git/format/tree.h"

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

}  // namespace oa::git
