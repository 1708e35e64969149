// MemoryStorage (js/src/memory-storage.js) and its ordered key set
// (sorted-key-set.js, a B+tree): keys in UTF-8 byte order (as the core and
// SQLite), scans from a prefix and after a key with a limit, deletes, and
// all-or-nothing batches; checked against a plain sorted model through
// enough keys to split, merge and borrow at every level of the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage, SqliteStorage } from '../../js/src/node.js';
import { SortedKeySet } from '../../js/src/sorted-key-set.js';
import { compareKeys } from '../../js/src/key-order.js';

const utf8Order = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
// A key's UTF-8 bytes as a string of code units 0-255: JS's `<` on these is UTF-8 byte order (a fast oracle).
const utf8Bytes = (key) => Buffer.from(key, 'utf8').toString('latin1');
const bytes = (text) => new TextEncoder().encode(text);

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

test('MemoryStorage scans non-ASCII keys in UTF-8 byte order, the same order as SqliteStorage', () => {
  const memory = new MemoryStorage();
  const sqlite = new SqliteStorage(':memory:');
  try {
    for (const storage of [memory, sqlite]) {
      const repo = storage.repo('r1');
      repo.batch([...TRICKY_KEYS].reverse().map((key) => ({ type: 'put', key, value: bytes(key) })));
    }
    const expected = [...TRICKY_KEYS].sort(utf8Order);
    const scanned = (storage) => storage.repo('r1').scan('refs/heads/', '', 100).map(([k]) => k);
    assert.deepEqual(scanned(memory), expected);
    assert.deepEqual(scanned(sqlite), expected);
    // Resuming after a key in the middle (an astral one) continues in the same order.
    const after = 'refs/heads/\u{1F600}';
    const rest = expected.slice(expected.indexOf(after) + 1);
    assert.deepEqual(memory.repo('r1').scan('refs/heads/', after, 100).map(([k]) => k), rest);
    assert.deepEqual(sqlite.repo('r1').scan('refs/heads/', after, 100).map(([k]) => k), rest);
    // A prefix with an astral character finds exactly its keys.
    assert.deepEqual(memory.repo('r1').scan('refs/heads/\u{1F600}', '', 10).map(([k]) => k), ['refs/heads/\u{1F600}', 'refs/heads/\u{1F600}x']);
  } finally {
    sqlite.close();
  }
});

test('MemoryStorage: get, scan with prefix, after and limit, delete, and per-handle prefixes', () => {
  const storage = new MemoryStorage();
  const repo = storage.repo('r1');
  const other = storage.repo('r2');
  repo.batch(['obj/03', 'obj/01', 'obj/02', 'ref/main', 'obj/05'].map((key) => ({ type: 'put', key, value: bytes(key) })));
  other.batch([{ type: 'put', key: 'obj/01', value: bytes('other') }]);

  assert.deepEqual(repo.get('obj/02'), bytes('obj/02'));
  assert.equal(repo.get('obj/04'), null);
  const keys = (rows) => rows.map(([k]) => k);
  assert.deepEqual(keys(repo.scan('obj/', '', 10)), ['obj/01', 'obj/02', 'obj/03', 'obj/05']);
  assert.deepEqual(keys(repo.scan('obj/', '', 2)), ['obj/01', 'obj/02']);
  assert.deepEqual(keys(repo.scan('obj/', 'obj/02', 10)), ['obj/03', 'obj/05'], 'strictly after a present key');
  assert.deepEqual(keys(repo.scan('obj/', 'obj/04', 10)), ['obj/05'], 'after an absent key');
  assert.deepEqual(keys(repo.scan('obj/', 'obj/05', 10)), []);
  assert.deepEqual(keys(repo.scan('obj/', 'a', 10)), ['obj/01', 'obj/02', 'obj/03', 'obj/05'], 'after before the prefix: from the prefix');
  assert.deepEqual(keys(repo.scan('obj/', 'z', 10)), [], 'after past the prefix: nothing');
  assert.deepEqual(keys(repo.scan('obj/', '', 0)), []);
  assert.deepEqual(keys(repo.scan('', '', 100)), ['obj/01', 'obj/02', 'obj/03', 'obj/05', 'ref/main']);
  assert.deepEqual(other.scan('', '', 10), [['obj/01', bytes('other')]], 'repo handles see only their own keys');

  // Overwrite keeps one key; delete removes it; deleting an absent key is a no-op.
  repo.batch([{ type: 'put', key: 'obj/02', value: bytes('new') }, { type: 'delete', key: 'obj/03' }, { type: 'delete', key: 'nope' }]);
  assert.deepEqual(repo.get('obj/02'), bytes('new'));
  assert.equal(repo.get('obj/03'), null);
  assert.deepEqual(keys(repo.scan('obj/', '', 10)), ['obj/01', 'obj/02', 'obj/05']);
  // A put and a delete of one key in one batch apply in order.
  repo.batch([{ type: 'put', key: 'obj/09', value: bytes('x') }, { type: 'delete', key: 'obj/09' }]);
  assert.equal(repo.get('obj/09'), null);
  assert.deepEqual(storage.repoIds(), ['r1', 'r2']);
});

test('MemoryStorage batches are all-or-nothing: a bad op anywhere changes nothing', () => {
  const storage = new MemoryStorage();
  const repo = storage.repo('r1');
  repo.batch([{ type: 'put', key: 'a', value: bytes('1') }]);
  const before = JSON.stringify(storage.snapshot());
  const bad = [
    [{ type: 'put', key: 'b', value: bytes('2') }, { type: 'put', key: 'c', value: 'not bytes' }],
    [{ type: 'delete', key: 'a' }, { type: 'put', key: 'd', value: null }],
    [{ type: 'put', key: 'b', value: bytes('2') }, { type: 'rename', key: 'a' }],
  ];
  for (const ops of bad) {
    assert.throws(() => repo.batch(ops), TypeError);
    assert.equal(JSON.stringify(storage.snapshot()), before, JSON.stringify(ops));
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
