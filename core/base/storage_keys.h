// The whole key layout of the core's storage, in one place (DESIGN.md
// "Storage"). Two kinds of store: a namespace's registry and a repo's own
// store (which may live in different Durable Objects). Keys are UTF-8; every
// value may be any size (ChunkedStore splits large ones into "~c/" rows).
// Defined once, in storage_keys.cpp: as inline variables, every file that
// included this header carried its own initializer of each (wasm size).
#pragma once

#include <string>

namespace oa::keys {

// ---- A namespace's registry (artifacts/repo_registry, artifacts/namespace_service)
extern const std::string kRepoRecordPrefix;  // "r/": r/<lower-case name> -> repo record (JSON)
extern const std::string kRepoIndexPrefix;  // "c/": c/<inverted ms>.<inverted seq> -> lower-case name
extern const std::string kRepoCountKey;  // "m/count": repos registered
extern const std::string kRepoSeqKey;  // "m/seq": last creation sequence number
extern const std::string kReleasePrefix;  // "gc/": gc/<repo id> -> its name: a removed repo whose store awaits release
extern const std::string kNamespaceKey;  // "m/namespace": the namespace's own record (artifacts/namespace_record)
extern const std::string kTokenRepoPrefix;  // "tk/": tk/<token id> -> lower-case repo name: which repo minted it (a hint)

// ---- A repo's own store
extern const std::string kIdentityKey;  // "m/identity": the repo's own copy of what git auth needs (JSON)
extern const std::string kObjectPrefix;  // "o/": o/<hex id> -> object record (git/store/object_store)
extern const std::string kStoredBytesKey;  // "m/object-bytes": bytes of this repo's own object records (varint)
extern const std::string kRefPrefix;  // "ref/": ref/<refname> -> 40-hex id
extern const std::string kHeadKey;  // "h/HEAD": "ref: refs/heads/<branch>"
extern const std::string kRefEpochKey;  // "m/ref-epoch": changes with every batch that moves a ref (git/store/ref_store)
extern const std::string kRemovalEpochKey;  // "m/removal-epoch": changes with every batch that takes a push's objects back (git/store/pack_ingest)
extern const std::string kShallowPrefix;  // "shallow/": shallow/<hex id> -> "": commits stored without parents
extern const std::string kWalkCacheKey;  // "cache/walk": a full clone's object list (git/store/walk_cache)
extern const std::string kTokenPrefix;  // "t/": t/<token id> -> token record
extern const std::string kTokenHashPrefix;  // "th/": th/<sha256 hex of the secret> -> token id
// Borrowing between a fork and its parent in one shared store (artifacts/repo_store).
extern const std::string kAlternateKey;  // "alt": the repo whose objects this one reads
extern const std::string kLenderKey;  // "lender": the repo this one holds a borrower row on
extern const std::string kBorrowerPrefix;  // "borrower/": borrower/<repo id> -> "": repos reading our objects
extern const std::string kRetiredKey;  // "retired": deleted, kept for its borrowers

// ---- Any store
extern const std::string kChunkPrefix;  // "~c/": ~c/<key>#<index> -> one chunk of a large value (base/chunked_store)
extern const std::string kSpillPrefix;  // "~s/": ~s/<ingest>/<last offset><seq> -> a block of a push's per-object state, while it lasts (git/store/pack_object_index)

}  // namespace oa::keys
