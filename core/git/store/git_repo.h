// Commits, trees and tags of one repo's object store, read by the one parser
// of each kind in git/format (commit.h, tree.h, tag.h). Nothing in the core
// parses objects through libgit2: it hashes object ids (format/sha1.h) and
// reports its version (open_artifacts/version.h), nothing else.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/object_store.h"
#include "open_artifacts/errors.h"

namespace oa::git {

// What a walk needs of a commit (kept for every commit of a walk: small).
struct CommitInfo {
  ObjectId tree;
  std::vector<ObjectId> parents;
  int64_t commitTime = 0;  // committer time, Unix seconds (0 when it has none)
};

// An author or committer, as git shows it (object_header.h Signature).
struct Person {
  std::string name;
  std::string email;
  int64_t time = 0;           // Unix seconds
  int32_t offsetMinutes = 0;  // zone, minutes east of UTC
};

// Everything a commit says.
struct CommitDetails {
  ObjectId tree;
  std::vector<ObjectId> parents;  // git order
  // Absent when the commit has no such line, or one without "<email>" (git
  // shows an empty identity; libgit2 and fsck reject the commit).
  std::optional<Person> author;
  std::optional<Person> committer;
  std::string encoding;  // the "encoding" header; empty when absent
  std::string message;   // every byte after the headers' empty line, as stored
};

struct TreeEntry {
  std::string name;
  uint32_t mode = 0;  // as stored; canonicalMode() (format/tree.h) for what it means
  ObjectId id;
  bool isTree() const;
  bool isGitlink() const;
};

struct TagInfo {
  ObjectId target;
  ObjectType targetType;
};

// A stored commit, tree or tag whose content does not parse as its type.
class CorruptObjectError : public ArtifactsError {
 public:
  CorruptObjectError(const ObjectId& id, ObjectType type);
};

class GitRepo {
 public:
  explicit GitRepo(ObjectStore& objects) : objects_(objects) {}
  GitRepo(const GitRepo&) = delete;
  GitRepo& operator=(const GitRepo&) = delete;

  ObjectStore& objects() { return objects_; }

  // nullopt when the object is missing or of another type; CorruptObjectError
  // when it is stored as that type but does not parse as one.
  std::optional<CommitInfo> commit(const ObjectId& id);
  std::optional<CommitDetails> commitDetails(const ObjectId& id);
  std::optional<std::vector<TreeEntry>> tree(const ObjectId& id);
  std::optional<TagInfo> tag(const ObjectId& id);
  // The type of a stored object, without parsing it.
  std::optional<ObjectType> typeOf(const ObjectId& id);
  // Follows annotated tags to the first non-tag object (depth-bounded).
  std::optional<ObjectId> peel(const ObjectId& id);

 private:
  // The object's bytes when stored as `type`; nullopt when missing or another type.
  std::shared_ptr<const Bytes> bytesOf(const ObjectId& id, ObjectType type);

  ObjectStore& objects_;
};

}  // namespace oa::git
