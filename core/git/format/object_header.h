// Pieces shared by the commit and tag parsers (commit.h, tag.h): the header
// lines "<key> <value>\n" that open both kinds of object, the ids in them, and
// the identities ("Name <email> <secs> <tz>") of authors, committers and
// taggers. Everything is a view into the caller's bytes: nothing is copied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "git/format/object_id.h"
#include "open_artifacts/bytes.h"

namespace oa::git {

inline std::string_view textOf(const Bytes& data) {
  return std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
}

// 40 hex digits in either case, as git and libgit2 read ids inside objects
// (ObjectId::fromHex takes lowercase only, for keys and user input).
std::optional<ObjectId> idFromHeaderHex(std::string_view hex);

// Reads "<key><40 hex>\n" at `pos` (key includes its space) and advances past
// it; nullopt, `pos` unchanged, when the line is anything else.
std::optional<ObjectId> readIdLine(std::string_view text, size_t& pos, std::string_view key);

// An identity line's value, split the way git shows it (split_ident_line(),
// the source of `git log --format=%an/%ae/%at`): the name is everything before
// the first '<' with trailing whitespace removed; the email runs from there to
// the first '>'; the date and zone follow the last '>'.
struct Signature {
  std::string_view name;
  std::string_view email;
  // Unix seconds, and the zone as minutes east of UTC ("-0130" is -90). Both 0
  // when the line has no well-formed "<digits> <+|-><digits>" after the email
  // (git then shows no date) or the seconds do not fit in 63 bits.
  int64_t time = 0;
  int32_t offsetMinutes = 0;
};

// nullopt when `value` (the line after "author " etc., without its "\n") has
// no "<...>" email: git shows such an identity as empty, libgit2 refuses it.
std::optional<Signature> parseSignature(std::string_view value);

// The identity line's value as git writes it: "Name <email> <secs> <+|-hhmm>".
// The caller keeps '<', '>' and newlines out of the name and the email (git
// fsck refuses them) and the zone within +-99:59.
std::string formatSignature(const Signature& signature);

}  // namespace oa::git
