// Parsing JSON text: every parse of the core goes through here.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "open_artifacts/bytes.h"

namespace oa {

// json::parse(text, nullptr, allowExceptions) without its callback parser:
// json::parse compiles a second copy of the parser for the callback it takes
// (never one here), which was ~10 KB of wasm. A syntax error throws
// nlohmann's parse_error, or gives a discarded value if !allowExceptions.
nlohmann::json parseJson(std::string_view text, bool allowExceptions = true);
inline nlohmann::json parseJson(const Bytes& bytes, bool allowExceptions = true) {
  return parseJson(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), allowExceptions);
}

}  // namespace oa
