// The key order of every store (key-order.js: UTF-8 byte order, as the core
// and SQLite; the upper bound of a prefix range) and MemoryStorage's ordered
// key set (sorted-key-set.js, a B+tree), checked against a plain sorted model
// through enough keys to split, merge and borrow at every level of the tree.
// MemoryStorage's get/scan/batch are the shared contract cases
// (storage-contract-cases.mjs, run by storage_contract.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedKeySet } from '../../js/src/sorted-key-set.js';
import { compareKeys, prefixUpperBound } from '../../js/src/key-order.js';

const utf8Order = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
// A key's UTF-8 bytes as a string of code units 0-255: JS's `<` on these is UTF-8 byte order (a fast oracle).
const utf8Bytes = (key) => Buffer.from(key, 'utf8').toString('latin1');

// Keys whose UTF-8 order differs from JS's `<` (UTF-16 code units): an astral
// character sorts after U+E000..U+FFFF in UTF-8, before them in UTF-16.
const TRICKY_KEYS = ['refs/heads/a', 'refs/heads/\u00e9t\u00e9', 'refs/heads/\uE000', 'refs/heads/\uFFFD', 'refs/heads/\u{1F600}', 'refs/heads/\u{10FFFF}', 'refs/heads/\uFFFF', 'refs/heads/z', 'refs/heads/\u{1F600}x', 'refs/heads/\uE000\u{1F600}'];

test('compareKeys is UTF-8 byte order, also where UTF-16 order differs', () => {
  const expected = [...TRICKY_KEYS].sort(utf8Order);
  assert.deepEqual([...TRICKY_KEYS].sort(compareKeys), expected);
  assert.notDeepEqual([...TRICKY_KEYS].sort(), expected, 'the keys must tell the two orders apart');
  assert.ok(compareKeys('\u{1F600}', '\uFFFF') > 0);
  assert.ok(compareKeys('\uE000', '\u{10000}') < 0);
  assert.equal(compareKeys('abc', 'abc'), 0);
  assert.ok(compareKeys('ab', 'abc') < 0);
});

test('prefixUpperBound: the smallest string after every string with the prefix, in code point order', () => {
  assert.equal(prefixUpperBound(''), null);
  assert.equal(prefixUpperBound('ns/x/'), 'ns/x0');
  assert.equal(prefixUpperBound('a\uD7FF'), 'a\uE000', 'past the surrogates');
  assert.equal(prefixUpperBound('a\uFFFF'), 'a\u{10000}', 'the BMP ends, astral follows');
  assert.equal(prefixUpperBound('a\u{1F3FF}'), 'a\u{1F400}', 'a pair whose low half is DFFF');
  assert.equal(prefixUpperBound('a\u{1F600}'), 'a\u{1F601}');
  assert.equal(prefixUpperBound('a\u{10FFFF}\u{10FFFF}'), 'b', 'U+10FFFF has no successor: the one before moves');
  assert.equal(prefixUpperBound('\u{10FFFF}'), null);
  // Against UTF-8 bytes: every key with the prefix sorts below the bound, and so does nothing else at or above the prefix.
  const keys = [...TRICKY_KEYS, 'a', 'a\uD7FF', 'a\uD7FFz', 'a\uE000', 'a\uFFFF', 'a\uFFFF\u{10FFFF}', 'a\u{10000}', 'a\u{1F3FF}', 'a\u{1F3FF}x', 'a\u{1F400}', 'a\u{10FFFF}', 'b'];
  for (const prefix of ['a', 'a\uD7FF', 'a\uFFFF', 'a\u{1F3FF}', 'a\u{10FFFF}', 'refs/heads/\uE000', 'refs/heads/\u{1F600}', 'refs/heads/']) {
    const upper = prefixUpperBound(prefix);
    for (const key of keys) {
      const inRange = utf8Order(key, prefix) >= 0 && utf8Order(key, upper) < 0;
      assert.equal(inRange, key.startsWith(prefix), `${JSON.stringify(key)} against ${JSON.stringify(prefix)}`);
    }
  }
});

// A deterministic pseudo-random sequence (xorshift32), so a failure replays.
function random(seed) {
  let x = seed;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

test('SortedKeySet matches a sorted model through growth past three levels, then shrinking to nothing', () => {
  const set = new SortedKeySet();
  const model = new Set();
  const next = random(12345);
  // Mostly ASCII object-like keys; some non-ASCII ones to exercise the exact comparator inside the tree.
  const ALPHABET = ['a', 'b', 'f', '0', '9', '/', '\u00e9', '\uE000', '\uFFFF', '\u{1F600}'];
  const makeKey = () => {
    let key = `k${next(400)}/`;
    for (let i = next(4); i >= 0; i--) key += ALPHABET[next(ALPHABET.length)] + next(1000);
    return key;
  };
  const check = () => {
    const bytes = new Map([...model].map((k) => [k, utf8Bytes(k)]));
    const expected = [...model].sort((a, b) => (bytes.get(a) < bytes.get(b) ? -1 : 1));
    assert.equal(set.size, model.size);
    assert.deepEqual([...set.keysFrom('')], expected);
    // Scans from probes (present and absent keys) start at the first key >= the probe.
    for (let i = 0; i < 20; i++) {
      const probe = next(2) === 0 && expected.length > 0 ? expected[next(expected.length)] : makeKey();
      const probeBytes = utf8Bytes(probe);
      const first = expected.findIndex((k) => bytes.get(k) >= probeBytes);
      const got = [];
      for (const key of set.keysFrom(probe)) {
        got.push(key);
        if (got.length === 5) break;
      }
      assert.deepEqual(got, first === -1 ? [] : expected.slice(first, first + 5), `from ${JSON.stringify(probe)}`);
    }
  };
  // Grow to 60,000 keys (leaves of 256 and inner nodes of 128: three levels), adding a few duplicates.
  while (model.size < 60_000) {
    const key = makeKey();
    assert.equal(set.add(key), !model.has(key));
    model.add(key);
  }
  check();
  // Interleave: delete a lot, add some back.
  const all = [...model];
  for (let i = 0; i < 45_000; i++) {
    const key = all[next(all.length)];
    assert.equal(set.delete(key), model.delete(key));
    if (i % 3 === 0) {
      const added = makeKey();
      assert.equal(set.add(added), !model.has(added));
      model.add(added);
    }
  }
  check();
  // Remove everything, in key order then reverse order halves (merges from both sides).
  const remaining = [...model].sort((a, b) => (utf8Bytes(a) < utf8Bytes(b) ? -1 : 1));
  const half = remaining.length >>> 1;
  for (const key of remaining.slice(0, half)) assert.equal(set.delete(key), model.delete(key));
  check();
  for (const key of remaining.slice(half).reverse()) assert.equal(set.delete(key), model.delete(key));
  check();
  assert.equal(set.delete('absent'), false);
  assert.equal(set.size, 0);
  assert.equal(set.add('again'), true);
  assert.deepEqual([...set.keysFrom('')], ['again']);
});
