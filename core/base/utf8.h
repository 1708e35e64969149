// UTF-8 well-formedness, for names that become storage keys, and lengths as
// JavaScript counts them, for text bounded in characters.
#pragma once

#include <cstddef>
#include <string_view>

namespace oa {

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
// Names that become storage keys must be: hosts keep keys as JS strings,
// where ill-formed bytes would turn into U+FFFD and two names could alias.
bool isValidUtf8(std::string_view text);

// The length in bytes of the longest prefix of `text` that is at most
// `maxUnits` UTF-16 code units (a JS string's length) once decoded, cut
// between characters. An ill-formed byte counts as one unit: it decodes to
// at most one U+FFFD.
size_t utf16PrefixBytes(std::string_view text, size_t maxUnits);

}  // namespace oa
