// The one tag parser: peeling, the object walk and ingest's links read
// annotated tags through parseTag(). Rules follow git (parse_tag_buffer())
// and libgit2: "object <id>\n", "type <commit|tree|blob|tag>\n" and
// "tag <name>\n" open the object in that order; a "tagger " line may follow;
// other header lines are skipped up to the first empty line, and the message
// is every byte after it (none when the headers run to the end).
#pragma once

#include <optional>
#include <string_view>

#include "git/format/object_header.h"

namespace oa::git {

// Views into the parsed bytes: valid while they are.
struct TagView {
  ObjectId target;
  ObjectType targetType = ObjectType::Commit;  // as the tag declares it
  std::string_view name;
  // Absent when the tag has no tagger line (old tags) or its identity has no
  // "<email>".
  std::optional<Signature> tagger;
  std::string_view message;
};

// nullopt when the bytes are not a tag git would read.
std::optional<TagView> parseTag(std::string_view data);
inline std::optional<TagView> parseTag(const Bytes& data) { return parseTag(textOf(data)); }

}  // namespace oa::git
