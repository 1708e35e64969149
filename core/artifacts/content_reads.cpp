#include "artifacts/content_reads.h"

#include "git/store/ref_resolver.h"

#include "open_artifacts/errors.h"
#include "artifacts/mime_type.h"
#include "git/format/tree.h"

namespace oa {

namespace {
using git::ObjectId;
using git::ObjectType;

[[noreturn]] void invalid(const std::string& message, const char* pointer) {
  throwError(ErrorCode::InvalidInput, message, pointer);
}

[[noreturn]] void corruptObject() { throwError(ErrorCode::InternalError, kCorruptObjectMessage); }

// An entry under git's canonical mode (canonicalMode(), git's canon_mode()),
// printed like `git ls-tree` without its leading zero ("40000" for trees).
ContentTreeEntry treeEntry(const git::TreeEntry& e) {
  ContentTreeEntry out;
  out.name = e.name;
  out.hash = e.id.hex();
  switch (git::canonicalMode(e.mode)) {
    case 0100755:
      out.mode = "100755";
      out.type = "exec";
      break;
    case 0100644:
      out.mode = "100644";
      out.type = "blob";
      break;
    case 0120000:
      out.mode = "120000";
      out.type = "symlink";
      break;
    case 0040000:
      out.mode = "40000";
      out.type = "tree";
      break;
    default:
      out.mode = "160000";
      out.type = "gitlink";
      break;
  }
  return out;
}

}  // namespace

git::ObjectId ContentReads::parseHash(const std::string& hash) {
  if (hash.empty()) invalid(kHashRequiredMessage, "/hash");
  auto id = ObjectId::fromHex(hash);
  if (!id) invalid(kMalformedHashMessage, "/hash");
  return *id;
}

void ContentReads::checkFileArgs(const std::string& ref, const std::string& path) {
  if (ref.empty()) invalid("Invalid ref: ref required.", "/ref");
  if (path.empty()) invalid("Invalid path: path required.", "/path");
}

LogOptions ContentReads::checkedLogOptions(LogOptions options) {
  if (options.limit < 1) invalid("Invalid limit: must be a positive integer.", "/limit");
  if (options.limit > kMaxLogLimit) options.limit = kMaxLogLimit;
  if (options.offset < 0) invalid("Invalid offset: must be a non-negative integer.", "/offset");
  return options;
}

std::optional<std::vector<std::string>> ContentReads::normalizePath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string segment = path.substr(start, slash - start);
    if (segment == "..") return std::nullopt;
    if (!segment.empty() && segment != ".") segments.push_back(std::move(segment));
    start = slash + 1;
  }
  if (segments.empty()) return std::nullopt;
  return segments;
}

std::optional<ObjectType> ContentReads::typeWithinBudget(const ObjectId& id) {
  auto rec = repo_.objects().record(id);
  if (!rec) return std::nullopt;
  if (rec->size > budget_) {
    throwError(ErrorCode::MemoryLimit, "Object " + id.hex() + " is " + std::to_string(rec->size) +
                                           " bytes, above the " + std::to_string(budget_ >> 20) +
                                           " MB memory limit of content reads.");
  }
  return rec->type;
}

std::optional<ContentBlob> ContentReads::blobBytes(const ObjectId& id) {
  const auto type = typeWithinBudget(id);
  if (!type || *type != ObjectType::Blob) return std::nullopt;
  auto object = repo_.objects().read(id);
  if (!object) return std::nullopt;
  return ContentBlob{"", object->data};
}

std::optional<ContentBlob> ContentReads::readBlob(const std::string& hash) { return readBlob(parseHash(hash)); }
bool ContentReads::hidden(const ObjectId& id) {
  if (!repo_.objects().borrowsObjects()) return false;
  if (!fork_) fork_.emplace(repo_);
  return !fork_->visible(id);  // before any read of `id` (its size check included)
}

std::optional<ContentBlob> ContentReads::readBlob(const ObjectId& id) {
  if (hidden(id)) return std::nullopt;
  return blobBytes(id);
}

std::optional<std::vector<ContentTreeEntry>> ContentReads::readTree(const std::string& hash) {
  return readTree(parseHash(hash));
}

std::optional<std::vector<ContentTreeEntry>> ContentReads::readTree(const ObjectId& id) {
  if (hidden(id)) return std::nullopt;
  const auto type = typeWithinBudget(id);
  if (!type) return std::nullopt;
  if (*type != ObjectType::Tree) corruptObject();
  std::optional<std::vector<git::TreeEntry>> entries;
  try {
    entries = repo_.git().tree(id);
  } catch (const ArtifactsError&) {
    corruptObject();  // stored as a tree but does not parse as one
  }
  if (!entries) corruptObject();
  std::vector<ContentTreeEntry> out;
  out.reserve(entries->size());
  for (const auto& e : *entries) out.push_back(treeEntry(e));
  return out;
}

CommitMetadata ContentReads::decodeCommit(const ObjectId& id) {
  std::optional<git::CommitDetails> c;
  try {
    c = repo_.git().commitDetails(id);
  } catch (const git::CorruptObjectError&) {
    corruptObject();
  }
  // Stored as a commit (callers checked), so absent means unreadable; and a
  // commit without an author or committer is corrupt (fsck: missingAuthor).
  if (!c || !c->author || !c->committer) corruptObject();

  CommitMetadata out;
  out.hash = id.hex();
  out.treeHash = c->tree.hex();
  out.parents.reserve(c->parents.size());
  for (const auto& p : c->parents) out.parents.push_back(p.hex());
  out.author = {std::move(c->author->name), std::move(c->author->email)};
  out.committer = {std::move(c->committer->name), std::move(c->committer->email)};
  out.authoredAt = c->author->time;
  out.committedAt = c->committer->time;
  out.message = std::move(c->message);
  if (!out.message.empty() && out.message.back() == '\n') out.message.pop_back();
  return out;
}

std::optional<CommitMetadata> ContentReads::readCommit(const std::string& hash) {
  return readCommit(parseHash(hash));
}

std::optional<CommitMetadata> ContentReads::readCommit(const ObjectId& id) {
  if (hidden(id)) return std::nullopt;
  const auto type = typeWithinBudget(id);
  if (!type) return std::nullopt;
  if (*type != ObjectType::Commit) corruptObject();
  return decodeCommit(id);
}

std::optional<ObjectId> ContentReads::resolveCommit(const std::string& ref) {
  auto toCommit = [&](const ObjectId& id) -> std::optional<ObjectId> {
    auto peeled = repo_.git().peel(id);
    if (!peeled || repo_.git().typeOf(*peeled) != ObjectType::Commit) return std::nullopt;
    return peeled;
  };
  // The shared name rule (git/store/ref_resolver.h); a candidate that does
  // not peel to a commit lets the next one try (a branch "x" that is a blob
  // falls through to tag "x"), as the content API always did.
  // A raw sha is checked against what the fork may see; a ref name is the
  // fork's own, so what it resolves to (and its history) is visible.
  if (auto id = ObjectId::fromHex(ref)) {
    if (hidden(*id)) return std::nullopt;
    return toCommit(*id);
  }
  for (const auto& name : git::refCandidates(ref, git::RefScope::BranchesAndTags)) {
    auto id = repo_.refs().resolve(name);
    if (!id) continue;
    if (auto commit = toCommit(*id)) return commit;
  }
  return std::nullopt;
}

std::optional<ContentBlob> ContentReads::readFile(const std::string& ref, const std::string& path) {
  checkFileArgs(ref, path);
  const auto segments = normalizePath(path);
  if (!segments) return std::nullopt;
  const auto commit = resolveCommit(ref);
  if (!commit) return std::nullopt;
  if (typeWithinBudget(*commit) != ObjectType::Commit) return std::nullopt;
  auto info = repo_.git().commit(*commit);
  if (!info) corruptObject();

  ObjectId current = info->tree;
  for (size_t i = 0; i < segments->size(); ++i) {
    if (typeWithinBudget(current) != ObjectType::Tree) corruptObject();
    auto entries = repo_.git().tree(current);
    if (!entries) corruptObject();
    const git::TreeEntry* found = nullptr;
    for (const auto& e : *entries) {
      if (e.name == (*segments)[i]) {
        found = &e;
        break;
      }
    }
    if (!found) return std::nullopt;
    const std::string mode = treeEntry(*found).mode;
    const bool last = i + 1 == segments->size();
    if (!last) {
      if (mode != "40000") return std::nullopt;  // a file (or submodule) has no children
      current = found->id;
      continue;
    }
    if (mode == "40000" || mode == "160000") return std::nullopt;  // a directory or submodule is not a file
    auto blob = blobBytes(found->id);
    if (!blob) return std::nullopt;
    std::string normalized;
    for (const auto& s : *segments) normalized += (normalized.empty() ? "" : "/") + s;
    blob->type = fileMimeType(normalized, blob->bytes->data(), blob->bytes->size());
    return blob;
  }
  return std::nullopt;
}

std::vector<CommitMetadata> ContentReads::log(const LogOptions& requested) {
  const LogOptions options = checkedLogOptions(requested);
  std::vector<CommitMetadata> out;
  auto next = resolveCommit(options.ref);
  int64_t skipped = 0;
  while (next && static_cast<int64_t>(out.size()) < options.limit) {
    const ObjectId id = *next;
    // The chain's objects were stored with their whole closure (up to the
    // repo's shallow commits): a gap is corruption.
    if (typeWithinBudget(id) != ObjectType::Commit) {
      throwError(ErrorCode::InternalError, "history is incomplete: commit " + id.hex() + " is missing");
    }
    // History ends at a shallow commit, as `git log` ends there in a shallow
    // clone. Its metadata still lists the parents its object names.
    const bool shallow = repo_.shallows().contains(id);
    if (skipped < options.offset) {
      ++skipped;
      auto info = repo_.git().commit(id);
      if (!info) corruptObject();
      next = info->parents.empty() || shallow ? std::nullopt : std::optional<ObjectId>(info->parents.front());
      continue;
    }
    out.push_back(decodeCommit(id));
    const auto& parents = out.back().parents;
    next = parents.empty() || shallow ? std::nullopt : ObjectId::fromHex(parents.front());
  }
  return out;
}

}  // namespace oa
