#include "base/storage_keys.h"

namespace oa::keys {

const std::string kRepoRecordPrefix = "r/";
const std::string kRepoIndexPrefix = "c/";
const std::string kRepoCountKey = "m/count";
const std::string kRepoSeqKey = "m/seq";
const std::string kReleasePrefix = "gc/";
const std::string kNamespaceKey = "m/namespace";
const std::string kTokenRepoPrefix = "tk/";
const std::string kIdentityKey = "m/identity";
const std::string kObjectPrefix = "o/";
const std::string kStoredBytesKey = "m/object-bytes";
const std::string kRefPrefix = "ref/";
const std::string kHeadKey = "h/HEAD";
const std::string kRefEpochKey = "m/ref-epoch";
const std::string kRemovalEpochKey = "m/removal-epoch";
const std::string kShallowPrefix = "shallow/";
const std::string kWalkCacheKey = "cache/walk";
const std::string kTokenPrefix = "t/";
const std::string kTokenHashPrefix = "th/";
const std::string kAlternateKey = "alt";
const std::string kLenderKey = "lender";
const std::string kBorrowerPrefix = "borrower/";
const std::string kRetiredKey = "retired";
const std::string kChunkPrefix = "~c/";
const std::string kSpillPrefix = "~s/";

}  // namespace oa::keys
