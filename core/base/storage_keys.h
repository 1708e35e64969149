// The whole key layout of the core's storage, in one place (DESIGN.md
// "Storage"). Two kinds of store: a namespace's registry and a repo's own
// store (which may live in different Durable Objects). Keys are UTF-8; every
// value may be any size (ChunkedStore splits large ones into "~c/" rows).
#pragma once

#include <string>

namespace oa::keys {

// ---- A namespace's registry (artifacts/repo_registry, artifacts/namespace_service)
inline const std::string kRepoRecordPrefix = "r/";    // r/<lower-case name> -> repo record (JSON)
inline const std::string kRepoIndexPrefix = "c/";     // c/<inverted ms>.<inverted seq> -> lower-case name
inline const std::string kRepoCountKey = "m/count";   // repos registered
inline const std::string kRepoSeqKey = "m/seq";       // last creation sequence number
inline const std::string kReleasePrefix = "gc/";      // gc/<repo id> -> its name: a removed repo whose store awaits release
inline const std::string kNamespaceKey = "m/namespace"; // the namespace's own record (artifacts/namespace_record)
inline const std::string kTokenRepoPrefix = "tk/";    // tk/<token id> -> lower-case repo name: which repo minted it (a hint)

// ---- A repo's own store
inline const std::string kIdentityKey = "m/identity";        // the repo's own copy of what git auth needs (JSON)
inline const std::string kObjectPrefix = "o/";               // o/<hex id> -> object record (git/store/object_store)
inline const std::string kStoredBytesKey = "m/object-bytes"; // bytes of this repo's own object records (varint)
inline const std::string kRefPrefix = "ref/";                // ref/<refname> -> 40-hex id
inline const std::string kHeadKey = "h/HEAD";                // "ref: refs/heads/<branch>"
inline const std::string kRefEpochKey = "m/ref-epoch";       // changes with every batch that moves a ref (git/store/ref_store)
inline const std::string kShallowPrefix = "shallow/";        // shallow/<hex id> -> "": commits stored without parents
inline const std::string kWalkCacheKey = "cache/walk";       // a full clone's object list (git/store/walk_cache)
inline const std::string kTokenPrefix = "t/";                // t/<token id> -> token record
inline const std::string kTokenHashPrefix = "th/";           // th/<sha256 hex of the secret> -> token id
// Borrowing between a fork and its parent in one shared store (artifacts/repo_store).
inline const std::string kAlternateKey = "alt";              // the repo whose objects this one reads
inline const std::string kLenderKey = "lender";              // the repo this one holds a borrower row on
inline const std::string kBorrowerPrefix = "borrower/";      // borrower/<repo id> -> "": repos reading our objects
inline const std::string kRetiredKey = "retired";            // deleted, kept for its borrowers

// ---- Any store
inline const std::string kChunkPrefix = "~c/";  // ~c/<key>#<index> -> one chunk of a large value (base/chunked_store)

}  // namespace oa::keys
