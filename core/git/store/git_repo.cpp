#include "git/store/git_repo.h"

#include "git/format/commit.h"
#include "git/format/tag.h"
#include "git/format/tree.h"

namespace oa::git {

namespace {
Person toPerson(const Signature& s) {
  return Person{std::string(s.name), std::string(s.email), s.time, s.offsetMinutes};
}
}  // namespace

bool TreeEntry::isTree() const { return canonicalMode(mode) == 0040000; }
bool TreeEntry::isGitlink() const { return canonicalMode(mode) == 0160000; }

CorruptObjectError::CorruptObjectError(const ObjectId& id, ObjectType type)
    : ArtifactsError(ErrorCode::InternalError,
                     "A stored git object is corrupt: " + id.hex() + " does not parse as a " + objectTypeName(type)) {}

std::shared_ptr<const Bytes> GitRepo::bytesOf(const ObjectId& id, ObjectType type) {
  auto object = objects_.read(id);
  if (!object || object->type != type) return nullptr;
  return object->data;
}

std::optional<ObjectType> GitRepo::typeOf(const ObjectId& id) {
  auto rec = objects_.record(id);
  if (!rec) return std::nullopt;
  return rec->type;
}

std::optional<CommitInfo> GitRepo::commit(const ObjectId& id) {
  auto data = bytesOf(id, ObjectType::Commit);
  if (!data) return std::nullopt;
  auto c = parseCommit(*data);
  if (!c) throw CorruptObjectError(id, ObjectType::Commit);
  return CommitInfo{c->tree, std::move(c->parents), c->committer ? c->committer->time : 0};
}

std::optional<CommitDetails> GitRepo::commitDetails(const ObjectId& id) {
  auto data = bytesOf(id, ObjectType::Commit);
  if (!data) return std::nullopt;
  auto c = parseCommit(*data);
  if (!c) throw CorruptObjectError(id, ObjectType::Commit);
  CommitDetails out;
  out.tree = c->tree;
  out.parents = std::move(c->parents);
  if (c->author) out.author = toPerson(*c->author);
  if (c->committer) out.committer = toPerson(*c->committer);
  out.encoding = std::string(c->encoding);
  out.message = std::string(c->message);
  return out;
}

std::optional<std::vector<TreeEntry>> GitRepo::tree(const ObjectId& id) {
  auto data = bytesOf(id, ObjectType::Tree);
  if (!data) return std::nullopt;
  std::vector<TreeEntry> entries;
  entries.reserve(data->size() / 28 + 1);
  TreeParser parser(*data);
  TreeEntryView e;
  while (parser.next(e)) entries.push_back({std::string(e.name), e.mode, e.id});
  if (parser.malformed()) throw CorruptObjectError(id, ObjectType::Tree);
  return entries;
}

std::optional<TagInfo> GitRepo::tag(const ObjectId& id) {
  auto data = bytesOf(id, ObjectType::Tag);
  if (!data) return std::nullopt;
  auto t = parseTag(*data);
  if (!t) throw CorruptObjectError(id, ObjectType::Tag);
  return TagInfo{t->target, t->targetType};
}

std::optional<ObjectId> GitRepo::peel(const ObjectId& id) {
  ObjectId current = id;
  for (int depth = 0; depth < 16; ++depth) {
    auto type = typeOf(current);
    if (!type) return std::nullopt;
    if (*type != ObjectType::Tag) return current;
    auto t = tag(current);
    if (!t) return std::nullopt;
    current = t->target;
  }
  return std::nullopt;
}

}  // namespace oa::git
