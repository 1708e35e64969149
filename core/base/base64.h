// Base64 (RFC 4648) decoding, for the places text carries bytes: HTTP Basic
// credentials and file contents sent as JSON (the commit API).
#pragma once

#include <optional>
#include <string_view>

#include "open_artifacts/bytes.h"

namespace oa {

// The bytes `text` encodes, in the standard or the URL-safe alphabet, with or
// without "=" padding; nullopt for anything else (other characters,
// whitespace, misplaced or excess padding, a length no encoding has, or
// non-zero bits after the last byte).
std::optional<Bytes> decodeBase64(std::string_view text);

}  // namespace oa
