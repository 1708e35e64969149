#include "artifacts/json_io.h"

namespace oa {

nlohmann::json parseJson(std::string_view text, bool allowExceptions) {
  using nlohmann::json;
#if NLOHMANN_JSON_VERSION_MAJOR != 3 || NLOHMANN_JSON_VERSION_MINOR != 11
  // The parser's internals below are those of 3.11 (3.12 changed them).
  return json::parse(text, nullptr, allowExceptions);
#else
  namespace detail = nlohmann::detail;
  json result;
  detail::json_sax_dom_parser<json> sax(result, allowExceptions);
  auto input = detail::input_adapter(text.data(), text.data() + text.size());
  detail::parser<json, decltype(input)>(std::move(input), nullptr, allowExceptions, false).sax_parse(&sax, true);
  // What json::parse answers for an error it does not throw.
  if (sax.is_errored()) return json(json::value_t::discarded);
  return result;
#endif
}

}  // namespace oa
