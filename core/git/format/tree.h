// The tree codec. The one tree parser: every reader of trees (ingest's links,
// the object walk, fork visibility, content reads) goes through TreeParser;
// encodeTree() writes trees the server makes itself (the commit API). An entry is
// "<octal mode> <name>\0<20-byte id>", validated as git reads it
// (decode_tree_entry()): the mode is one or more octal digits, the name is
// not empty, the id is complete. libgit2 also refuses modes above 0177777
// and names over 64 KiB; git reads them (fsck only warns about odd modes),
// so they parse here too and the mode means what canonicalMode() says.
// Entries are handed out one at a time as views into the tree's bytes: no
// allocation per entry.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/format/object_id.h"
#include "open_artifacts/bytes.h"

namespace oa::git {

// git's canon_mode(): a regular file keeps only its owner's execute bit
// (0100644 or 0100755), a symlink is 0120000, a directory 040000, and every
// other mode is a gitlink (0160000). What git walks, lists and checks out.
constexpr uint32_t canonicalMode(uint32_t mode) {
  switch (mode & 0170000) {
    case 0100000: return (mode & 0100) ? 0100755 : 0100644;
    case 0120000: return 0120000;
    case 0040000: return 0040000;
    default: return 0160000;
  }
}

struct TreeEntryView {
  std::string_view name;  // a view into the tree's bytes
  uint32_t mode = 0;      // as stored (canonicalMode() for what it means)
  ObjectId id;
  bool isTree() const { return canonicalMode(mode) == 0040000; }
  // Submodule commits: they live in another repository.
  bool isGitlink() const { return canonicalMode(mode) == 0160000; }
};

class TreeParser {
 public:
  explicit TreeParser(std::string_view data) : data_(data) {}
  explicit TreeParser(const Bytes& data)
      : data_(reinterpret_cast<const char*>(data.data()), data.size()) {}

  // The next entry; false at the end of the tree or at a malformed entry,
  // after which malformed() tells them apart (and next() stays false).
  // Inline: an object walk calls it for every entry of every tree.
  bool next(TreeEntryView& entry) {
    const char* const begin = data_.data();
    const char* const end = begin + data_.size();
    const char* p = begin + pos_;
    if (p >= end) return false;
    // The two modes nearly every entry has, compared whole; others digit by digit.
    uint32_t mode;
    if (end - p >= 7 && std::memcmp(p, "100644 ", 7) == 0) {
      mode = 0100644;
      p += 7;
    } else if (end - p >= 6 && std::memcmp(p, "40000 ", 6) == 0) {
      mode = 0040000;
      p += 6;
    } else if (!parseMode(p, end, mode)) {
      return fail();
    }
    const char* const nul = static_cast<const char*>(std::memchr(p, '\0', static_cast<size_t>(end - p)));
    if (!nul || nul == p || end - (nul + 1) < 20) return fail();
    entry.name = std::string_view(p, static_cast<size_t>(nul - p));
    entry.mode = mode;
    entry.id = ObjectId::fromRaw(reinterpret_cast<const uint8_t*>(nul + 1));
    pos_ = static_cast<size_t>(nul + 21 - begin);
    return true;
  }
  bool malformed() const { return malformed_; }

 private:
  // "<octal digits> " at `p` (a value past 32 bits is refused); advances past
  // the space.
  static bool parseMode(const char*& p, const char* end, uint32_t& mode);
  bool fail() {
    malformed_ = true;
    pos_ = data_.size();
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool malformed_ = false;
};

// The whole tree; nullopt when any entry is malformed.
std::optional<std::vector<TreeEntryView>> parseTree(std::string_view data);

// An entry to write: one path segment (not empty, no '/' or NUL), a
// canonical mode and the object's id.
struct TreeItem {
  std::string name;
  uint32_t mode = 0100644;
  ObjectId id;
  bool isTree() const { return canonicalMode(mode) == 0040000; }
};

// git's order of tree entries (base_name_compare()): names compared bytewise,
// a tree's name as if it ended in '/' ("a.txt" < "a/" < "a0").
bool treeOrderBefore(const TreeItem& a, const TreeItem& b);

// A tree object's content as git writes it: the entries in treeOrderBefore()
// order, each "<octal mode without leading zeros> <name>\0<20-byte id>"
// (trees are "40000"). Names must be unique and valid (see TreeItem).
Bytes encodeTree(std::vector<TreeItem> entries);

}  // namespace oa::git
