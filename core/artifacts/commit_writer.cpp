#include "artifacts/commit_writer.h"

#include "git/format/commit.h"
#include "git/format/object_header.h"
#include "git/format/sha1.h"
#include "git/store/object_writer.h"
#include "git/store/tree_editor.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
using git::ObjectId;

[[noreturn]] void branchMoved(const std::string& message, const char* pointer) {
  throwError(ErrorCode::AlreadyExists, message, pointer);
}

std::string idOrNothing(const std::optional<ObjectId>& id) { return id ? id->hex() : std::string("absent"); }

// The branch's head must be `expected` (zero: the branch must not exist).
void requireExpectedHead(const std::string& ref, const std::optional<ObjectId>& current, const ObjectId& expected) {
  const ObjectId currentId = current ? *current : ObjectId{};
  if (currentId == expected) return;
  if (expected.isZero()) branchMoved(ref + " already exists (at " + currentId.hex() + ")", "/expectedHead");
  branchMoved(ref + " is at " + idOrNothing(current) + ", not at the expected " + expected.hex(), "/expectedHead");
}

git::Signature signatureOf(const CommitIdentity& who, int64_t nowSeconds) {
  return git::Signature{who.name, who.email, who.date.value_or(nowSeconds), who.timezoneOffset};
}

// The tree of commit `id`; INTERNAL_ERROR when a ref names anything else.
ObjectId treeOf(git::GitRepo& git, const ObjectId& id, const std::string& ref) {
  const auto commit = git.commit(id);
  if (!commit) throwError(ErrorCode::InternalError, ref + " does not point at a stored commit");
  return commit->tree;
}
}  // namespace

CommitOutcome writeCommit(git::RepoContext& repo, CommitRequest& request, uint64_t maxRepoBytes, int64_t nowSeconds) {
  git::RefStore& refs = repo.refs();
  const std::string ref = request.branch ? branchRefName(*request.branch) : refs.headTarget();
  const std::optional<ObjectId> current = refs.get(ref);
  if (request.expectedHead) requireExpectedHead(ref, current, *ObjectId::fromHex(*request.expectedHead));

  // A new branch starts where HEAD is (nowhere in an empty repo).
  const std::optional<ObjectId> parent = current ? current : refs.resolve("HEAD");
  const std::optional<ObjectId> baseTree =
      parent ? std::optional<ObjectId>(treeOf(repo.git(), *parent, ref)) : std::nullopt;

  WriteBatch batch;
  git::ObjectWriter writer(repo.objects(), batch, maxRepoBytes);
  std::vector<git::TreeEdit> edits;
  edits.reserve(request.files.size());
  for (size_t i = 0; i < request.files.size(); ++i) {
    FileChange& file = request.files[i];
    git::TreeEdit edit;
    edit.path = file.path;
    edit.pointer = "/files/" + std::to_string(i) + "/path";
    if (file.content) {
      edit.blob = writer.write(git::ObjectType::Blob, *file.content);
      file.content = Bytes();  // staged (compressed): the raw bytes are not needed again
      if (file.executable) edit.mode = *file.executable ? 0100755 : 0100644;
    }
    edits.push_back(std::move(edit));
  }
  const ObjectId tree = git::editTree(repo.git(), writer, baseTree, edits);
  const ObjectId unchanged = baseTree ? *baseTree : git::hashObject(git::ObjectType::Tree, nullptr, 0);
  if (tree == unchanged && !request.allowEmpty) {
    throwError(ErrorCode::InvalidInput, "nothing to commit: the files leave the tree as it is (allowEmpty)",
               "/files");
  }

  const CommitIdentity author = request.author.value_or(CommitIdentity{kDefaultCommitName, kDefaultCommitEmail, {}, 0});
  const CommitIdentity committer = request.committer.value_or(author);
  std::string message = std::move(request.message);
  if (message.back() != '\n') message.push_back('\n');
  git::CommitFields fields;
  fields.tree = tree;
  if (parent) fields.parents.push_back(*parent);
  fields.author = signatureOf(author, nowSeconds);
  fields.committer = signatureOf(committer, nowSeconds);
  fields.message = message;
  const ObjectId commit = writer.write(git::ObjectType::Commit, git::encodeCommit(fields));
  writer.finish();

  // The compare-and-swap, against the ref as it is now (as receive-pack's).
  const ObjectId before = current ? *current : ObjectId{};
  if (!refs.holds(ref, before)) branchMoved(ref + " moved while the commit was written", "/branch");
  refs.stage(batch, ref, commit);
  repo.store().commit(batch);
  return CommitOutcome{git::RefUpdate{ref, before, commit}, tree, std::move(fields.parents)};
}

}  // namespace oa
