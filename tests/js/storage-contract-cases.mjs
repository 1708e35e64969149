// The storage contract of js/index.d.ts (ArtifactsStorage, StorageHandle,
// StorageOp) as one table of cases that any store must pass: run under
// node:test against MemoryStorage and SqliteStorage (storage_contract.test.mjs)
// and inside a Durable Object in real workerd against DurableObjectSqliteStorage
// (tests/workerd/do-storage-worker.mjs, do_storage.test.mjs). Needs no Node
// API: only the `assert` it is handed (node:assert/strict in both places).
//
// storageContractCases(openStorage) -> [{ name, run(assert) }]. openStorage()
// gives one empty store; a case calls it once.

const bytes = (...values) => new Uint8Array(values);
const encoder = new TextEncoder();
const text = (s) => encoder.encode(s);
const keysOf = (rows) => rows.map(([k]) => k);

// UTF-8 byte order, computed from the bytes themselves (an oracle independent
// of js/src/key-order.js and of every store).
function utf8Compare(a, b) {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// What scan(prefix, after, limit) must answer over `keys`, by the contract's words.
function modelScan(keys, prefix, after, limit) {
  return keys
    .filter((k) => k.startsWith(prefix) && (after === '' || utf8Compare(k, after) > 0))
    .sort(utf8Compare)
    .slice(0, limit > 0 ? limit : 0);
}

// Keys whose UTF-8 order differs from JS's `<` (UTF-16 code units): an astral
// character sorts after U+E000..U+FFFF in UTF-8, before them in UTF-16.
const TRICKY_KEYS = ['refs/heads/a', 'refs/heads/\u00e9t\u00e9', 'refs/heads/\uE000', 'refs/heads/\uFFFD', 'refs/heads/\u{1F600}', 'refs/heads/\u{10FFFF}', 'refs/heads/\uFFFF', 'refs/heads/z', 'refs/heads/\u{1F600}x', 'refs/heads/\uE000\u{1F600}'];
// The same keys in UTF-8 byte order, written out.
const TRICKY_ORDER = ['refs/heads/a', 'refs/heads/z', 'refs/heads/\u00e9t\u00e9', 'refs/heads/\uE000', 'refs/heads/\uE000\u{1F600}', 'refs/heads/\uFFFD', 'refs/heads/\uFFFF', 'refs/heads/\u{1F600}', 'refs/heads/\u{1F600}x', 'refs/heads/\u{10FFFF}'];

// Keys around the places where a prefix's upper bound is easy to get wrong:
// the last code point before the surrogates (U+D7FF), the last BMP one
// (U+FFFF), an astral one ending in the low surrogate DFFF (U+1F3FF), the
// last code point of all (U+10FFFF), and ASCII neighbours of "/".
const EDGE_KEYS = [
  'a', 'a/', 'a/0', 'a/1', 'a/10', 'a/2', 'a/b/c', 'a0', 'ab', 'b', 'b/x', 'B', '~', 'a.', 'a-', 'a_',
  'p\uD7FF', 'p\uD7FFx', 'p\uE000', 'p\uFFFF', 'p\uFFFFx', 'p\u{10000}', 'p\u{1F3FF}', 'p\u{1F3FF}\u{1F3FF}', 'p\u{1F400}',
  'p\u{10FFFF}', 'p\u{10FFFF}\u{10FFFF}', 'p\u{10FFFF}z', 'q', '\u{10FFFF}', '\u{10FFFF}a', '\u00e9', '\u00ea',
];
const EDGE_PREFIXES = ['', 'a', 'a/', 'a/1', 'b', 'c', '~', 'zz', 'p', 'p\uD7FF', 'p\uFFFF', 'p\u{1F3FF}', 'p\u{10FFFF}', '\u{10FFFF}', '\u00e9', 'p\uE000'];
const EDGE_AFTERS = ['', 'a', 'a/', 'a/1', 'a/10', 'a/5', 'b', '0', 'zzz', 'p\uD7FF', 'p\uFFFF', 'p\u{1F3FF}', 'p\u{10FFFF}', '\u{10FFFF}'];
const LIMITS = [0, 1, 2, 3, 100, Infinity, 2 ** 64];

export function storageContractCases(openStorage) {
  const cases = [];
  const add = (name, run) => cases.push({ name, run });

  add('get returns null for a missing key and a Uint8Array for a stored one', (assert) => {
    const repo = openStorage().repo('r1');
    assert.equal(repo.get('missing'), null);
    repo.batch([{ type: 'put', key: 'k', value: bytes(1, 2, 3) }]);
    const value = repo.get('k');
    assert.ok(value instanceof Uint8Array, 'a Uint8Array');
    assert.deepEqual([...value], [1, 2, 3]);
  });

  add('values round-trip as bytes: empty, every byte value, a view with an offset, 1 MiB, text with NUL', (assert) => {
    const repo = openStorage().repo('r');
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = Math.imul(i, 2654435761) >>> 24;
    const view = new Uint8Array([7, 7, 1, 2, 3, 7]).subarray(2, 5);
    repo.batch([
      { type: 'put', key: 'empty', value: new Uint8Array(0) },
      { type: 'put', key: 'all', value: all },
      { type: 'put', key: 'big', value: big },
      { type: 'put', key: 'view', value: view },
      { type: 'put', key: 'text', value: text('h\u00e9llo\0world') },
    ]);
    const empty = repo.get('empty');
    assert.ok(empty instanceof Uint8Array, 'an empty value is an empty Uint8Array, not null');
    assert.equal(empty.length, 0);
    assert.deepEqual([...repo.get('all')], [...all]);
    const gotBig = repo.get('big');
    assert.equal(gotBig.length, big.length);
    let same = true;
    for (let i = 0; i < big.length; i++) if (gotBig[i] !== big[i]) same = false;
    assert.ok(same, '1 MiB value intact');
    assert.deepEqual([...repo.get('view')], [1, 2, 3], 'only the view, not its whole buffer');
    assert.equal(new TextDecoder().decode(repo.get('text')), 'h\u00e9llo\0world');
    const scanned = repo.scan('', '', 10);
    assert.deepEqual(keysOf(scanned), ['all', 'big', 'empty', 'text', 'view']);
    for (const [, value] of scanned) assert.ok(value instanceof Uint8Array, 'scan values are Uint8Arrays');
    assert.equal(scanned[2][1].length, 0);
  });

  add('scan: prefix, strictly-after cursor and limit as the contract says, over ASCII and non-ASCII edge keys', (assert) => {
    const repo = openStorage().repo('r');
    repo.batch(EDGE_KEYS.map((key, i) => ({ type: 'put', key, value: bytes(i) })));
    let nonEmpty = 0;
    for (const prefix of EDGE_PREFIXES) {
      for (const after of EDGE_AFTERS) {
        for (const limit of LIMITS) {
          const got = repo.scan(prefix, after, limit);
          const want = modelScan(EDGE_KEYS, prefix, after, limit);
          assert.deepEqual(keysOf(got), want, `scan(${JSON.stringify(prefix)}, ${JSON.stringify(after)}, ${limit})`);
          for (const [key, value] of got) assert.deepEqual([...value], [EDGE_KEYS.indexOf(key)], `value of ${JSON.stringify(key)}`);
          if (want.length > 0) nonEmpty++;
        }
      }
    }
    assert.ok(nonEmpty > 300, 'the matrix finds keys, not only empty pages');
  });

  add('scan: written-out answers for prefixes, cursors, limits and prefix edges', (assert) => {
    const repo = openStorage().repo('r');
    repo.batch(EDGE_KEYS.map((key, i) => ({ type: 'put', key, value: bytes(i) })));
    assert.deepEqual(keysOf(repo.scan('a/', '', 10)), ['a/', 'a/0', 'a/1', 'a/10', 'a/2', 'a/b/c'], 'bytewise order');
    assert.deepEqual(keysOf(repo.scan('a/', '', 2)), ['a/', 'a/0']);
    assert.deepEqual(keysOf(repo.scan('a/', 'a/1', 2)), ['a/10', 'a/2'], 'after is exclusive');
    assert.deepEqual(keysOf(repo.scan('a/', 'a/11', 10)), ['a/2', 'a/b/c'], 'after an absent key');
    assert.deepEqual(keysOf(repo.scan('a/', 'a/b/c', 10)), [], 'after the last key');
    assert.deepEqual(keysOf(repo.scan('a/', 'A', 3)), ['a/', 'a/0', 'a/1'], 'after before the prefix: from the prefix');
    assert.deepEqual(keysOf(repo.scan('a/', 'z', 10)), [], 'after past the prefix: nothing');
    assert.deepEqual(keysOf(repo.scan('a/', '', 0)), []);
    assert.deepEqual(keysOf(repo.scan('c', '', Infinity)), []);
    assert.deepEqual(keysOf(repo.scan('p\uD7FF', '', 10)), ['p\uD7FF', 'p\uD7FFx'], 'not p\\uE000, the next code point');
    assert.deepEqual(keysOf(repo.scan('p\uFFFF', '', 10)), ['p\uFFFF', 'p\uFFFFx'], 'not p\\u{10000}, the next code point');
    assert.deepEqual(keysOf(repo.scan('p\u{1F3FF}', '', 10)), ['p\u{1F3FF}', 'p\u{1F3FF}\u{1F3FF}'], 'an astral prefix ending in DFFF');
    assert.deepEqual(keysOf(repo.scan('p\u{10FFFF}', '', 10)), ['p\u{10FFFF}', 'p\u{10FFFF}z', 'p\u{10FFFF}\u{10FFFF}'], 'the last code point');
    assert.deepEqual(keysOf(repo.scan('\u{10FFFF}', '', 10)), ['\u{10FFFF}', '\u{10FFFF}a'], 'a prefix with no upper bound');
    assert.deepEqual(keysOf(repo.scan('p', 'p\uFFFFx', 3)), ['p\u{10000}', 'p\u{1F3FF}', 'p\u{1F3FF}\u{1F3FF}'], 'astral after U+FFFF');
  });

  add('scan: non-ASCII keys come in UTF-8 byte order, not UTF-16 order', (assert) => {
    const repo = openStorage().repo('r1');
    assert.notDeepEqual([...TRICKY_KEYS].sort(), TRICKY_ORDER, 'the keys must tell the two orders apart');
    assert.deepEqual([...TRICKY_KEYS].sort(utf8Compare), TRICKY_ORDER, 'the written-out order is UTF-8 byte order');
    repo.batch([...TRICKY_KEYS].reverse().map((key) => ({ type: 'put', key, value: text(key) })));
    assert.deepEqual(keysOf(repo.scan('refs/heads/', '', 100)), TRICKY_ORDER);
    const after = 'refs/heads/\u{1F600}';
    assert.deepEqual(keysOf(repo.scan('refs/heads/', after, 100)), TRICKY_ORDER.slice(TRICKY_ORDER.indexOf(after) + 1), 'resuming after an astral key');
    assert.deepEqual(keysOf(repo.scan('refs/heads/\u{1F600}', '', 10)), ['refs/heads/\u{1F600}', 'refs/heads/\u{1F600}x'], 'an astral prefix');
    assert.deepEqual(keysOf(repo.scan('refs/heads/\uFFFF', '', 10)), ['refs/heads/\uFFFF'], 'U+FFFF: astral keys are past it');
    assert.deepEqual(new TextDecoder().decode(repo.get('refs/heads/\u{1F600}x')), 'refs/heads/\u{1F600}x');
  });

  add('scan: paging with the last key as the cursor visits every key once, in order', (assert) => {
    const repo = openStorage().repo('r');
    const keys = [];
    for (let i = 0; i < 400; i++) keys.push(`obj/${['', '\u00e9', '\uE000', '\u{1F600}'][i % 4]}${(i * 7919) % 1000}`);
    repo.batch(keys.map((key) => ({ type: 'put', key, value: text(key) })));
    repo.batch([{ type: 'put', key: 'obi', value: bytes(0) }, { type: 'put', key: 'obj0', value: bytes(0) }]);
    const seen = [];
    let after = '';
    for (let pages = 0; pages < 100; pages++) {
      const page = repo.scan('obj/', after, 7);
      assert.ok(page.length <= 7);
      if (page.length === 0) break;
      seen.push(...keysOf(page));
      after = page[page.length - 1][0];
    }
    assert.deepEqual(seen, [...keys].sort(utf8Compare));
  });

  add('registry and repo handles see only their own keys', (assert) => {
    const storage = openStorage();
    storage.registry('team').batch([{ type: 'put', key: 'x', value: bytes(1) }]);
    storage.repo('id1').batch([{ type: 'put', key: 'x', value: bytes(2) }, { type: 'put', key: 'y', value: bytes(4) }]);
    storage.repo('id2').batch([{ type: 'put', key: 'x', value: bytes(3) }]);
    storage.repo('id10').batch([{ type: 'put', key: 'x', value: bytes(5) }]);
    assert.deepEqual([...storage.registry('team').get('x')], [1]);
    assert.deepEqual([...storage.repo('id1').get('x')], [2]);
    assert.equal(storage.registry('other').get('x'), null);
    assert.equal(storage.repo('id3').get('x'), null);
    assert.deepEqual(keysOf(storage.repo('id1').scan('', '', 10)), ['x', 'y'], 'not id10\'s keys');
    assert.deepEqual(storage.repo('id1').scan('', 'x', 10).map(([k, v]) => [k, [...v]]), [['y', [4]]]);
    assert.deepEqual(keysOf(storage.snapshot()), ['ns/team/x', 'repo/id1/x', 'repo/id1/y', 'repo/id10/x', 'repo/id2/x']);
    storage.repo('id1').batch([{ type: 'delete', key: 'x' }]);
    assert.deepEqual([...storage.repo('id2').get('x')], [3], 'a delete in one repo leaves the others');
  });

  add('repoIds and namespaceNames: every store once, in key order; a store whose rows are gone is gone', (assert) => {
    const storage = openStorage();
    assert.deepEqual(storage.repoIds(), []);
    assert.deepEqual(storage.namespaceNames(), []);
    for (const id of ['r2', 'r10', 'r1', 'r1.x', 'r1-', 'r\u00e9']) {
      storage.repo(id).batch([{ type: 'put', key: 'a', value: bytes(1) }, { type: 'put', key: 'b/c', value: bytes(2) }]);
    }
    for (const ns of ['ns2', 'default', 'ns1']) storage.registry(ns).batch([{ type: 'put', key: 'm/count', value: bytes(0) }]);
    assert.deepEqual(storage.repoIds(), ['r1-', 'r1.x', 'r1', 'r10', 'r2', 'r\u00e9']);
    assert.deepEqual(storage.namespaceNames(), ['default', 'ns1', 'ns2']);
    storage.repo('r10').batch([{ type: 'delete', key: 'a' }, { type: 'delete', key: 'b/c' }]);
    assert.deepEqual(storage.repoIds(), ['r1-', 'r1.x', 'r1', 'r2', 'r\u00e9']);
    assert.equal(storage.sharesRepoStorage, true);
  });

  add('batch: puts, overwrites and deletes apply in order; an empty batch changes nothing', (assert) => {
    const storage = openStorage();
    const repo = storage.repo('r');
    const applied = repo.batch([
      { type: 'put', key: 'a', value: bytes(1) },
      { type: 'put', key: 'b', value: bytes(2) },
      { type: 'put', key: 'a', value: bytes(3) },
      { type: 'delete', key: 'b' },
      { type: 'delete', key: 'never-there' },
      { type: 'put', key: 'c', value: bytes(4) },
      { type: 'put', key: 'd', value: bytes(5) },
      { type: 'delete', key: 'd' },
    ]);
    assert.notEqual(applied, false);
    assert.deepEqual(repo.scan('', '', 10).map(([k, v]) => [k, [...v]]), [['a', [3]], ['c', [4]]]);
    const before = JSON.stringify(storage.snapshot());
    assert.notEqual(repo.batch([]), false);
    assert.equal(JSON.stringify(storage.snapshot()), before);
    assert.deepEqual(storage.snapshot(), [['repo/r/a', '3'], ['repo/r/c', '4']]);
  });

  add('batch is all-or-nothing: an op that throws half-way leaves nothing behind', (assert) => {
    const storage = openStorage();
    const repo = storage.repo('r');
    repo.batch([{ type: 'put', key: 'keep', value: bytes(1) }]);
    const before = JSON.stringify(storage.snapshot());
    const bad = [
      [{ type: 'frobnicate', key: 'z' }, /unknown storage op/],
      [{ type: 'put', key: 'z', value: 'not bytes' }, /Uint8Array/],
      [{ type: 'put', key: 'z', value: null }, /Uint8Array/],
      [{ type: 'put', key: 'z', value: new ArrayBuffer(2) }, /Uint8Array/],
      [{ type: 'put', key: 'z', value: [1, 2] }, /Uint8Array/],
    ];
    for (const [op, message] of bad) {
      assert.throws(
        () =>
          repo.batch([
            { type: 'put', key: 'new', value: bytes(9) },
            { type: 'put', key: 'keep', value: bytes(2) },
            { type: 'delete', key: 'keep' },
            op,
            { type: 'put', key: 'after', value: bytes(3) },
          ]),
        (e) => e instanceof TypeError && message.test(e.message),
        JSON.stringify(op),
      );
      assert.equal(JSON.stringify(storage.snapshot()), before, `nothing of the failed batch remains (${JSON.stringify(op)})`);
    }
    assert.deepEqual([...repo.get('keep')], [1]);
    assert.notEqual(repo.batch([{ type: 'put', key: 'next', value: bytes(4) }]), false, 'the store takes batches after a failed one');
    assert.deepEqual([...repo.get('next')], [4]);
  });

  add('a batch whose expectations hold applies, and says so', (assert) => {
    const storage = openStorage();
    const repo = storage.repo('r');
    repo.batch([{ type: 'put', key: 'k', value: bytes(1, 2) }]);
    const applied = repo.batch([
      { type: 'expect', key: 'k', value: bytes(1, 2) },
      { type: 'expect', key: 'new', value: null },
      { type: 'put', key: 'new', value: bytes(3) },
      { type: 'delete', key: 'k' },
    ]);
    assert.notEqual(applied, false);
    assert.equal(repo.get('k'), null);
    assert.deepEqual([...repo.get('new')], [3]);
    assert.deepEqual(storage.snapshot(), [['repo/r/new', '3']], 'expect ops write nothing themselves');
  });

  add('an expectation that fails writes nothing and returns false', (assert) => {
    const storage = openStorage();
    const repo = storage.repo('r');
    repo.batch([{ type: 'put', key: 'k', value: bytes(1, 2) }, { type: 'put', key: 'empty', value: bytes() }]);
    const before = JSON.stringify(storage.snapshot());
    const failing = [
      { type: 'expect', key: 'k', value: null }, // present, expected absent
      { type: 'expect', key: 'missing', value: bytes() }, // absent, expected (empty) bytes
      { type: 'expect', key: 'empty', value: null }, // present (empty), expected absent
      { type: 'expect', key: 'k', value: bytes(1) }, // a prefix of the value
      { type: 'expect', key: 'k', value: bytes(1, 2, 3) }, // longer
      { type: 'expect', key: 'k', value: bytes(1, 3) }, // same length, other bytes
    ];
    for (const expectation of failing) {
      const result = repo.batch([
        { type: 'put', key: 'written', value: bytes(9) },
        { type: 'delete', key: 'k' },
        { type: 'expect', key: 'k', value: bytes(1, 2) }, // holds: one failing is enough
        expectation, // after the writes: checked against the store before them all the same
      ]);
      assert.equal(result, false, JSON.stringify(expectation));
      assert.equal(JSON.stringify(storage.snapshot()), before, `nothing written (${JSON.stringify(expectation)})`);
    }
    assert.notEqual(repo.batch([{ type: 'expect', key: 'empty', value: bytes() }]), false, 'an empty value is matched by empty bytes');
  });

  add('expectations are prefixed like every key, and see the store before the batch', (assert) => {
    const storage = openStorage();
    storage.repo('a').batch([{ type: 'put', key: 'k', value: bytes(1) }]);
    // repo b's "k" is absent, whatever repo a holds under the same key.
    assert.notEqual(storage.repo('b').batch([{ type: 'expect', key: 'k', value: null }, { type: 'put', key: 'k', value: bytes(2) }]), false);
    assert.equal(storage.registry('ns').batch([{ type: 'expect', key: 'k', value: bytes(1) }]), false);
    assert.notEqual(storage.repo('c').batch([{ type: 'put', key: 'k', value: bytes(3) }, { type: 'expect', key: 'k', value: null }]), false);
    assert.deepEqual([...storage.repo('c').get('k')], [3]);
    assert.deepEqual([...storage.repo('b').get('k')], [2]);
  });

  add('a malformed expectation throws and writes nothing', (assert) => {
    const storage = openStorage();
    const repo = storage.repo('r');
    const before = JSON.stringify(storage.snapshot());
    assert.throws(() => repo.batch([{ type: 'put', key: 'x', value: bytes(1) }, { type: 'expect', key: 'k', value: 'text' }]), /Uint8Array or null/);
    assert.throws(() => repo.batch([{ type: 'expect', key: 'k' }]), /Uint8Array or null/);
    assert.equal(JSON.stringify(storage.snapshot()), before);
  });

  return cases;
}

// The case names, in order (they do not depend on the store).
export const storageContractCaseNames = () =>
  storageContractCases(() => {
    throw new Error('names only');
  }).map((c) => c.name);
