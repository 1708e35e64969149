#include "git/store/git_repo.h"

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include <cstring>

#include "open_artifacts/errors.h"

namespace oa::git {

namespace {

struct StoreBackend {
  git_odb_backend parent;
  ObjectStore* store;
};

ObjectId toId(const git_oid* oid) {
  ObjectId id;
  std::memcpy(id.bytes.data(), oid->id, 20);
  return id;
}

git_oid toOid(const ObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.bytes.data(), 20);
  return oid;
}

ObjectStore& storeOf(git_odb_backend* backend) { return *reinterpret_cast<StoreBackend*>(backend)->store; }

// C callbacks must not let C++ exceptions escape into libgit2.
int backendRead(void** data, size_t* len, git_object_t* type, git_odb_backend* backend, const git_oid* oid) {
  try {
    auto object = storeOf(backend).read(toId(oid));
    if (!object) return GIT_ENOTFOUND;
    const size_t n = object->data->size();
    *data = git_odb_backend_data_alloc(backend, n ? n : 1);
    if (!*data) return -1;
    if (n) std::memcpy(*data, object->data->data(), n);
    *len = n;
    *type = static_cast<git_object_t>(object->type);
    return 0;
  } catch (const std::exception& e) {
    git_error_set_str(GIT_ERROR_ODB, e.what());
    return -1;
  }
}

int backendReadHeader(size_t* len, git_object_t* type, git_odb_backend* backend, const git_oid* oid) {
  try {
    auto rec = storeOf(backend).record(toId(oid));
    if (!rec) return GIT_ENOTFOUND;
    *len = static_cast<size_t>(rec->size);
    *type = static_cast<git_object_t>(rec->type);
    return 0;
  } catch (const std::exception& e) {
    git_error_set_str(GIT_ERROR_ODB, e.what());
    return -1;
  }
}

int backendExists(git_odb_backend* backend, const git_oid* oid) {
  try {
    return storeOf(backend).exists(toId(oid)) ? 1 : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

void backendFree(git_odb_backend* backend) { delete reinterpret_cast<StoreBackend*>(backend); }

void check(int rc, const char* what) {
  if (rc < 0) {
    const git_error* e = git_error_last();
    throw ArtifactsError(ErrorCode::InternalError, std::string(what) + ": " + (e && e->message ? e->message : "failed"));
  }
}

struct ObjectGuard {
  git_object* obj = nullptr;
  ~ObjectGuard() { git_object_free(obj); }
};

}  // namespace

GitRepo::GitRepo(ObjectStore& objects) : objects_(objects) {
  static const bool initialised = [] {
    git_libgit2_init();
    // Object ids were verified when the objects were ingested: skip re-hashing
    // on every read. No parsed-object cache: the walk parses each object once
    // and ObjectStore caches what delta chains need (memory budget).
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
    return true;
  }();
  (void)initialised;
  auto* backend = new StoreBackend{};
  check(git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION), "git_odb_init_backend");
  backend->store = &objects_;
  backend->parent.read = backendRead;
  backend->parent.read_header = backendReadHeader;
  backend->parent.exists = backendExists;
  backend->parent.free = backendFree;
  check(git_odb_new(&odb_), "git_odb_new");
  if (git_odb_add_backend(odb_, &backend->parent, 1) < 0) {
    delete backend;
    check(-1, "git_odb_add_backend");
  }
  check(git_repository_wrap_odb(&repo_, odb_), "git_repository_wrap_odb");
  git_config* config = nullptr;  // empty config: never read $HOME/.gitconfig
  check(git_config_new(&config), "git_config_new");
  git_repository_set_config(repo_, config);
  git_config_free(config);
}

GitRepo::~GitRepo() {
  git_repository_free(repo_);
  git_odb_free(odb_);
}

std::optional<ObjectType> GitRepo::typeOf(const ObjectId& id) {
  auto rec = objects_.record(id);
  if (!rec) return std::nullopt;
  return rec->type;
}

std::optional<CommitInfo> GitRepo::commit(const ObjectId& id) {
  const git_oid oid = toOid(id);
  git_commit* c = nullptr;
  const int rc = git_commit_lookup(&c, repo_, &oid);
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) return std::nullopt;
  if (rc < 0) {
    if (typeOf(id) && *typeOf(id) != ObjectType::Commit) return std::nullopt;
    check(rc, "git_commit_lookup");
  }
  CommitInfo info;
  info.tree = toId(git_commit_tree_id(c));
  const unsigned n = git_commit_parentcount(c);
  for (unsigned i = 0; i < n; ++i) info.parents.push_back(toId(git_commit_parent_id(c, i)));
  info.commitTime = git_commit_time(c);
  git_commit_free(c);
  return info;
}

std::optional<std::vector<TreeEntry>> GitRepo::tree(const ObjectId& id) {
  const git_oid oid = toOid(id);
  git_tree* t = nullptr;
  const int rc = git_tree_lookup(&t, repo_, &oid);
  if (rc == GIT_ENOTFOUND) return std::nullopt;
  if (rc < 0) {
    if (typeOf(id) && *typeOf(id) != ObjectType::Tree) return std::nullopt;
    check(rc, "git_tree_lookup");
  }
  std::vector<TreeEntry> entries;
  const size_t n = git_tree_entrycount(t);
  entries.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(t, i);
    entries.push_back({git_tree_entry_name(e), static_cast<uint32_t>(git_tree_entry_filemode_raw(e)),
                       toId(git_tree_entry_id(e))});
  }
  git_tree_free(t);
  return entries;
}

std::optional<TagInfo> GitRepo::tag(const ObjectId& id) {
  const git_oid oid = toOid(id);
  git_tag* t = nullptr;
  const int rc = git_tag_lookup(&t, repo_, &oid);
  if (rc == GIT_ENOTFOUND) return std::nullopt;
  if (rc < 0) {
    if (typeOf(id) && *typeOf(id) != ObjectType::Tag) return std::nullopt;
    check(rc, "git_tag_lookup");
  }
  TagInfo info{toId(git_tag_target_id(t)), static_cast<ObjectType>(git_tag_target_type(t))};
  git_tag_free(t);
  return info;
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
