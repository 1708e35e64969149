// The commit codec. The one commit parser: every reader of commits (ingest's
// links, the object walk, content reads) goes through parseCommit();
// encodeCommit() writes the commits the server makes itself (the commit API). Rules follow git's own
// reader (parse_commit_buffer() and the header scan of `git log`):
// - "tree <id>\n" must open the object, followed by more bytes;
// - "parent <id>\n" lines follow it directly; a malformed one fails the parse;
// - the other header lines, up to the first empty line, are looked up by key:
//   the last "author " and "committer " lines count (as `git log` shows them),
//   the first "encoding "; anything else (gpgsig, mergetag and their
//   continuation lines, which start with a space) is skipped;
// - the message is every byte after that empty line, NULs included; none
//   when the headers run to the end.
// A missing or malformed author or committer does not fail the parse (git
// reads such commits; libgit2 refuses them): callers that need them decide.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "git/format/object_header.h"

namespace oa::git {

// Views into the parsed bytes: valid while they are.
struct CommitView {
  ObjectId tree;
  std::vector<ObjectId> parents;  // git order
  std::optional<Signature> author;
  std::optional<Signature> committer;
  std::string_view encoding;  // the "encoding" header's value; empty when absent
  std::string_view message;
};

// nullopt when the bytes are not a commit git would read.
std::optional<CommitView> parseCommit(std::string_view data);
inline std::optional<CommitView> parseCommit(const Bytes& data) { return parseCommit(textOf(data)); }

// What encodeCommit() writes: no encoding header (the message is UTF-8).
struct CommitFields {
  ObjectId tree;
  std::vector<ObjectId> parents;
  Signature author;     // formatSignature() rules
  Signature committer;
  std::string_view message;  // written as given, after the headers' empty line
};

// "tree <id>\n", "parent <id>\n"..., "author ...\n", "committer ...\n",
// "\n", message: the bytes `git commit-tree` writes for the same fields.
Bytes encodeCommit(const CommitFields& commit);

}  // namespace oa::git
