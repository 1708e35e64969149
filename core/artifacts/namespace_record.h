// A namespace's own record (spec §1.1, §5.3 "Namespaces"): its jurisdiction
// and timestamps, kept in the namespace's registry store beside its repos.
// A namespace exists once it has this record: written by an explicit create
// (the only way to get a jurisdiction) or implicitly with its first repo.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "open_artifacts/host.h"
#include "open_artifacts/storage.h"

namespace oa {

enum class Jurisdiction { Unrestricted, Eu, Us };
const char* jurisdictionName(Jurisdiction jurisdiction);
// "eu" or "us" (an explicit create's values); nullopt for anything else.
std::optional<Jurisdiction> parseJurisdiction(const std::string& text);

struct NamespaceRecord {
  Jurisdiction jurisdiction = Jurisdiction::Unrestricted;
  int64_t createdAtMs = 0;
  int64_t updatedAtMs = 0;
};

class NamespaceRecordStore {
 public:
  NamespaceRecordStore(KvStore& registry, Host& host) : store_(registry), host_(host) {}

  std::optional<NamespaceRecord> find();
  // An explicit create: ALREADY_EXISTS "Namespace already exists" if there is
  // a record, or repos (a namespace made implicitly before records existed).
  NamespaceRecord create(Jurisdiction jurisdiction);
  // The implicit create of a namespace's first repo: writes an unrestricted
  // record unless there is one. Returns the record as it is now.
  NamespaceRecord ensure();
  // Removes the record if the namespace holds no repos: INVALID_INPUT
  // "Namespace is not empty" otherwise, NOT_FOUND if there is no namespace.
  void removeIfEmpty();

 private:
  KvStore& store_;
  Host& host_;
};

}  // namespace oa
