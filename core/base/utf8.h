// UTF-8 well-formedness, for names that become storage keys.
#pragma once

#include <string_view>

namespace oa {

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
// Names that become storage keys must be: hosts keep keys as JS strings,
// where ill-formed bytes would turn into U+FFFD and two names could alias.
bool isValidUtf8(std::string_view text);

}  // namespace oa
