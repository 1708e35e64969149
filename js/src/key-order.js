// The order of storage keys: bytewise over their UTF-8 encoding, as the core
// and SQLite (memcmp on TEXT) order them. That is Unicode code point order.
// JS's `<` compares UTF-16 code units instead, which differs in one case: an
// astral character (a surrogate pair, D800-DFFF) sorts before U+E000..U+FFFF
// in UTF-16 but after it in UTF-8.

// Rank of a code unit >= 0xD800 in code point order: surrogates move above E000-FFFF.
const highUnitRank = (unit) => (unit >= 0xe000 ? unit - 0x800 : unit + 0x2000);

// < 0, 0 or > 0 as `a` sorts before, with or after `b` in UTF-8 byte order.
export function compareKeys(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? highUnitRank(x) - highUnitRank(y) : x - y;
  }
  return a.length - b.length;
}

const unitsBefore = (a, b) => a < b;
const codePointsBefore = (a, b) => compareKeys(a, b) < 0;
const HIGH_UNIT = /[\uD800-\uFFFF]/;

// `before(a, b)`: whether a sorts before b, exact when one of them is `probe`.
// Both orders agree unless the first differing units are both >= 0xD800,
// which needs one in the probe: for the common probe (ASCII keys, prefixes)
// JS's own `<` is exact, and one native comparison is all it costs.
export const beforeFor = (probe) => (HIGH_UNIT.test(probe) ? codePointsBefore : unitsBefore);

// The smallest string that sorts after every string starting with `prefix`
// (well-formed, in code point order): the exclusive upper bound of a prefix
// range in SQL (`key >= prefix AND key < bound`). The last code point below
// U+10FFFF moves to the next one (U+D7FF to U+E000, past the surrogates) and
// what follows it is cut; null when there is none (an empty prefix, or only
// U+10FFFF): the range is then open above.
export function prefixUpperBound(prefix) {
  let end = prefix.length;
  while (end > 0) {
    const low = prefix.charCodeAt(end - 1);
    const pair = end >= 2 && low >= 0xdc00 && low <= 0xdfff && (prefix.charCodeAt(end - 2) & 0xfc00) === 0xd800;
    const start = pair ? end - 2 : end - 1;
    const codePoint = prefix.codePointAt(start);
    if (codePoint < 0x10ffff) return prefix.slice(0, start) + String.fromCodePoint(codePoint === 0xd7ff ? 0xe000 : codePoint + 1);
    end = start;
  }
  return null;
}
